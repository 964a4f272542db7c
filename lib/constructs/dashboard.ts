/**
 * One CloudWatch dashboard of the whole pipeline: alarms, the delivery funnel, callback rejections, the
 * API, every function, both tables and the pending index, sending and reconciling.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { METRIC_SERVICES, MetricName } from '../../lambda/domain/metric-names';
import type { OperationsProps } from './operations';
import type { StatusEvents } from './status-events';
import { metric, search } from './tracker-metrics';

export function createDashboard(
  scope: Construct,
  props: OperationsProps,
  alarms: Readonly<Record<string, cloudwatch.Alarm | undefined>>,
  failureRate: cloudwatch.MathExpression,
): cloudwatch.Dashboard {
  const five = Duration.minutes(5);
  const hour = Duration.hours(1);
  const callback = METRIC_SERVICES.callback;
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `${props.namePrefix}-${Aws.REGION}`,
    defaultInterval: Duration.days(1),
  });
  const graph = (title: string, options: Partial<cloudwatch.GraphWidgetProps>) =>
    new cloudwatch.GraphWidget({ title, width: 12, height: 6, ...options });

  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      width: 24,
      height: 3,
      alarms: Object.values(alarms).filter((a): a is cloudwatch.Alarm => a !== undefined),
    }),
  );

  // Delivery funnel: what Twilio reports, and what it ends as.
  dashboard.addWidgets(
    graph('Callbacks by status', {
      left: [search(MetricName.Callbacks, callback, 'status', five)],
      stacked: true,
    }),
    graph('Messages reaching a final status', {
      left: [search(MetricName.MessagesFinal, callback, 'status', five)],
      stacked: true,
    }),
  );
  dashboard.addWidgets(
    graph('Failure rate (15 min)', {
      left: [failureRate],
      leftYAxis: { min: 0, max: 1 },
      leftAnnotations: [{ value: props.failureRateThreshold, label: 'Alarm threshold' }],
    }),
    graph('Failures by Twilio error code', {
      left: [search(MetricName.DeliveryErrors, callback, 'errorCode', five)],
      stacked: true,
    }),
  );
  dashboard.addWidgets(
    graph('Sent to delivered latency (ms)', {
      left: ['p50', 'p90', 'p99'].map((statistic) =>
        metric(MetricName.SentToDeliveredLatency, callback, { statistic, label: statistic }),
      ),
    }),
    graph('Callback rejections and absorbed callbacks', {
      left: [
        MetricName.SignatureRejections,
        MetricName.AccountMismatch,
        MetricName.CallbackRejections,
        MetricName.CallbacksUnavailable,
        MetricName.UnknownAccounts,
        MetricName.AccountLookupsThrottled,
      ].map((name) => metric(name, callback, { label: name })),
      right: [MetricName.StaleCallbacks, MetricName.DuplicateCallbacks].map((name) =>
        metric(name, callback, { label: name }),
      ),
      leftAnnotations: [{ value: props.signatureRejectionThreshold, label: 'Signature rejection alarm' }],
    }),
  );

  // The HTTP API.
  const { api } = props;
  dashboard.addWidgets(
    graph('API requests and errors', {
      left: [
        api.metricCount({ period: five, statistic: 'Sum', label: 'Requests' }),
        api.metricClientError({ period: five, statistic: 'Sum', label: '4xx' }),
        api.metricServerError({ period: five, statistic: 'Sum', label: '5xx' }),
      ],
    }),
    graph('API latency (ms)', {
      left: ['p50', 'p99'].map((statistic) =>
        api.metricLatency({ period: five, statistic, label: `Latency ${statistic}` }),
      ),
      right: [api.metricIntegrationLatency({ period: five, statistic: 'p99', label: 'Integration p99' })],
    }),
  );

  // Lambda errors and throttles, every function.
  const functions = Object.entries(props.functions);
  dashboard.addWidgets(
    graph('Lambda errors', {
      left: functions.map(([name, fn]) => fn.function.metricErrors({ period: five, label: name })),
    }),
    graph('Lambda throttles', {
      left: functions.map(([name, fn]) => fn.function.metricThrottles({ period: five, label: name })),
    }),
  );

  // DynamoDB throttles, both tables and the pending index.
  const throttleEvents: cloudwatch.IMetric[] = [];
  for (const [name, table] of Object.entries(props.tables)) {
    for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      throttleEvents.push(
        table.metric(metricName, { period: five, statistic: 'Sum', label: `${name} ${metricName}` }),
      );
    }
  }
  const { table: indexed, indexName } = props.pendingIndex;
  for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
    throttleEvents.push(
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: indexed.tableName, GlobalSecondaryIndexName: indexName },
        period: five,
        statistic: 'Sum',
        label: `${indexName} index ${metricName}`,
      }),
    );
  }
  dashboard.addWidgets(
    graph('DynamoDB throttle events', { left: throttleEvents }),
    graph('DynamoDB throttled requests', {
      left: Object.entries(props.tables).map(([name, table]) => throttledRequests(name, table, five)),
    }),
  );

  // Sending and reconciling.
  dashboard.addWidgets(
    graph('Send queue', {
      left: [
        props.sendQueue.metricApproximateNumberOfMessagesVisible({
          period: five,
          statistic: 'Maximum',
          label: 'Waiting',
        }),
        props.sendDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: five,
          statistic: 'Maximum',
          label: 'Dead-lettered',
        }),
      ],
      right: [
        props.sendQueue.metricApproximateAgeOfOldestMessage({
          period: five,
          statistic: 'Maximum',
          label: 'Oldest waiting (s)',
        }),
      ],
    }),
    graph('Sender', {
      left: [
        MetricName.MessagesSent,
        MetricName.SendFailures,
        MetricName.RecordsDeferred,
        MetricName.DeferredRecordsWritten,
      ].map((name) => metric(name, METRIC_SERVICES.sender, { label: name })),
    }),
  );
  dashboard.addWidgets(
    graph('Reconciler (per hour)', {
      left: [MetricName.ReconcilerPolled, MetricName.ReconcilerResolved, MetricName.ReconcilerUnresolved].map(
        (name) => metric(name, METRIC_SERVICES.reconciler, { period: hour, label: name }),
      ),
    }),
    graph('Reconciler runs', {
      left: [
        props.reconciler.function.metricInvocations({ period: hour, statistic: 'Sum', label: 'Runs' }),
        props.reconciler.function.metricErrors({ period: hour, statistic: 'Sum', label: 'Failed runs' }),
        metric(MetricName.ReconcilerIncomplete, METRIC_SERVICES.reconciler, {
          period: hour,
          label: 'Runs out of time (backlog)',
        }),
        props.reconcilerDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: hour,
          statistic: 'Maximum',
          label: 'Dead-lettered runs',
        }),
      ],
      right: [
        props.reconciler.function.metricDuration({
          period: hour,
          statistic: 'Maximum',
          label: 'Longest run (ms)',
        }),
      ],
    }),
  );
  if (props.events) addEventWidgets(dashboard, props.events, graph);
  return dashboard;
}

/** Events published and how far they lag behind the writes. */
function addEventWidgets(
  dashboard: cloudwatch.Dashboard,
  events: StatusEvents,
  graph: (title: string, options: Partial<cloudwatch.GraphWidgetProps>) => cloudwatch.GraphWidget,
): void {
  const five = Duration.minutes(5);
  dashboard.addWidgets(
    graph('Status-change events', {
      left: [metric(MetricName.EventsPublished, METRIC_SERVICES.events, { label: 'Published' })],
      right: [
        events.failureQueue.metricApproximateNumberOfMessagesVisible({
          period: five,
          statistic: 'Maximum',
          label: 'Failed (positions in the failure queue)',
        }),
      ],
    }),
    graph('Event lag (ms)', {
      left: [
        metric(MetricName.EventLag, METRIC_SERVICES.events, {
          statistic: 'p99',
          label: 'write to event p99',
        }),
        events.consumer.function.metric('IteratorAge', {
          period: five,
          statistic: 'Maximum',
          label: 'Iterator age',
        }),
      ],
    }),
  );
}

/**
 * ThrottledRequests summed over every operation the app's functions are granted on either table. (The
 * table's own metricThrottledRequestsForOperations names its metrics by operation alone, so two tables
 * cannot share a graph.)
 */
function throttledRequests(name: string, table: dynamodb.Table, period: Duration): cloudwatch.MathExpression {
  const operations = [
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.QUERY,
  ];
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  for (const operation of operations) {
    usingMetrics[`${name}_${operation.toLowerCase()}`] = table.metric('ThrottledRequests', {
      dimensionsMap: { TableName: table.tableName, Operation: operation },
      statistic: 'Sum',
      period,
    });
  }
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    period,
    label: `${name} throttled requests`,
  });
}
