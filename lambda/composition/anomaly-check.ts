/**
 * The anomaly-check function, run on an EventBridge schedule (every 15-minute bucket) when history is
 * on: the `anomaly-cells` query on Athena in the history workgroup, the check-anomalies use case, the
 * bus it puts `Delivery Anomaly` events on, and the overall delivery rate and its baseline as metrics
 * (OverallDeliveryRate, OverallDeliveryRateBaseline: the DeliveryRate alarm compares them). Built from
 * its environment by handlers/anomaly-check.ts.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import { sdkAthenaQueries } from '../adapters/secondary/athena-client';
import { runAthenaQuery } from '../adapters/secondary/athena-query';
import { createEventBridgeClient, eventBridgeAnomalyPublisher } from '../adapters/secondary/event-bus';
import { METRIC_SERVICES, MetricName } from '../domain/metric-names';
import { checkDeliveryAnomalies } from '../use-cases/check-anomalies';
import { createLogger, functionMetrics } from './shared';

export interface AnomalyCheckConfig {
  /** The history's Athena workgroup, Glue database and table. */
  workGroup: string;
  database: string;
  table: string;
  /** The bus `Delivery Anomaly` events go to. */
  eventBusName: string;
}

/** Well inside the function's timeout (5 minutes): a stuck query fails the run, which is retried. */
const QUERY_TIMEOUT_MS = 240_000;

export function anomalyCheckFunction(config: AnomalyCheckConfig): LambdaFunction<unknown, void> {
  const logger = createLogger();
  const metrics = functionMetrics(METRIC_SERVICES.anomalies);
  const history = { workGroup: config.workGroup, database: config.database, table: config.table };
  const athena = sdkAthenaQueries(new AthenaClient({ maxAttempts: 3 }));
  const publisher = eventBridgeAnomalyPublisher({
    client: createEventBridgeClient(),
    busName: config.eventBusName,
  });

  const handle = async (): Promise<void> => {
    const result = await checkDeliveryAnomalies({
      query: (sql) => runAthenaQuery(athena, history, 'anomaly-cells', sql, { timeoutMs: QUERY_TIMEOUT_MS }),
      source: `"${history.database}"."${history.table}"`,
      publisher,
    });
    const m = metrics();
    m.addMetric(MetricName.DeliveryAnomalies, MetricUnit.Count, result.anomalies.length);
    const { rate, baseline } = result.overall;
    if (rate !== undefined && baseline !== undefined) {
      m.addMetric(MetricName.OverallDeliveryRate, MetricUnit.NoUnit, rate);
      m.addMetric(MetricName.OverallDeliveryRateBaseline, MetricUnit.NoUnit, baseline);
    }
    logger.info('anomaly check', {
      bucket: result.bucket,
      anomalies: result.anomalies.map((a) => a.anomalyId),
      overall: result.overall,
    });
  };
  return { logger, metrics: metrics.built, handle };
}
