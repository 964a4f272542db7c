import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { MetricName } from '../../domain/metric-names';
import type { SendOutcome } from '../../use-cases/send-results';

/**
 * The sender's CloudWatch metrics (names shared with the dashboard): `MessagesSent` per message Twilio
 * created, `SendFailures` per request that failed for good (invalid, rejected by Twilio, key conflict).
 * Retryable failures are not counted here: the send queue's depth and dead letters show them.
 * `RecordsDeferred` per record the store refused after Twilio accepted the message (kept in the
 * outbox), `DeferredRecordsWritten` per such record written later.
 */
export function recordSendMetrics(metrics: Pick<Metrics, 'addMetric'>, outcome: SendOutcome): void {
  const count = (name: string) => metrics.addMetric(name, MetricUnit.Count, 1);
  if (outcome.kind === 'sent') count(MetricName.MessagesSent);
  else if (outcome.kind === 'deferred') count(MetricName.RecordsDeferred);
  else if (outcome.kind === 'deferred-written') count(MetricName.DeferredRecordsWritten);
  else if (!outcome.error.retryable) count(MetricName.SendFailures);
}
