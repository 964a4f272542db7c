/**
 * The delivery-anomaly check in AWS: a Lambda on an EventBridge schedule, every anomaly bucket
 * (15 minutes), that runs the `anomaly-cells` query on Athena in the history workgroup, judges it with
 * the domain's code (lambda/domain/history/anomaly.ts) and puts `Delivery Anomaly` events on the
 * tracker's bus. Made in the history construct's scope, so its ids are its own; only with history on.
 */
import { ENV, environmentOf, setting } from '../../lambda/domain/environment';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DEFAULT_ANOMALY_SETTINGS } from '../../lambda/domain/history/anomaly';
import type { FunctionDefaults } from './function-defaults';
import { TrackerFunction } from './tracker-function';

export interface AnomalyCheckProps extends FunctionDefaults {
  readonly eventBus: events.IEventBus;
  readonly workGroupName: string;
  readonly workGroupArn: string;
  readonly databaseName: string;
  readonly tableName: string;
  readonly glueArns: { readonly catalog: string; readonly database: string; readonly table: string };
  readonly bucket: s3.Bucket;
  readonly resultsBucket: s3.Bucket;
}

/** The scheduled delivery-anomaly check (docs/history.md): its function and the rule that runs it. */
export interface AnomalyCheck {
  /** The function that runs the anomaly query on Athena and puts `Delivery Anomaly` events. */
  readonly function: TrackerFunction;
  /** The EventBridge schedule that runs it once per anomaly bucket. */
  readonly schedule: events.Rule;
}

/** The schedule's period: one run per anomaly bucket. */
export const ANOMALY_CHECK_MINUTES = DEFAULT_ANOMALY_SETTINGS.bucketMs / 60_000;

export function createAnomalyCheck(scope: Construct, props: AnomalyCheckProps): AnomalyCheck {
  const fn = new TrackerFunction(scope, 'AnomalyCheck', {
    logRetention: props.logRetention,
    removalPolicy: props.removalPolicy,
    tracing: props.tracing,
    bundle: 'anomaly-check',
    description: 'Judges the last settled 15-minute bucket of history and puts Delivery Anomaly events',
    timeout: Duration.minutes(5),
    // Runs never overlap: a slow Athena query must not make two runs judge one bucket at once.
    reservedConcurrentExecutions: 1,
    environment: environmentOf(
      setting(ENV.historyWorkGroup, props.workGroupName),
      setting(ENV.historyDatabase, props.databaseName),
      setting(ENV.historyTable, props.tableName),
      setting(ENV.eventBusName, props.eventBus.eventBusName),
    ),
  });
  fn.noDeadLetterQueue(
    'Only its EventBridge schedule invokes it; a failed run is retried by EventBridge and the next ' +
      'scheduled run judges the next bucket. Nothing is lost that a dead-letter queue would keep: the ' +
      'history the run reads stays in S3.',
  );
  // Athena in the one workgroup, the Glue entries of the one table, read on history/, and Athena's
  // results (written by Athena under this role) in the results bucket.
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
      ],
      resources: [props.workGroupArn],
    }),
  );
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: [props.glueArns.catalog, props.glueArns.database, props.glueArns.table],
    }),
  );
  const statement = (actions: string[], resources: string[]) =>
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  statement(['s3:GetObject'], [props.bucket.arnForObjects('history/*')]);
  statement(
    ['s3:ListBucket', 's3:GetBucketLocation'],
    [props.bucket.bucketArn, props.resultsBucket.bucketArn],
  );
  statement(
    ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    [props.resultsBucket.arnForObjects('results/*')],
  );
  props.eventBus.grantPutEventsTo(fn.role);
  const logicalId = (bucket: s3.Bucket) =>
    Stack.of(scope).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId(props.bucket)}.Arn>/history/*]`,
    reason:
      'Athena reads the Parquet objects of the day partitions the query names, under keys Firehose made ' +
      '(history/dt=.../<random>): GetObject only, on the history prefix of the one bucket.',
  });
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId(props.resultsBucket)}.Arn>/results/*]`,
    reason:
      "Athena writes the query's results under keys it makes in the workgroup's output location " +
      '(results/ of the results bucket, expired after a few days) and the function reads them back: ' +
      'object-level read, write and multipart actions on that prefix only, no delete.',
  });

  const schedule = new events.Rule(scope, 'AnomalyCheckSchedule', {
    description: `Runs the delivery-anomaly check every ${ANOMALY_CHECK_MINUTES} minutes`,
    schedule: events.Schedule.rate(Duration.minutes(ANOMALY_CHECK_MINUTES)),
    targets: [new targets.LambdaFunction(fn.function, { retryAttempts: 2 })],
  });
  Validations.of(schedule).acknowledge({
    id: 'Serverless-EventBusDLQ',
    reason:
      'A run that could not be invoked after the retries has no payload worth keeping (the schedule ' +
      'carries none) and nothing to redrive: its bucket is not judged again (docs/history.md says so), ' +
      'the DeliveryRate alarm still sees the overall rate of the next runs, and Lambda counts the ' +
      'failed invocations in its Errors metric.',
  });
  return { function: fn, schedule };
}
