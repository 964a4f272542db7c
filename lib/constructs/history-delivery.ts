/**
 * The history's delivery (lib/constructs/status-history.ts): the Amazon Data Firehose stream that turns
 * details into Parquet rows in S3, and the EventBridge rule (with its dead-letter queue) that feeds it.
 * Made in the history construct's scope, so their ids are its own.
 *
 * The delivery stream is the L1 CfnDeliveryStream, not the L2 DeliveryStream: the L2's S3 destination
 * always grants its role `bucket.grantReadWrite` (s3:DeleteObject* and wildcard actions) and its schema
 * configuration grants glue:GetSchemaVersion on `*`; this role may write history, never delete it.
 */
import { ArnFormat, Aws, Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { HISTORY_PARTITION } from '../../lambda/domain/history/columns';
import type { HistoryCatalog } from './history-catalog';

/** Where Firehose writes rows: one folder per UTC day, the Glue table's partitions. */
export const HISTORY_PREFIX = `history/${HISTORY_PARTITION}=!{timestamp:yyyy-MM-dd}/`;
/** Where Firehose writes what it could not: `processing-failed/`, `format-conversion-failed/`, ... */
export const HISTORY_ERROR_PREFIX = `history-errors/!{firehose:error-output-type}/${HISTORY_PARTITION}=!{timestamp:yyyy-MM-dd}/`;
/** Record format conversion needs a buffer of at least 64 MiB; the most Firehose takes keeps files few and large. */
export const HISTORY_BUFFER_MIB = 128;

/** What the delivery stream is made from. */
export interface HistoryDeliveryProps {
  readonly bucket: s3.Bucket;
  readonly catalog: HistoryCatalog;
  /** The data-transformation processor (detail -> row). */
  readonly processor: lambda.IFunction;
  readonly bufferSeconds: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The delivery stream, its log group and stream, and its role and policy, in `scope`. */
export function createHistoryDeliveryStream(
  scope: Construct,
  props: HistoryDeliveryProps,
): firehose.CfnDeliveryStream {
  const { bucket, catalog, processor } = props;
  const logGroup = new logs.LogGroup(scope, 'DeliveryLogs', {
    retention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  const logStream = new logs.LogStream(scope, 'DeliveryLogStream', {
    logGroup,
    removalPolicy: props.removalPolicy,
  });

  // Firehose's documented permissions for an S3 destination with a Lambda processor and record format
  // conversion, and no more: it writes objects, never deletes them.
  const role = new iam.Role(scope, 'DeliveryRole', {
    assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
      conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } },
    }),
    description: 'Firehose delivery of the status history (processor, Glue schema, S3 writes)',
  });
  const policy = new iam.Policy(scope, 'DeliveryPolicy', {
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
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
        resources: [processor.functionArn],
      }),
      new iam.PolicyStatement({
        actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        resources: [catalog.arns.catalog, catalog.arns.database, catalog.arns.table],
      }),
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [
          Stack.of(scope).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    ],
  });

  const stream = new firehose.CfnDeliveryStream(scope, 'DeliveryStream', {
    deliveryStreamType: 'DirectPut',
    deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
    extendedS3DestinationConfiguration: {
      bucketArn: bucket.bucketArn,
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
              { parameterName: 'LambdaArn', parameterValue: processor.functionArn },
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
          databaseName: catalog.databaseName,
          tableName: catalog.tableName,
          roleArn: role.roleArn,
          versionId: 'LATEST',
        },
      },
    },
  });
  Validations.of(policy).acknowledge({
    // cdk-nag names the finding by the bucket's logical id.
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
    reason:
      'Firehose writes objects under keys it makes (a dated prefix and a random name), so it needs ' +
      'PutObject (and the multipart and read-back actions Firehose documents) on objects of this one ' +
      'bucket; no delete is granted.',
  });
  // Firehose checks its role's permissions when the stream is created.
  stream.node.addDependency(policy, catalog.table);
  return stream;
}

/** The rule that feeds the delivery stream, and where its undeliverable events go. */
export interface HistoryRule {
  readonly rule: events.Rule;
  /** Events EventBridge could not put on the delivery stream after 24 hours of retries (alarmed). */
  readonly deadLetterQueue: sqs.Queue;
}

/** The dead-letter queue, then the rule (and its target's role), in `scope`. */
export function createHistoryRule(
  scope: Construct,
  props: {
    readonly eventBus: events.IEventBus;
    readonly eventPattern: events.EventPattern;
    readonly deliveryStream: firehose.CfnDeliveryStream;
  },
): HistoryRule {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      "This queue is the history rule's dead-letter queue: it holds the events EventBridge could not put " +
      'on the delivery stream after its retries, for an operator to inspect and replay (alarmed). It is ' +
      'the end of the failure path; nothing consumes it automatically.',
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      "This queue is the history rule's dead-letter queue, the end of the failure path (alarmed): nothing " +
      'receives from it, so there is no receive count after which a dead-letter queue of its own would apply.',
  });
  const rule = new events.Rule(scope, 'Rule', {
    eventBus: props.eventBus,
    description: 'Every status change of this tracker into its history (Firehose)',
    eventPattern: props.eventPattern,
    targets: [deliveryStreamTarget(scope, props.deliveryStream, deadLetterQueue)],
  });
  // Only this rule may dead-letter into the queue.
  deadLetterQueue.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [deadLetterQueue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
    }),
  );
  return { rule, deadLetterQueue };
}

/**
 * The rule's target: the delivery stream, given the event's `detail` only, through a role that may put
 * records on this stream and nothing else. EventBridge retries a put that fails (throttled by the
 * stream's quotas, say) for 24 hours, then sends the event to the dead-letter queue. (aws-events-targets'
 * FirehoseDeliveryStream takes only the L2 stream, whose import adds an unused Firehose CIDR mapping to
 * the template.)
 */
function deliveryStreamTarget(
  scope: Construct,
  deliveryStream: firehose.CfnDeliveryStream,
  deadLetterQueue: sqs.IQueue,
): events.IRuleTarget {
  const role = new iam.Role(scope, 'RuleRole', {
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
    description: 'EventBridge puts status-change details on the history delivery stream',
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      resources: [deliveryStream.attrArn],
    }),
  );
  const arn = deliveryStream.attrArn;
  const deadLetterArn = deadLetterQueue.queueArn;
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
