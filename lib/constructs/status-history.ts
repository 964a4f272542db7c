/**
 * History: every status-change event kept as a Parquet row in S3, queryable with Athena at any scale.
 *
 *   event bus --rule (source + detail-type), input $.detail--> Amazon Data Firehose
 *     --history-row λ (detail -> pseudonymised row, JSON line)--> record format conversion (Glue table)
 *     --> S3 history/dt=YYYY-MM-DD/*.parquet        refused or unconvertible: history-errors/<type>/dt=.../
 *   Glue table over history/ with partition projection (no crawler, no MSCK REPAIR)
 *   Athena workgroup (enforced settings, bytes-scanned limit, encrypted results in their own bucket)
 *     with one named query per NAMED_HISTORY_QUERIES entry
 *
 * The parts, each made in this construct's scope so that their ids (and logical IDs) are its own:
 * history-buckets.ts (S3), history-catalog.ts (Glue, Athena), history-delivery.ts (Firehose and its
 * rule), history-monitoring.ts (alarms, dashboard row), history-anomalies.ts (the scheduled anomaly check). This file holds the processor, its hash key and
 * the grant to readers.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as athena from 'aws-cdk-lib/aws-athena';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import type { FunctionDefaults } from './function-defaults';
import { createHistoryBuckets } from './history-buckets';
import { createHistoryCatalog, createHistoryWorkGroup, type HistoryNamedQuery } from './history-catalog';
import { createHistoryDeliveryStream, createHistoryRule } from './history-delivery';
import { addHistoryDashboardRow, createHistoryAlarms, type HistoryAlarms } from './history-monitoring';
import { TrackerFunction } from './tracker-function';
import { ENV, environmentOf, setting } from '../../lambda/domain/environment';
import { createAnomalyCheck, type AnomalyCheck } from './history-anomalies';

export { ATHENA_RESULT_DAYS } from './history-buckets';
export { HISTORY_TABLE_NAME, type HistoryNamedQuery } from './history-catalog';
export { HISTORY_BUFFER_MIB, HISTORY_ERROR_PREFIX, HISTORY_PREFIX } from './history-delivery';

export interface StatusHistoryProps extends FunctionDefaults {
  /** The bus the tracker's status-change events are on. */
  readonly eventBus: events.IEventBus;
  /** The tracker's status-change events (source + detail-type). */
  readonly eventPattern: events.EventPattern;
  /** Unique per tracker: names the Glue database, the workgroup and the alarms. */
  readonly namePrefix: string;
  /** Days a history object is kept. */
  readonly retentionDays: number;
  /** Days a Firehose error object is kept (it may hold a whole event, numbers included). */
  readonly errorRetentionDays: number;
  /** Seconds Firehose buffers rows before writing an object. */
  readonly bufferSeconds: number;
  /** Bytes one Athena query in the workgroup may scan. */
  readonly scanLimitBytes: number;
  /** The named queries, given the table's qualified name (`"db"."table"`). */
  readonly namedQueries: (source: string) => readonly HistoryNamedQuery[];
  /** Every alarm notifies it. */
  readonly alarmTopic: sns.ITopic;
  /** The tracker's dashboard: a history row is added. */
  readonly dashboard?: cloudwatch.Dashboard;
}

export class StatusHistory extends Construct {
  /** Parquet under history/dt=YYYY-MM-DD/, Firehose's errors under history-errors/. */
  readonly bucket: s3.Bucket;
  /** Athena's query results (expired after ATHENA_RESULT_DAYS). */
  readonly resultsBucket: s3.Bucket;
  /** Server access logs of both buckets. */
  readonly accessLogsBucket: s3.Bucket;
  readonly databaseName: string;
  readonly tableName: string;
  readonly workGroupName: string;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly processor: TrackerFunction;
  /** The key `to` and `from` are hashed with (generated; never leaves Secrets Manager but to the processor). */
  readonly hashKey: secretsmanager.Secret;
  readonly rule: events.Rule;
  /** Events EventBridge could not put on the delivery stream after 24 hours of retries (alarmed). */
  readonly deadLetterQueue: sqs.Queue;
  readonly namedQueries: readonly athena.CfnNamedQuery[];
  readonly alarms: HistoryAlarms;
  /** The scheduled delivery-anomaly check (history-anomalies.ts). */
  readonly anomalyCheck: AnomalyCheck;
  private readonly workGroupArn: string;
  private readonly glueArns: { catalog: string; database: string; table: string };

  constructor(scope: Construct, id: string, props: StatusHistoryProps) {
    super(scope, id);
    // Server access logs delivered under a bucket policy (logging.s3.amazonaws.com, this account's
    // buckets only) rather than the legacy LogDeliveryWrite ACL, whatever the app's feature flags.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const { removalPolicy } = props;

    const buckets = createHistoryBuckets(this, props);
    this.accessLogsBucket = buckets.accessLogsBucket;
    this.bucket = buckets.bucket;
    this.resultsBucket = buckets.resultsBucket;

    const catalog = createHistoryCatalog(this, {
      bucket: this.bucket,
      namePrefix: props.namePrefix,
      retentionDays: props.retentionDays,
    });
    this.databaseName = catalog.databaseName;
    this.tableName = catalog.tableName;
    this.glueArns = catalog.arns;

    this.hashKey = new secretsmanager.Secret(this, 'HashKey', {
      description:
        'Key of the keyed hash (HMAC-SHA256) history rows carry instead of phone numbers; generated, never rotated automatically',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.hashKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The history hash key must stay the same for as long as the history it hashed is kept: a rotated ' +
        'key gives every phone number a new hash, so history could no longer group or count a recipient ' +
        'across the rotation. It is read only by the history processor and never leaves Secrets Manager ' +
        'otherwise; replacing it is a deliberate operator decision (docs/history.md).',
    });

    this.processor = new TrackerFunction(this, 'Processor', {
      logRetention: props.logRetention,
      removalPolicy,
      tracing: props.tracing,
      bundle: 'history-row',
      description: 'Turns status-change events into pseudonymised history rows for Firehose',
      timeout: Duration.seconds(60),
      environment: environmentOf(setting(ENV.historyKeySecretId, this.hashKey.secretArn)),
    });
    this.hashKey.grantRead(this.processor.role);
    this.processor.noDeadLetterQueue(
      "Only Firehose invokes it, synchronously, as the delivery stream's data-transformation processor: " +
        'Firehose retries a failed invocation (NumberOfRetries) and then writes the records under ' +
        'history-errors/processing-failed/ (alarmed: ProcessorFailing). A dead-letter queue serves ' +
        'asynchronous invocations only.',
    );

    this.deliveryStream = createHistoryDeliveryStream(this, {
      bucket: this.bucket,
      catalog,
      processor: this.processor.function,
      bufferSeconds: props.bufferSeconds,
      logRetention: props.logRetention,
      removalPolicy,
    });
    const delivery = createHistoryRule(this, {
      eventBus: props.eventBus,
      eventPattern: props.eventPattern,
      deliveryStream: this.deliveryStream,
    });
    this.deadLetterQueue = delivery.deadLetterQueue;
    this.rule = delivery.rule;

    const workGroup = createHistoryWorkGroup(this, {
      catalog,
      resultsBucket: this.resultsBucket,
      namePrefix: props.namePrefix,
      scanLimitBytes: props.scanLimitBytes,
      namedQueries: props.namedQueries,
    });
    this.workGroupName = workGroup.workGroupName;
    this.workGroupArn = workGroup.workGroupArn;
    this.namedQueries = workGroup.namedQueries;

    this.anomalyCheck = createAnomalyCheck(this, {
      logRetention: props.logRetention,
      removalPolicy,
      tracing: props.tracing,
      eventBus: props.eventBus,
      workGroupName: this.workGroupName,
      workGroupArn: this.workGroupArn,
      databaseName: this.databaseName,
      tableName: this.tableName,
      glueArns: this.glueArns,
      bucket: this.bucket,
      resultsBucket: this.resultsBucket,
    });

    const monitored = {
      namePrefix: props.namePrefix,
      alarmTopic: props.alarmTopic,
      bufferSeconds: props.bufferSeconds,
      streamName: this.deliveryStream.ref,
      deadLetterQueue: this.deadLetterQueue,
      processor: this.processor.function,
    };
    this.alarms = createHistoryAlarms(this, monitored);
    if (props.dashboard) addHistoryDashboardRow(props.dashboard, monitored, this.alarms);
  }

  /**
   * Lets the grantee run the named queries (and its own) in the history workgroup: Athena on the
   * workgroup, the Glue catalog entries of the table, read on the history and write on the results.
   */
  grantReadHistory(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetNamedQuery',
        'athena:ListNamedQueries',
        'athena:BatchGetNamedQuery',
        'athena:GetWorkGroup',
      ],
      resourceArns: [this.workGroupArn],
    })
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
          resourceArns: [this.glueArns.catalog, this.glueArns.database, this.glueArns.table],
        }),
      )
      .combine(this.bucket.grantRead(grantee, 'history/*'))
      .combine(this.resultsBucket.grantReadWrite(grantee));
  }
}
