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
 * The delivery stream is the L1 CfnDeliveryStream, not the L2 DeliveryStream: the L2's S3 destination
 * always grants its role `bucket.grantReadWrite` (s3:DeleteObject* and wildcard actions) and its schema
 * configuration grants glue:GetSchemaVersion on `*`; this role may write history, never delete it.
 *
 * Buckets are encrypted with S3-managed keys (SSE-S3), not a customer managed KMS key: rows carry no
 * phone numbers (a keyed hash instead), access is decided by IAM on the buckets (grantReadHistory), and
 * a KMS key would add a monthly charge, a request charge per object read by Athena and a second grant to
 * every reader without keeping anything from someone IAM already lets read the bucket. The buckets are
 * not versioned: Firehose never overwrites a key, and an expired or erased object must really be gone.
 */
import { ArnFormat, Aws, Duration, Names, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { HISTORY_COLUMNS, HISTORY_PARTITION } from '../../lambda/domain/history/columns';
import type { FunctionDefaults } from './function-defaults';
import { addHistoryDashboardRow, createHistoryAlarms, type HistoryAlarms } from './history-monitoring';
import { TrackerFunction } from './tracker-function';

/** Where Firehose writes rows: one folder per UTC day, the Glue table's partitions. */
export const HISTORY_PREFIX = `history/${HISTORY_PARTITION}=!{timestamp:yyyy-MM-dd}/`;
/** Where Firehose writes what it could not: `processing-failed/`, `format-conversion-failed/`, ... */
export const HISTORY_ERROR_PREFIX = `history-errors/!{firehose:error-output-type}/${HISTORY_PARTITION}=!{timestamp:yyyy-MM-dd}/`;
/** The Glue table's name (its database is per tracker). */
export const HISTORY_TABLE_NAME = 'status_history';
/** Days an Athena result object is kept: long enough to read a result, not an archive. */
export const ATHENA_RESULT_DAYS = 7;
/** Record format conversion needs a buffer of at least 64 MiB; the most Firehose takes keeps files few and large. */
export const HISTORY_BUFFER_MIB = 128;

/** A named query the workgroup offers: its SQL already in the Athena dialect, over this table. */
export interface HistoryNamedQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

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
  private readonly workGroupArn: string;
  private readonly glueArns: { catalog: string; database: string; table: string };

  constructor(scope: Construct, id: string, props: StatusHistoryProps) {
    super(scope, id);
    // Server access logs delivered under a bucket policy (logging.s3.amazonaws.com, this account's
    // buckets only) rather than the legacy LogDeliveryWrite ACL, whatever the app's feature flags.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const { removalPolicy } = props;
    const stack = Stack.of(this);

    this.accessLogsBucket = this.createAccessLogsBucket(props);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...bucketBasics(removalPolicy),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'history/',
      lifecycleRules: [
        { id: 'ExpireHistory', prefix: 'history/', expiration: Duration.days(props.retentionDays) },
        {
          id: 'ExpireErrors',
          prefix: 'history-errors/',
          expiration: Duration.days(props.errorRetentionDays),
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.resultsBucket = new s3.Bucket(this, 'ResultsBucket', {
      ...bucketBasics(removalPolicy),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          id: 'ExpireResults',
          expiration: Duration.days(ATHENA_RESULT_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    // Glue and Athena names: lower case, digits and underscores (Athena needs no quoting for them).
    this.databaseName = `${props.namePrefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_history`.slice(-255);
    this.tableName = HISTORY_TABLE_NAME;
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.databaseName,
        description: 'History of Twilio message status changes (twilio-status-tracker)',
      },
    });
    // The database, table and workgroup hold no data (that is in the buckets) and have fixed names: they
    // go with the stack whatever its removal policy, so a stack of the same name can be created again.
    const table = this.createTable(database, props.retentionDays);
    this.glueArns = {
      catalog: stack.formatArn({ service: 'glue', resource: 'catalog' }),
      database: stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      table: stack.formatArn({
        service: 'glue',
        resource: 'table',
        resourceName: `${this.databaseName}/${this.tableName}`,
      }),
    };

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
        'otherwise; replacing it is a deliberate operator decision (README, History).',
    });

    this.processor = new TrackerFunction(this, 'Processor', {
      logRetention: props.logRetention,
      removalPolicy,
      tracing: props.tracing,
      bundle: 'history-row',
      description: 'Turns status-change events into pseudonymised history rows for Firehose',
      timeout: Duration.seconds(60),
      environment: { HISTORY_KEY_SECRET_ID: this.hashKey.secretArn },
    });
    this.hashKey.grantRead(this.processor.role);
    this.processor.noDeadLetterQueue(
      "Only Firehose invokes it, synchronously, as the delivery stream's data-transformation processor: " +
        'Firehose retries a failed invocation (NumberOfRetries) and then writes the records under ' +
        'history-errors/processing-failed/ (alarmed: ProcessorFailing). A dead-letter queue serves ' +
        'asynchronous invocations only.',
    );

    this.deliveryStream = this.createDeliveryStream(table, props);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the history rule's dead-letter queue: it holds the events EventBridge could not put " +
        'on the delivery stream after its retries, for an operator to inspect and replay (alarmed). It is ' +
        'the end of the failure path; nothing consumes it automatically.',
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        "This queue is the history rule's dead-letter queue, the end of the failure path (alarmed): nothing " +
        'receives from it, so there is no receive count after which a dead-letter queue of its own would apply.',
    });
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: 'Every status change of this tracker into its history (Firehose)',
      eventPattern: props.eventPattern,
      targets: [this.deliveryStreamTarget()],
    });
    // Only this rule may dead-letter into the queue.
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );

    this.workGroupName = workGroupName(this, props.namePrefix);
    const workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Queries over the status history of a twilio-status-tracker (README, History)',
      state: 'ENABLED',
      // Deleting the workgroup also deletes its saved queries and query history (never the S3 objects).
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.scanLimitBytes,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: Aws.ACCOUNT_ID,
        },
      },
    });
    this.workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.workGroupName,
    });

    const source = `"${this.databaseName}"."${this.tableName}"`;
    this.namedQueries = props.namedQueries(source).map((query) => {
      const named = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: query.name,
        description: query.description.slice(0, 1024),
        database: this.databaseName,
        workGroup: workGroup.ref,
        queryString: query.sql,
      });
      named.node.addDependency(table);
      return named;
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

  /**
   * The rule's target: the delivery stream, given the event's `detail` only, through a role that may put
   * records on this stream and nothing else. EventBridge retries a put that fails (throttled by the
   * stream's quotas, say) for 24 hours, then sends the event to the dead-letter queue. (aws-events-targets' FirehoseDeliveryStream takes only the
   * L2 stream, whose import adds an unused Firehose CIDR mapping to the template.)
   */
  private deliveryStreamTarget(): events.IRuleTarget {
    const role = new iam.Role(this, 'RuleRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'EventBridge puts status-change details on the history delivery stream',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [this.deliveryStream.attrArn],
      }),
    );
    const arn = this.deliveryStream.attrArn;
    const deadLetterArn = this.deadLetterQueue.queueArn;
    return {
      bind: () => ({
        arn,
        role,
        input: events.RuleTargetInput.fromEventPath('$.detail'),
        retryPolicy: { maximumEventAgeInSeconds: 24 * 60 * 60, maximumRetryAttempts: 185 },
        deadLetterConfig: { arn: deadLetterArn },
      }),
    };
  }

  private createAccessLogsBucket(props: StatusHistoryProps): s3.Bucket {
    const logsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...bucketBasics(props.removalPolicy),
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket receives the server access logs of the history and Athena results buckets; logging ' +
        'its own access into itself would log every log delivery, without end.',
    });
    return logsBucket;
  }

  private createTable(database: glue.CfnDatabase, retentionDays: number): glue.CfnTable {
    const location = `s3://${this.bucket.bucketName}/history/`;
    const table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        description: 'One row per message status change, pseudonymised (keyed hash of to/from)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'parquet',
          // Partition projection: Athena computes the day folders, so no crawler and no MSCK REPAIR.
          'projection.enabled': 'true',
          [`projection.${HISTORY_PARTITION}.type`]: 'date',
          [`projection.${HISTORY_PARTITION}.format`]: 'yyyy-MM-dd',
          // Nothing older than the retention exists; NOW is today (UTC) as Firehose's prefix is.
          [`projection.${HISTORY_PARTITION}.range`]: `NOW-${retentionDays}DAYS,NOW`,
          [`projection.${HISTORY_PARTITION}.interval`]: '1',
          [`projection.${HISTORY_PARTITION}.interval.unit`]: 'DAYS',
          'storage.location.template': `${location}${HISTORY_PARTITION}=\${${HISTORY_PARTITION}}/`,
        },
        partitionKeys: [
          { name: HISTORY_PARTITION, type: 'string', comment: 'UTC day the row was recorded, YYYY-MM-DD' },
        ],
        storageDescriptor: {
          location,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
          columns: HISTORY_COLUMNS.map((column) => ({
            name: column.name,
            type: column.type,
            comment: column.comment,
          })),
        },
      },
    });
    table.node.addDependency(database);
    return table;
  }

  private createDeliveryStream(table: glue.CfnTable, props: StatusHistoryProps): firehose.CfnDeliveryStream {
    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', {
      logGroup,
      removalPolicy: props.removalPolicy,
    });

    // Firehose's documented permissions for an S3 destination with a Lambda processor and record format
    // conversion, and no more: it writes objects, never deletes them.
    const role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } },
      }),
      description: 'Firehose delivery of the status history (processor, Glue schema, S3 writes)',
    });
    const policy = new iam.Policy(this, 'DeliveryPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: [
            's3:AbortMultipartUpload',
            's3:GetBucketLocation',
            's3:GetObject',
            's3:ListBucket',
            's3:ListBucketMultipartUploads',
            's3:PutObject',
          ],
          resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          resources: [this.processor.function.functionArn],
        }),
        new iam.PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
          resources: [this.glueArns.catalog, this.glueArns.database, this.glueArns.table],
        }),
        new iam.PolicyStatement({
          actions: ['logs:PutLogEvents'],
          resources: [
            Stack.of(this).formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });

    const stream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: HISTORY_PREFIX,
        errorOutputPrefix: HISTORY_ERROR_PREFIX,
        bufferingHints: { intervalInSeconds: props.bufferSeconds, sizeInMBs: HISTORY_BUFFER_MIB },
        // Parquet compresses its own pages (Snappy); the object as a whole must stay uncompressed.
        compressionFormat: 'UNCOMPRESSED',
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'Lambda',
              parameters: [
                { parameterName: 'LambdaArn', parameterValue: this.processor.function.functionArn },
                { parameterName: 'NumberOfRetries', parameterValue: '3' },
                // About a thousand details (600-900 bytes each) per invocation: well inside Lambda's 6 MB payloads.
                { parameterName: 'BufferSizeInMBs', parameterValue: '1' },
                { parameterName: 'BufferIntervalInSeconds', parameterValue: '60' },
              ],
            },
          ],
        },
        dataFormatConversionConfiguration: {
          enabled: true,
          inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
          schemaConfiguration: {
            catalogId: Aws.ACCOUNT_ID,
            region: Aws.REGION,
            databaseName: this.databaseName,
            tableName: this.tableName,
            roleArn: role.roleArn,
            versionId: 'LATEST',
          },
        },
      },
    });
    Validations.of(policy).acknowledge({
      // cdk-nag names the finding by the bucket's logical id.
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      reason:
        'Firehose writes objects under keys it makes (a dated prefix and a random name), so it needs ' +
        'PutObject (and the multipart and read-back actions Firehose documents) on objects of this one ' +
        'bucket; no delete is granted.',
    });
    // Firehose checks its role's permissions when the stream is created.
    stream.node.addDependency(policy, table);
    return stream;
  }
}

function bucketBasics(removalPolicy: RemovalPolicy): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: false,
    removalPolicy,
  };
}

/** `<prefix>-history`, or a unique name of the same shape when that is longer than Athena allows (128). */
function workGroupName(scope: Construct, prefix: string): string {
  const name = `${prefix}-history`;
  return name.length <= 128
    ? name
    : `${Names.uniqueResourceName(scope, { maxLength: 120, separator: '-' })}-history`;
}
