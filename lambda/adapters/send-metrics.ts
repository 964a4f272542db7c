import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { MetricName } from '../domain/metric-names';
import type { SendOutcome } from '../use-cases/send-results';

/**
 * The sender's CloudWatch metrics (names shared with the dashboard): `MessagesSent` per message Twilio
 * created, `SendFailures` per request that failed for good (invalid, rejected by Twilio, key conflict).
 * Retryable failures are not counted here: the send queue's depth and dead letters show them.
 */
export function recordSendMetrics(metrics: Pick<Metrics, 'addMetric'>, outcome: SendOutcome): void {
  if (outcome.kind === 'sent') metrics.addMetric(MetricName.MessagesSent, MetricUnit.Count, 1);
  else if (!outcome.error.retryable) metrics.addMetric(MetricName.SendFailures, MetricUnit.Count, 1);
}
