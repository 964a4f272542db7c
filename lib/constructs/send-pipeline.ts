/**
 * Sending: the sender function, invoked directly or fed by the send queue, and its idempotency table.
 *
 *   your app --invoke, or SQS send queue (DLQ)--> sender λ --Twilio--> table (+ idempotency table)
 *
 * A record that fails with a retryable error is reported in `batchItemFailures` and comes back after the
 * visibility timeout; after SEND_MAX_RECEIVE_COUNT receives it goes to the dead-letter queue (alarmed).
 * The queue is also the sender's outbox: the record of a message sent while the store failed waits on it.
 * Both queues are encrypted (SSE-SQS, so no KMS grant is needed) and refuse anything but TLS.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE } from '../../lambda/domain/contract';
import type { FunctionDefaults, TwilioSecretRef } from './function-defaults';
import { trackerTable, type MessagesTable } from './messages-table';
import { TrackerFunction } from './tracker-function';
import { ENV, environmentOf, setting } from '../../lambda/domain/environment';

/** The sender's timeout: a send is one Twilio create (up to 4 attempts with backoff) and one write. */
export const SENDER_TIMEOUT = Duration.seconds(30);

/**
 * Deliveries of one send request before it is dead-lettered. A retryable failure (Twilio 429/5xx, the
 * store unreachable) is retried inside the invocation first, so five receives span several minutes.
 */
export const SEND_MAX_RECEIVE_COUNT = 5;

export interface SendPipelineProps extends FunctionDefaults {
  readonly messages: MessagesTable;
  readonly twilioSecret: TwilioSecretRef;
  /** The per-message StatusCallback (with Twilio's retry fragment). */
  readonly statusCallbackUrl: string;
  readonly useServiceCallback: boolean;
  readonly defaultFrom?: string;
  readonly messagingServiceSid?: string;
  readonly maxConcurrency: number;
}

export class SendPipeline extends Construct {
  readonly sender: TrackerFunction;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /**
   * Powertools idempotency records (key `id`, TTL `expiration`: Powertools' defaults). Kept like the
   * messages table: a restored messages table without the matching keys could send twice.
   */
  readonly idempotencyTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SendPipelineProps) {
    super(scope, id);
    this.idempotencyTable = trackerTable(this, 'Idempotency', IDEMPOTENCY_TABLE, props.removalPolicy);

    const environment = environmentOf(
      setting(ENV.statusCallbackUrl, props.statusCallbackUrl),
      props.useServiceCallback && setting(ENV.useServiceCallback, true),
      props.defaultFrom && setting(ENV.defaultFrom, props.defaultFrom),
      props.messagingServiceSid && setting(ENV.defaultMessagingServiceSid, props.messagingServiceSid),
    );

    this.sender = props.messages
      .grantRecordWrites(
        new TrackerFunction(this, 'Sender', {
          logRetention: props.logRetention,
          removalPolicy: props.removalPolicy,
          tracing: props.tracing,
          bundle: 'sender',
          description:
            'Sends messages through Twilio and records each one (direct invocation or the send queue)',
          timeout: SENDER_TIMEOUT,
          environment,
        }),
      )
      // The reachability check before Twilio is called: a read of one key no message has.
      .grantTable(props.messages.table, ['dynamodb:GetItem'])
      .grantTable(
        this.idempotencyTable,
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        { environmentKey: ENV.idempotencyTableName.name },
      )
      .grantSecretRead(props.twilioSecret.secret, props.twilioSecret.secretId)
      .noDeadLetterQueue(
        'It is invoked synchronously: directly (RequestResponse, the caller gets the SID or the error ' +
          "back) or by the send queue's event source mapping, whose failed requests return to the queue " +
          'and, after SEND_MAX_RECEIVE_COUNT receives, go to its dead-letter queue (alarmed). The send ' +
          'queue is the asynchronous way in, so a dead-letter config here would never be used.',
      );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        "This queue is the send queue's dead-letter queue: the end of the failure path, where requests " +
        'wait (alarmed) for an operator to redrive them to the send queue once the cause is fixed. Nothing ' +
        'consumes it, so there is no receive count after which a dead-letter queue of its own would apply.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's rule for a Lambda event source: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(SENDER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: SEND_MAX_RECEIVE_COUNT },
    });
    // The sender's outbox: a record the store refused after Twilio accepted the message goes back on
    // the queue, and is written when it comes round (redelivered while the store is still down).
    this.sender.addEnvironment(ENV.sendQueueUrl, this.queue.queueUrl);
    // SendMessage only: grantSendMessages would add GetQueueUrl and GetQueueAttributes, which it never calls.
    this.sender.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    this.sender.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // Twilio limits concurrent API requests per account; a burst on the queue should wait, not 429.
        maxConcurrency: props.maxConcurrency,
      }),
    );
    const mapping = this.sender.function.node.children.find(
      (child): child is lambda.EventSourceMapping => child instanceof lambda.EventSourceMapping,
    );
    if (!mapping) throw new Error('the send queue added no event source mapping');
    Validations.of(mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'Lambda supports on-failure destinations for stream and Kafka event sources only, not SQS: a ' +
        "failed send request returns to the send queue, and after SEND_MAX_RECEIVE_COUNT receives the queue's " +
        'redrive policy moves it to the dead-letter queue (alarmed).',
    });
  }

  /** Lets the grantee send: put requests on the send queue, or invoke the sender for a synchronous answer. */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee).combine(this.sender.function.grantInvoke(grantee));
  }
}
