/**
 * The reconciler: polls Twilio for messages whose final callback never came.
 *
 *   EventBridge schedule --> reconciler λ --pending index, Twilio fetch--> table
 *        |  not delivered within an hour          | failed, or waited an hour in Lambda's queue
 *        +-------------> dead-letter queue <------+   (alarmed)
 *
 * The rule invokes through the function's resource policy, limited to this rule, so there is no role to
 * hold. Reserved concurrency 1 keeps runs from overlapping; a run that fails is not retried, because the
 * next scheduled run picks up where it stopped (the pending index is the work list). A run that failed,
 * or never ran, still leaves a record in the dead-letter queue, so a stopped reconciler is never silent.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECONCILER_TIMEOUT_MINUTES } from '../tracker-props';
import type { FunctionDefaults, TwilioSecretRef } from './function-defaults';
import type { MessagesTable } from './messages-table';
import { TrackerFunction } from './tracker-function';
import { ENV, environmentOf, setting } from '../../lambda/domain/environment';

/**
 * How long a scheduled run may wait to start, in EventBridge's retries and in Lambda's queue of
 * asynchronous invocations, before it is dead-lettered instead: later than that, the next run is near.
 */
export const RECONCILER_MAX_EVENT_AGE = Duration.hours(1);

export interface ReconcilerProps extends FunctionDefaults {
  readonly messages: MessagesTable;
  readonly twilioSecret: TwilioSecretRef;
  /** An EventBridge schedule expression, checked by the tracker's settings. */
  readonly schedule: string;
  readonly minAgeHours: number;
  readonly horizonHours: number;
  readonly concurrency: number;
}

export class Reconciler extends Construct {
  readonly reconciler: TrackerFunction;
  readonly schedule: events.Rule;
  /**
   * Runs that failed or never ran: Lambda's records of failed invocations (with the error) and the
   * scheduled events EventBridge could not deliver (alarmed).
   */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const fn = new TrackerFunction(this, 'Function', {
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      tracing: props.tracing,
      bundle: 'reconciler',
      description: 'Polls Twilio for messages whose final status callback never came',
      timeout: Duration.minutes(RECONCILER_TIMEOUT_MINUTES),
      reservedConcurrentExecutions: 1,
      environment: environmentOf(
        setting(ENV.reconcileMinAgeHours, props.minAgeHours),
        setting(ENV.reconcileHorizonHours, props.horizonHours),
        setting(ENV.reconcileConcurrency, props.concurrency),
      ),
    }).grantTable(props.messages.table, ['dynamodb:Query'], { index: props.messages.pendingIndexName });
    this.reconciler = props.messages
      .grantRecordWrites(fn)
      // GetItem reads a pending message's accountSid: Twilio finds a subaccount's message under its path.
      .grantTable(props.messages.table, ['dynamodb:GetItem'])
      .grantSecretRead(props.twilioSecret.secret, props.twilioSecret.secretId)
      .noDeadLetterQueue(
        "Its failed asynchronous invocations go to the on-failure destination (the reconciler's " +
          'dead-letter queue, alarmed), which records the error as well as the event; Lambda offers it ' +
          'instead of a dead-letter config, and both would file every failed run twice.',
      );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the reconciler's dead-letter queue (its on-failure destination and its schedule " +
          "target's dead-letter queue): it holds the records of runs that failed or never ran, for an " +
          'operator to inspect (alarmed). It is the end of the failure path; nothing consumes it.',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          "This queue is the reconciler's dead-letter queue, the end of the failure path (alarmed): nothing " +
          'receives from it, so there is no receive count after which a dead-letter queue of its own would apply.',
      },
    );
    // Not retried: the next scheduled run is the retry (and runs must not overlap).
    this.reconciler.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: RECONCILER_MAX_EVENT_AGE,
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the reconciler: polls Twilio for messages that are not final',
      schedule: events.Schedule.expression(props.schedule),
      targets: [
        new eventsTargets.LambdaFunction(this.reconciler.function, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: RECONCILER_MAX_EVENT_AGE,
        }),
      ],
    });
  }
}
