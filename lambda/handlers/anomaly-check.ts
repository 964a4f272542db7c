/**
 * Anomaly-check Lambda, run on an EventBridge schedule (every bucket, 15 minutes) when history is on:
 * judges the latest settled bucket from the `anomaly-cells` query on Athena, in the history workgroup,
 * puts a `Delivery Anomaly` event on the bus for each anomaly whose episode opens there, and emits the
 * overall delivery rate and its baseline (metrics OverallDeliveryRate, OverallDeliveryRateBaseline:
 * the DeliveryRate alarm compares them). Wiring only; the work is in use-cases/check-anomalies.ts.
 *
 * Environment: HISTORY_WORKGROUP, HISTORY_DATABASE, HISTORY_TABLE, EVENT_BUS_NAME (all required).
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { sdkAthenaQueries } from '../adapters/secondary/athena-client';
import { runAthenaQuery } from '../adapters/secondary/athena-query';
import { requiredEnv } from '../adapters/secondary/dynamodb';
import { createEventBridgeClient, eventBridgeAnomalyPublisher } from '../adapters/secondary/event-bus';
import { createLogger } from '../adapters/secondary/logger';
import { METRIC_SERVICES, METRICS_NAMESPACE, MetricName } from '../domain/metric-names';
import { checkDeliveryAnomalies } from '../use-cases/check-anomalies';

const logger = createLogger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.anomalies });
const history = {
  workGroup: requiredEnv('HISTORY_WORKGROUP'),
  database: requiredEnv('HISTORY_DATABASE'),
  table: requiredEnv('HISTORY_TABLE'),
};
const athena = sdkAthenaQueries(new AthenaClient({ maxAttempts: 3 }));
const publisher = eventBridgeAnomalyPublisher({
  client: createEventBridgeClient(),
  busName: requiredEnv('EVENT_BUS_NAME'),
});

export const handler = async (): Promise<void> => {
  try {
    const result = await checkDeliveryAnomalies({
      // Well inside the function's timeout (5 minutes): a stuck query fails the run, which is retried.
      query: (sql) => runAthenaQuery(athena, history, 'anomaly-cells', sql, { timeoutMs: 240_000 }),
      source: `"${history.database}"."${history.table}"`,
      publisher,
    });
    metrics.addMetric(MetricName.DeliveryAnomalies, MetricUnit.Count, result.anomalies.length);
    const { rate, baseline } = result.overall;
    if (rate !== undefined && baseline !== undefined) {
      metrics.addMetric(MetricName.OverallDeliveryRate, MetricUnit.NoUnit, rate);
      metrics.addMetric(MetricName.OverallDeliveryRateBaseline, MetricUnit.NoUnit, baseline);
    }
    logger.info('anomaly check', {
      bucket: result.bucket,
      anomalies: result.anomalies.map((a) => a.anomalyId),
      overall: result.overall,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
};
