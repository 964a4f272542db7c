/**
 * What the callback endpoint reports to CloudWatch (EMF through Powertools Metrics). Dimensions stay
 * low-cardinality: statuses outside the lifecycle are reported as `other`.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { ERROR_STATUSES, isFinal, isKnownStatus } from '../../domain/lifecycle';
import { statusTimeAttribute } from '../../domain/message';
import { MetricName } from '../../domain/metric-names';
import type { CallbackResult } from './status-callback-endpoint';

export function recordCallbackMetrics(metrics: Metrics, result: CallbackResult): void {
  switch (result.kind) {
    case 'rejected':
      if (result.accountMismatch) {
        metrics.addMetric(MetricName.AccountMismatch, MetricUnit.Count, 1);
        return;
      }
      metrics.addMetric(
        result.statusCode === 403 ? MetricName.SignatureRejections : MetricName.CallbackRejections,
        MetricUnit.Count,
        1,
      );
      if (result.unknownAccount) metrics.addMetric(MetricName.UnknownAccounts, MetricUnit.Count, 1);
      return;
    case 'unavailable':
      metrics.addMetric(MetricName.CallbacksUnavailable, MetricUnit.Count, 1);
      if (result.reason === 'AccountLookupThrottledError')
        metrics.addMetric(MetricName.AccountLookupsThrottled, MetricUnit.Count, 1);
      return;
    case 'inbound':
      return;
    case 'applied': {
      const { observation, result: applied } = result;
      const status = isKnownStatus(observation.status) ? observation.status : 'other';
      withDimension(metrics, 'status', status).addMetric(MetricName.Callbacks, MetricUnit.Count, 1);
      if (applied.outcome === 'stale') metrics.addMetric(MetricName.StaleCallbacks, MetricUnit.Count, 1);
      if (applied.outcome === 'duplicate')
        metrics.addMetric(MetricName.DuplicateCallbacks, MetricUnit.Count, 1);
      if (applied.outcome !== 'advanced') return;

      // A message counts as reaching a final status once: when it first becomes final.
      if (isFinal(observation.status) && applied.previous?.final !== true) {
        withDimension(metrics, 'status', status).addMetric(MetricName.MessagesFinal, MetricUnit.Count, 1);
      }
      if (ERROR_STATUSES.includes(observation.status) && observation.errorCode !== undefined) {
        withDimension(metrics, 'errorCode', String(observation.errorCode)).addMetric(
          MetricName.DeliveryErrors,
          MetricUnit.Count,
          1,
        );
      }
      const sentAt = applied.previous?.[statusTimeAttribute('sent')];
      if (observation.status === 'delivered' && typeof sentAt === 'string') {
        const latency = Date.parse(observation.observedAt) - Date.parse(sentAt);
        if (latency >= 0)
          metrics.addMetric(MetricName.SentToDeliveredLatency, MetricUnit.Milliseconds, latency);
      }
      return;
    }
  }
}

function withDimension(metrics: Metrics, name: string, value: string): Metrics {
  const single = metrics.singleMetric();
  single.addDimension(name, value);
  return single;
}
