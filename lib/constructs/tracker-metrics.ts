/**
 * The tracker's custom metrics as CloudWatch reads them: the names the Lambdas emit
 * (lambda/domain/metric-names.ts) and the `service` dimension Powertools Metrics adds to every one. A
 * CloudWatch metric is identified by its full dimension set: one dimension short finds nothing.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
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
