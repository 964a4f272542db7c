/**
 * Status-change events: the messages table's stream -> stream consumer λ -> an EventBridge bus, one
 * `Message Status Changed` event per write that moved a message's status.
 *
 * Failure handling: the consumer reports the first record it could not publish (partial batch response);
 * Lambda retries from there, bisects a batch that keeps failing, and after MAX_RETRY_ATTEMPTS or
 * MAX_RECORD_AGE sends the record's position to the on-failure queue (alarmed) and carries on. One batch
 * per shard at a time (parallelization factor 1), so events of one message leave in the order of its
 * writes. The event schema (docs/events.schema.json, JSON Schema draft-04) is registered in an
 * EventBridge schema registry, so consumers can generate code bindings from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as schemas from 'aws-cdk-lib/aws-eventschemas';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from '../../lambda/domain/status-event';
import type { FunctionDefaults } from './function-defaults';
import { PROJECT_ROOT, TrackerFunction } from './tracker-function';
import { ENV, environmentOf, setting } from '../../lambda/domain/environment';

/** Attempts after the first before a failing record goes to the on-failure queue. */
export const MAX_RETRY_ATTEMPTS = 10;
/** A record older than this goes to the on-failure queue instead of being retried again. */
export const MAX_RECORD_AGE = Duration.hours(6);

/** The JSON Schema of an event's `detail`, shipped with the package (docs/events.schema.json). */
export const EVENT_SCHEMA_FILE = path.join(PROJECT_ROOT, 'docs', 'events.schema.json');

export interface StatusEventsProps extends FunctionDefaults {
  /** The messages table; its stream must carry new and old images. */
  readonly table: dynamodb.ITable;
  /** A bus of the user's; unset: one is created. */
  readonly eventBus?: events.IEventBus;
  /** Scopes the schema registry's name (registry names are per account and region). */
  readonly namePrefix: string;
}

export class StatusEvents extends Construct {
  readonly eventBus: events.IEventBus;
  readonly consumer: TrackerFunction;
  /** Positions of stream records that could not be published after the retries (alarmed). */
  readonly failureQueue: sqs.Queue;
  readonly schema: schemas.CfnSchema;

  constructor(scope: Construct, id: string, props: StatusEventsProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) throw new Error('StatusEvents needs the messages table stream');
    this.eventBus =
      props.eventBus ?? new events.EventBus(this, 'Bus', { description: 'Message status changes' });

    this.consumer = new TrackerFunction(this, 'Consumer', {
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      tracing: props.tracing,
      bundle: 'stream-consumer',
      description: 'Turns status changes in the messages table stream into EventBridge events',
      timeout: Duration.seconds(60),
      environment: environmentOf(setting(ENV.eventBusName, this.eventBus.eventBusName)),
    });
    this.eventBus.grantPutEventsTo(this.consumer.role);

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the stream consumer's on-failure destination: it holds the positions of stream " +
        'records that could not be published, for an operator to inspect (alarmed). It is the end of the ' +
        'failure path, like a dead-letter queue; nothing consumes it automatically.',
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        "This queue is the stream consumer's on-failure destination, the end of the failure path (alarmed): " +
        'nothing receives from it, so there is no receive count after which a dead-letter queue of its own ' +
        'would apply.',
    });
    this.consumer.noDeadLetterQueue(
      "Only the table stream's event source mapping invokes it, synchronously; a batch that keeps failing " +
        'is retried, bisected and, after MAX_RETRY_ATTEMPTS or MAX_RECORD_AGE, its position goes to the ' +
        "mapping's on-failure destination (the failure queue, alarmed). A dead-letter queue serves " +
        'asynchronous invocations only.',
    );
    this.consumer.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: MAX_RETRY_ATTEMPTS,
        maxRecordAge: MAX_RECORD_AGE,
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );

    // Reading the stream needs dynamodb:ListStreams, which takes no resource but `*` (the event source
    // grants it); every other stream action is on this table's stream ARN only.
    Validations.of(this.consumer.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams supports no resource-level permission, and Lambda checks it before reading a ' +
        'DynamoDB stream; DescribeStream, GetRecords and GetShardIterator are granted on the one stream ARN.',
    });

    const registry = new schemas.CfnRegistry(this, 'SchemaRegistry', {
      registryName: `${props.namePrefix}-events`.slice(0, 64),
      description: 'Schemas of the twilio-status-tracker events',
    });
    this.schema = new schemas.CfnSchema(this, 'Schema', {
      registryName: registry.attrRegistryName,
      schemaName: `${EVENT_SOURCE}@${EVENT_DETAIL_TYPE.replace(/ /g, '')}`,
      type: 'JSONSchemaDraft4',
      content: fs.readFileSync(EVENT_SCHEMA_FILE, 'utf8'),
      description: 'The detail of a Message Status Changed event',
    });
  }

  /** The event pattern of this tracker's status changes, narrowed to `detail` fields when given. */
  eventPattern(detail?: Record<string, unknown>): events.EventPattern {
    return {
      source: [EVENT_SOURCE],
      detailType: [EVENT_DETAIL_TYPE],
      ...(detail ? { detail } : {}),
    };
  }
}
