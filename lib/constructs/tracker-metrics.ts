/**
 * The tracker's custom metrics as CloudWatch reads them: the names the Lambdas emit
 * (lambda/domain/metric-names.ts) and the `service` dimension Powertools Metrics adds to every one. A
 * CloudWatch metric is identified by its full dimension set: one dimension short finds nothing.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, type MetricName } from '../../lambda/domain/metric-names';

/** A custom metric: namespace, name and the `service` dimension Powertools adds (plus any other). */
export function metric(
  name: MetricName,
  service: string,
  options: {
    period?: Duration;
    statistic?: string;
    label?: string;
    dimensions?: Record<string, string>;
  } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service, ...options.dimensions },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
    label: options.label,
  });
}

/**
 * A SEARCH over one custom metric split by a dimension whose values are not known in advance (error
 * codes, statuses Twilio may add); each line is labelled with its dimension value.
 */
export function search(name: MetricName, service: string, dimension: string, period: Duration) {
  return new cloudwatch.MathExpression({
    expression:
      `SEARCH('{${METRICS_NAMESPACE},${dimension},service} MetricName="${name}" ` +
      `service="${service}"', 'Sum', ${period.toSeconds()})`,
    usingMetrics: {},
    period,
    label: `\${PROP('Dim.${dimension}')}`,
  });
}

/**
 * An alarm of the tracker: missing data is not breaching (a quiet stack is a healthy one), and `action`
 * is told when it fires, and when it clears too with `notifyOk`.
 */
export function trackerAlarm(
  scope: Construct,
  id: string,
  props: cloudwatch.AlarmProps & { notifyOk: boolean },
  action: cloudwatch.IAlarmAction,
): cloudwatch.Alarm {
  const { notifyOk, ...alarmProps } = props;
  const created = new cloudwatch.Alarm(scope, id, {
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    ...alarmProps,
  });
  created.addAlarmAction(action);
  if (notifyOk) created.addOkAction(action);
  return created;
}

/** Alarm settings that fire while any message waits in `queue` (a dead-letter or failure queue). */
export function anyWaitingIn(queue: sqs.IQueue) {
  return {
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
  };
}
