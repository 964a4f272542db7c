/**
 * What an operator watches: one encrypted SNS topic every alarm notifies, the alarms that mean "messages
 * are going unrecorded or undelivered", and a dashboard of the whole pipeline.
 *
 * Custom metrics are read by the names the Lambdas emit (lambda/domain/metric-names.ts). Powertools
 * Metrics adds a `service` dimension to every one of them, so each metric here names its service too:
 * a CloudWatch metric is identified by its full dimension set, and one dimension short finds nothing.
 */
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ERROR_STATUSES, KNOWN_STATUSES, isFinal } from '../../lambda/domain/lifecycle';
import { METRIC_SERVICES, MetricName } from '../../lambda/domain/metric-names';
import { DEFAULT_ANOMALY_SETTINGS } from '../../lambda/domain/history/anomaly';

/** The anomaly check's bucket, and so the period of the delivery-rate alarm. */
const ANOMALY_MINUTES = DEFAULT_ANOMALY_SETTINGS.bucketMs / 60_000;
import { createDashboard } from './dashboard';
import { anyWaitingIn, metric, trackerAlarm } from './tracker-metrics';
import type { StatusEvents } from './status-events';
import type { TrackerFunction } from './tracker-function';

export { METRIC_SERVICES };

/** What the alarms and the dashboard watch, and the alarm settings from context. */
/** Messages that must reach a final status in the alarm's period before the failure rate counts. */
export const FAILURE_RATE_MIN_MESSAGES = 20;

export interface OperationsProps {
  readonly api: apigw.HttpApi;
  /** Every function of the app, by the name the dashboard shows. */
  readonly functions: Readonly<Record<string, TrackerFunction>>;
  readonly reconciler: TrackerFunction;
  /** Reconciler runs that failed or never ran. */
  readonly reconcilerDeadLetterQueue: sqs.Queue;
  readonly tables: Readonly<Record<string, dynamodb.Table>>;
  /** The messages table's pending index: its write throttles hold back writes to the table itself. */
  readonly pendingIndex: { table: dynamodb.Table; indexName: string };
  readonly sendQueue: sqs.Queue;
  readonly sendDeadLetterQueue: sqs.Queue;
  /** The status-change event pipeline, when events are on: its failures and lag are alarmed. */
  readonly events?: StatusEvents;
  /** The topic alarms notify; unset: an encrypted topic is created here. */
  readonly alarmTopic?: sns.ITopic;
  /** Subscribed to the topic created here. */
  readonly alarmEmail?: string;
  /** Starts every alarm and dashboard name: unique per tracker, so two trackers in one stack never collide. */
  readonly namePrefix: string;
  readonly signatureRejectionThreshold: number;
  readonly failureRateThreshold: number;
  /**
   * With history on, the anomaly check (lib/constructs/history-anomalies.ts) emits the overall delivery
   * rate and its baseline: alarmed as DeliveryRate, charted on the dashboard.
   */
  readonly deliveryRateAlarm?: boolean;
}

export class TrackerOperations extends Construct {
  readonly topic: sns.ITopic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: {
    readonly signatureRejections: cloudwatch.Alarm;
    readonly failureRate: cloudwatch.Alarm;
    readonly api5xx: cloudwatch.Alarm;
    readonly callbacksUnavailable: cloudwatch.Alarm;
    readonly deadLetters: cloudwatch.Alarm;
    readonly reconcilerErrors: cloudwatch.Alarm;
    /** Scheduled runs that failed or never ran wait in the reconciler's dead-letter queue. */
    readonly reconcilerDeadLetters: cloudwatch.Alarm;
    /** With events on: stream records that could not be published went to the failure queue. */
    readonly eventFailures?: cloudwatch.Alarm;
    /** With events on: events fall behind the writes. */
    readonly eventLag?: cloudwatch.Alarm;
    /** With history on: the overall delivery rate fell well below its own baseline. */
    readonly deliveryRate?: cloudwatch.Alarm;
  };

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.topic = props.alarmTopic ?? this.createTopic(props.alarmEmail);
    const notify = new cloudwatchActions.SnsAction(this.topic);

    const failureRate = this.failureRate(Duration.minutes(15));
    const alarm = (
      alarmId: string,
      options: cloudwatch.AlarmProps & { notifyOk: boolean },
    ): cloudwatch.Alarm =>
      trackerAlarm(this, alarmId, { alarmName: `${props.namePrefix}-${alarmId}`, ...options }, notify);

    this.alarms = {
      signatureRejections: alarm('SignatureRejections', {
        alarmDescription:
          `More than ${props.signatureRejectionThreshold} status callbacks in 5 minutes failed X-Twilio-Signature ` +
          'validation: forged traffic, an auth token rotated in Twilio but not in the secret, or an ' +
          'AccountSid no secret has a token for (metric UnknownAccounts; see the status-callback logs).',
        metric: metric(MetricName.SignatureRejections, METRIC_SERVICES.callback, {
          period: Duration.minutes(5),
        }),
        threshold: props.signatureRejectionThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        notifyOk: true,
      }),
      failureRate: alarm('FailureRate', {
        alarmDescription:
          `More than ${props.failureRateThreshold * 100}% of messages that reached a final status in 15 ` +
          'minutes were failed or undelivered. The dashboard breaks failures down by Twilio error code.',
        metric: failureRate,
        threshold: props.failureRateThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        notifyOk: true,
      }),
      // The API-level 5xx (dimension ApiId), not a per-route metric: AWS documents the route-level
      // dimensions of HTTP APIs inconsistently (ApiId/Stage/Route in one place, ApiId/Stage/Resource/
      // Method in another), and an alarm on a dimension set that is never published stays silent forever.
      // Both routes share the store and the secret, so a 5xx on either needs a look, and
      // CallbacksUnavailable below singles out the callback route.
      api5xx: alarm('Api5xx', {
        alarmDescription:
          'The HTTP API answered 5xx in 2 of the last 3 minutes: Twilio retries callbacks (up to 5 times with ' +
          'the #rc= URL) but a long outage loses them. Check the status-callback Lambda errors and throttles.',
        metric: props.api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        notifyOk: true,
      }),
      callbacksUnavailable: alarm('CallbacksUnavailable', {
        alarmDescription:
          'The status-callback Lambda answered 503 (DynamoDB or the Twilio secret unreachable, the secret ' +
          'has no authToken yet, or lookups of unseen accounts rate limited: metric AccountLookupsThrottled) ' +
          'in 2 of the last 3 minutes.',
        metric: metric(MetricName.CallbacksUnavailable, METRIC_SERVICES.callback, {
          period: Duration.minutes(1),
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        notifyOk: true,
      }),
      deadLetters: alarm('SendDeadLetters', {
        alarmDescription:
          `Send requests were dead-lettered after repeated retryable failures; they wait in ` +
          `${props.sendDeadLetterQueue.queueName} (redrive them to the send queue once the cause is fixed).`,
        ...anyWaitingIn(props.sendDeadLetterQueue),
        notifyOk: true,
      }),
      // One notification per failed run: the next scheduled run is the retry, so an OK message would
      // only say that nothing ran in the following five minutes.
      reconcilerErrors: alarm('ReconcilerErrors', {
        alarmDescription:
          'A reconciler run failed (it could poll none of the pending messages, or crashed): messages whose ' +
          'callback was lost stay unknown until a run succeeds. See the reconciler logs.',
        metric: props.reconciler.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        notifyOk: false,
      }),
      // Also the runs that never started, which no Errors metric counts: EventBridge could not invoke the
      // function, or the run waited in Lambda's queue (throttled) for longer than an hour.
      reconcilerDeadLetters: alarm('ReconcilerDeadLetters', {
        alarmDescription:
          'Scheduled reconciler runs failed or never ran (EventBridge could not invoke the function, or the ' +
          `run waited over an hour to start): their records, with the error, are in ` +
          `${props.reconcilerDeadLetterQueue.queueName}. Messages whose callback was lost stay unknown until ` +
          'a run succeeds; the next one picks up where the last stopped. Purge the queue once the cause is fixed.',
        ...anyWaitingIn(props.reconcilerDeadLetterQueue),
        notifyOk: true,
      }),
      ...(props.events ? this.eventAlarms(props.events, alarm) : {}),
      ...(props.deliveryRateAlarm
        ? {
            deliveryRate: alarm('DeliveryRate', {
              alarmDescription:
                `The overall delivery rate of a ${ANOMALY_MINUTES}-minute bucket fell ${DEFAULT_ANOMALY_SETTINGS.minChange * 100} ` +
                'points or more below its baseline (the previous 6 hours), as the anomaly check measured it from ' +
                'the history. The Delivery Anomaly events on the bus name the country, sender, channel or ' +
                'error code behind it.',
              metric: this.deliveryRateDrop(),
              threshold: DEFAULT_ANOMALY_SETTINGS.minChange,
              comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
              evaluationPeriods: 1,
              notifyOk: true,
            }),
          }
        : {}),
    };

    this.dashboard = createDashboard(this, props, this.alarms, failureRate);
    if (props.deliveryRateAlarm)
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Overall delivery rate (anomaly check)',
          width: 24,
          height: 6,
          left: [
            this.deliveryRateMetric(MetricName.OverallDeliveryRate, 'Delivery rate of the bucket'),
            this.deliveryRateMetric(MetricName.OverallDeliveryRateBaseline, 'Baseline (previous 6 hours)'),
          ],
          right: [
            metric(MetricName.DeliveryAnomalies, METRIC_SERVICES.anomalies, {
              period: Duration.minutes(ANOMALY_MINUTES),
              label: 'Delivery Anomaly events',
            }),
          ],
          leftYAxis: { min: 0, max: 1 },
        }),
      );
  }

  private deliveryRateMetric(name: MetricName, label: string): cloudwatch.Metric {
    return metric(name, METRIC_SERVICES.anomalies, {
      period: Duration.minutes(ANOMALY_MINUTES),
      statistic: 'Average',
      label,
    });
  }

  /** Baseline minus rate, one run (one bucket) per period; no data below the minimum samples. */
  private deliveryRateDrop(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'baseline - rate',
      usingMetrics: {
        rate: this.deliveryRateMetric(MetricName.OverallDeliveryRate, 'rate'),
        baseline: this.deliveryRateMetric(MetricName.OverallDeliveryRateBaseline, 'baseline'),
      },
      period: Duration.minutes(ANOMALY_MINUTES),
      label: 'Baseline minus delivery rate',
    });
  }

  private eventAlarms(
    events: StatusEvents,
    alarm: (id: string, options: cloudwatch.AlarmProps & { notifyOk: boolean }) => cloudwatch.Alarm,
  ) {
    return {
      eventFailures: alarm('EventFailures', {
        alarmDescription:
          'Status changes could not be published as events after every retry: their stream positions are ' +
          `in ${events.failureQueue.queueName}. Consumers of the event bus missed these changes; the table ` +
          'still holds the truth (query the messages, then replay or reconcile downstream).',
        ...anyWaitingIn(events.failureQueue),
        notifyOk: true,
      }),
      // IteratorAge: how old the newest record of the last batch was when it was read. Minutes means the
      // consumer is failing and retrying, or cannot keep up; records older than the stream's 24 hours are lost.
      eventLag: alarm('EventLag', {
        alarmDescription:
          'Status-change events are more than 5 minutes behind the writes (stream iterator age) for 15 ' +
          'minutes: the stream consumer is retrying a failure or throttled. See its logs and errors.',
        metric: events.consumer.function.metric('IteratorAge', {
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 5 * 60 * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        notifyOk: true,
      }),
    };
  }

  /**
   * A customer managed key, not the AWS managed `alias/aws/sns`: CloudWatch alarms cannot publish to a
   * topic under that key, because its policy (which no one can edit) does not let CloudWatch use it.
   */
  private createTopic(email: string | undefined): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the status tracker alarm topic',
      enableKeyRotation: true,
      // Only messages in flight are encrypted with it: nothing is lost when it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToTheEncryptedTopic',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Twilio status tracker alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so CloudWatch must be allowed explicitly; only this
    // account's alarms may publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarms',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    if (email) {
      const subscription = topic.addSubscription(new subscriptions.EmailSubscription(email));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'The alarmEmail subscription is a convenience for one address: an alarm notification SNS could ' +
          'not deliver to it would wait in a dead-letter queue that only another alarm on this same topic ' +
          'and address could report. A dependable page subscribes its own endpoint to the topic (output ' +
          'AlarmTopicArn); SNS counts failed deliveries in its NumberOfNotificationsFailed metric.',
      });
    }
    return topic;
  }

  /**
   * Failed + undelivered over every message that reached a final status (MessagesFinal counts a message
   * once, when it first becomes final). Each status is FILLed with 0 so a status with no traffic does not
   * blank the ratio. Under FAILURE_RATE_MIN_MESSAGES finals in the period the rate reads 0.
   */
  private failureRate(period: Duration): cloudwatch.MathExpression {
    const finals = KNOWN_STATUSES.filter(isFinal);
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const status of finals) {
      usingMetrics[`final_${status}`] = metric(MetricName.MessagesFinal, METRIC_SERVICES.callback, {
        period,
        dimensions: { status },
      });
    }
    const sum = (statuses: readonly string[]) => statuses.map((s) => `FILL(final_${s}, 0)`).join(' + ');
    // Below a minimum volume one failure would read as a 100% rate: report 0 until there is enough traffic.
    const total = `(${sum(finals)})`;
    return new cloudwatch.MathExpression({
      expression: `IF(${total} >= ${FAILURE_RATE_MIN_MESSAGES}, (${sum(ERROR_STATUSES)}) / ${total}, 0)`,
      usingMetrics,
      period,
      label: 'Failed or undelivered / all final',
    });
  }
}

/** Alarm settings for a queue that should stay empty (a dead-letter or failure queue): anything in it. */
