/**
 * The reconciler: polls Twilio for messages whose final callback never came.
 *
 *   EventBridge schedule --> reconciler λ --pending index, Twilio fetch--> table
 *
 * The rule invokes through the function's resource policy, limited to this rule, so there is no role to
 * hold. Reserved concurrency 1 keeps runs from overlapping; a run that fails is not retried, because the
 * next scheduled run picks up where it stopped (the pending index is the work list).
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { RECONCILER_TIMEOUT_MINUTES } from '../tracker-props';
import type { FunctionDefaults, TwilioSecretRef } from './function-defaults';
import type { MessagesTable } from './messages-table';
import { TrackerFunction } from './tracker-function';

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

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const fn = new TrackerFunction(this, 'Function', {
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      bundle: 'reconciler',
      description: 'Polls Twilio for messages whose final status callback never came',
      timeout: Duration.minutes(RECONCILER_TIMEOUT_MINUTES),
      reservedConcurrentExecutions: 1,
      environment: {
        RECONCILE_MIN_AGE_HOURS: String(props.minAgeHours),
        RECONCILE_HORIZON_HOURS: String(props.horizonHours),
        RECONCILE_CONCURRENCY: String(props.concurrency),
      },
    }).grantTable(props.messages.table, ['dynamodb:Query'], { index: props.messages.pendingIndexName });
    this.reconciler = props.messages
      .grantRecordWrites(fn)
      // GetItem reads a pending message's accountSid: Twilio finds a subaccount's message under its path.
      .grantTable(props.messages.table, ['dynamodb:GetItem'])
      .grantSecretRead(props.twilioSecret.secret, props.twilioSecret.secretId);
    this.reconciler.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the reconciler: polls Twilio for messages that are not final',
      schedule: events.Schedule.expression(props.schedule),
      targets: [new eventsTargets.LambdaFunction(this.reconciler.function)],
    });
  }
}
