/**
 * The history-row function: Firehose's data-transformation processor (adapters/primary/firehose-records.ts)
 * under the pseudonymisation key read from its secret, counting refused records (metric
 * HistoryRecordsRejected, alarmed). Built from its environment by handlers/history-row.ts.
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createHistoryRowHandler } from '../adapters/primary/firehose-records';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import { secretPseudonymiser } from '../adapters/secondary/history-key';
import { METRIC_SERVICES, MetricName } from '../domain/metric-names';
import { createLogger, functionMetrics } from './shared';

export interface HistoryRowConfig {
  /** The secret holding the key `to` and `from` are hashed under. */
  historyKeySecretId: string;
}

export function historyRowFunction(
  config: HistoryRowConfig,
): LambdaFunction<FirehoseTransformationEvent, FirehoseTransformationResult> {
  const logger = createLogger();
  const metrics = functionMetrics(METRIC_SERVICES.history);
  const handle = createHistoryRowHandler({
    pseudonymiser: secretPseudonymiser({ secretId: config.historyKeySecretId }),
    logger,
    onRejected: (count) => metrics().addMetric(MetricName.HistoryRecordsRejected, MetricUnit.Count, count),
  });
  return { logger, metrics: metrics.built, handle: (event) => handle(event) };
}
