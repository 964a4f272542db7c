import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';

/**
 * What every TrackerFunction of one tracker shares: how long its logs live, whether they are kept, and
 * whether it is traced with X-Ray.
 */
export interface FunctionDefaults {
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly tracing: boolean;
}

/** The Twilio credentials secret and the identifier the Lambdas pass to GetSecretValue. */
export interface TwilioSecretRef {
  readonly secret: ISecret;
  readonly secretId: string;
}
