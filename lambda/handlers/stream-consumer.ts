/**
 * Stream consumer Lambda: the messages table's stream (new and old images) -> one `Message Status
 * Changed` event per write that moved a status, on the tracker's EventBridge bus. Wiring only; the rules
 * are in use-cases/publish-status-events.ts.
 *
 * The answer reports the first record it could not handle as the batch item failure: Lambda retries from
 * that record (bisecting on repeated errors) and, when the retries or the record age run out, sends it to
 * the on-failure queue and carries on. Records of one item stay in order.
 *
 * Environment: EVENT_BUS_NAME (required).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { requiredEnv } from '../adapters/secondary/dynamodb';
import { createEventBridgeClient, eventBridgePublisher } from '../adapters/secondary/event-bus';
import { createLogger } from '../adapters/secondary/logger';
import { changeRecordOf } from '../adapters/primary/stream-records';
import { describeError } from '../domain/describe-error';
import { METRIC_SERVICES, METRICS_NAMESPACE, MetricName } from '../domain/metric-names';
import { publishStatusEvents } from '../use-cases/publish-status-events';

const logger = createLogger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.events });
const publisher = eventBridgePublisher({
  client: createEventBridgeClient(),
  busName: requiredEnv('EVENT_BUS_NAME'),
  onError: (error) => logger.warn('PutEvents failed', { error: describeError(error) }),
});

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const records = event.Records ?? [];
  const report = await publishStatusEvents(
    records.map((record, index) => changeRecordOf(record.dynamodb, `index-${index}`)),
    { publisher, logger },
  );
  metrics.addMetric(MetricName.EventsPublished, MetricUnit.Count, report.published);
  const newest = records.at(-1)?.dynamodb?.ApproximateCreationDateTime;
  if (newest !== undefined && report.published > 0) {
    // The stream's creation time is in seconds: lag under a second reads as 0-999 ms.
    metrics.addMetric(MetricName.EventLag, MetricUnit.Milliseconds, Math.max(0, Date.now() - newest * 1000));
  }
  metrics.publishStoredMetrics();
  return { batchItemFailures: report.failedAt ? [{ itemIdentifier: report.failedAt }] : [] };
}
