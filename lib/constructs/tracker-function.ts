/**
 * The house Lambda: one place that pins how every function in this app runs and what it may do.
 *
 * - Node.js 24 on ARM64 (Graviton: about 20% cheaper per GB-second for the same work). Node.js 24 is the
 *   newest runtime this aws-cdk-lib knows, which is what cdk-nag's AwsSolutions-L1 asks for.
 * - Code from the bundles prebuilt by scripts/bundle.ts (dist/bundles), not bundled at synth time: the
 *   package ships them, so an app using the construct needs neither esbuild nor Docker.
 * - An explicit log group with a retention, and a role written here rather than the default one
 *   lambda.Function would create: that one carries the AWSLambdaBasicExecutionRole managed policy (logs on `*`). This
 *   role starts empty and may write only to its own log group; everything else is granted by name.
 * - X-Ray only with the tracker's `tracing` setting (off by default): its write actions take no resource
 *   but `*`, and API Gateway access logs plus Powertools structured logs already say where a request went.
 *   Either way the one finding left is acknowledged here: cdk-nag's Serverless tracing rule with it off,
 *   the AwsSolutions IAM5 rule on the X-Ray grant's `*` with it on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Arn, ArnFormat, Duration, Stack, Token, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV, setting, type EnvVariable } from '../../lambda/domain/environment';

/**
 * The package root: the nearest directory above this file with a package.json. The same search works
 * from the source (lib/constructs/*.ts, in this repository) and from the compiled package
 * (dist/lib/constructs/*.js, in a consumer's node_modules/twilio-status-tracker), which a fixed `..`
 * count could not.
 */
export const PROJECT_ROOT = findPackageRoot(__dirname);

/** Where `npm run bundle` (scripts/bundle.ts) writes one directory per handler, shipped in the package. */
export const BUNDLES_DIR = path.join(PROJECT_ROOT, 'dist', 'bundles');

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/**
 * The prebuilt bundle directory of one handler. Synthesis only copies it into the cloud assembly, so
 * neither esbuild nor Docker is needed where the construct is used; a missing bundle fails here, with
 * the fix, rather than as an asset error later.
 */
export function bundleDirectory(bundle: string): string {
  const dir = path.join(BUNDLES_DIR, bundle);
  if (!fs.existsSync(path.join(dir, 'index.mjs'))) {
    throw new Error(
      `Lambda bundle ${bundle} missing (no ${path.join(dir, 'index.mjs')}): run npm run bundle`,
    );
  }
  return dir;
}

/**
 * What every function's environment holds before its own variables: nothing. In particular no
 * NODE_OPTIONS=--enable-source-maps: that flag parses the source map of every module at import, on
 * every cold start (about a fifth of the callback's import overhead; docs/measured.md). Stack traces
 * still point at the TypeScript source: the asset carries index.mjs.map, and the handlers map a stack
 * through it only when an error is logged or thrown (lambda/adapters/secondary/readable-stack.ts).
 * Exported so that the cold-start benchmark runs the bundles with exactly this environment.
 */
export const TRACKER_BASE_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({});

/** The runtime every function uses; tests assert it so a change is deliberate. */
export const TRACKER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** DynamoDB item and query actions a tracker function may be granted, one by one. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:ConditionCheckItem';

export interface TrackerFunctionProps {
  /**
   * The prebuilt bundle to deploy: a handler's file name under lambda/handlers, without extension (e.g.
   * `status-callback`), which scripts/bundle.ts builds into dist/bundles/<bundle>/index.mjs.
   */
  readonly bundle: string;
  readonly description: string;
  readonly logRetention: logs.RetentionDays;
  /** Applies to the log group: keep logs of a retained stack, drop them with a disposable one. */
  readonly removalPolicy: RemovalPolicy;
  readonly environment?: Record<string, string>;
  /**
   * 10 s by default: an API handler does one DynamoDB write (and, cold, one secret read) with the SDK's
   * three attempts; anything slower should answer 503 and let Twilio retry, not hold the connection.
   */
  readonly timeout?: Duration;
  /**
   * 256 MB by default. Lambda allots CPU in proportion to memory, and a cold start here is CPU-bound
   * (parsing a ~0.4 MB bundle, two TLS handshakes); 128 MB roughly doubles that time for a saving of a
   * fraction of a cent per thousand invocations. The handlers themselves use well under 100 MB.
   */
  readonly memorySize?: number;
  /** Caps (and reserves) the function's concurrency; 1 makes runs strictly one at a time. */
  readonly reservedConcurrentExecutions?: number;
  /** Lambda active tracing (X-Ray); the tracker's `tracing` setting. Off by default. */
  readonly tracing?: boolean;
}

export class TrackerFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TrackerFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(bundleDirectory(props.bundle)),
      // Every bundle is an ES module (index.mjs) exporting `handler`.
      handler: 'index.handler',
      description: props.description,
      runtime: TRACKER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : undefined,
      environment: { ...TRACKER_BASE_ENVIRONMENT, ...props.environment },
    });
    if (props.tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing (the tracker setting "tracing") grants xray:PutTraceSegments and ' +
          'xray:PutTelemetryRecords, which support no resource-level permission: X-Ray accepts them on * only.',
      });
    } else {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason:
          'X-Ray tracing is the tracker\'s "tracing" setting (context -c tracing=true), off by default: ' +
          'the API access logs and the structured logs (request ids, outcomes, metrics) already say where ' +
          'a request went, without the per-trace charge or the xray:* grant on * it needs.',
      });
    }
  }

  /**
   * Acknowledges that the function has no dead-letter queue (DeadLetterConfig), which only asynchronous
   * invocations use, saying why none is needed: how the function is invoked and where its failures go.
   */
  noDeadLetterQueue(reason: string): this {
    Validations.of(this.function).acknowledge({ id: 'Serverless-LambdaDLQ', reason });
    return this;
  }

  /** Sets a variable of the environment contract (lambda/domain/environment.ts) on the function. */
  addEnvironment<T>(variable: EnvVariable<T>, value: NonNullable<T>): this {
    this.function.addEnvironment(...setting(variable, value));
    return this;
  }

  /**
   * Allows exactly these actions on the table itself (or on one named index), and names the table in
   * TABLE_NAME (or `environmentKey`, for a second table). Unlike `table.grant*`, no index wildcard
   * (`table/index/*`) is added.
   */
  grantTable(
    table: ITable,
    actions: readonly TableAction[],
    options: { index?: string; environmentKey?: string } = {},
  ): this {
    const resource = options.index ? `${table.tableArn}/index/${options.index}` : table.tableArn;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [resource] }));
    this.function.addEnvironment(options.environmentKey ?? ENV.tableName.name, table.tableName);
    return this;
  }

  /**
   * Allows reading the secret's value (GetSecretValue, DescribeSecret) and names it in TWILIO_SECRET_ID.
   * Only the secret's identifier ever reaches the environment, never its contents.
   */
  grantSecretRead(secret: ISecret, secretId: string): this {
    secret.grantRead(this.role);
    this.addEnvironment(ENV.twilioSecretId, secretId);
    return this;
  }

  /**
   * Allows GetSecretValue on the secrets whose names start with `prefix` (the account secrets, read by
   * name: `*` covers the random suffix Secrets Manager appends) and names the prefix and the shard count
   * in ACCOUNT_SECRET_PREFIX / ACCOUNT_SECRET_SHARDS; kms:Decrypt on `key` when one is given.
   */
  grantAccountSecrets(prefix: string, shards: number, key?: IKey): this {
    const arn = Arn.format(
      {
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${prefix}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [arn] }),
    );
    key?.grantDecrypt(this.role);
    this.addEnvironment(ENV.accountSecretPrefix, prefix).addEnvironment(ENV.accountSecretShards, shards);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(this), 'secretsmanager', `secret:${prefix}*`)}]`,
      reason:
        'The account secrets are many and added over time, so they are granted by their name prefix; the ' +
        'trailing * also covers the random suffix Secrets Manager appends to every secret ARN.',
    });
    return this;
  }
}

/**
 * An ARN of the stack's partition, region and account as cdk-nag names it in a finding: a pseudo
 * parameter still a token is written `<AWS::Region>`, a concrete one (the CDK CLI fills in the region and
 * account of its credentials, CDK_DEFAULT_REGION / CDK_DEFAULT_ACCOUNT) as its value. Built from the
 * stack, so the acknowledgement matches the finding whichever the stack has.
 */
export function nagResourceName(stack: Stack, service: string, resource: string): string {
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return [
    'arn',
    part(stack.partition, 'Partition'),
    service,
    part(stack.region, 'Region'),
    part(stack.account, 'AccountId'),
    resource,
  ].join(':');
}
