/**
 * The stream consumer function: the messages table's stream -> one `Message Status Changed` event per
 * write that moved a status, on the tracker's bus (use-cases/publish-status-events.ts). Built from its
 * environment by handlers/stream-consumer.ts.
 *
 * The answer reports the first record it could not handle as the batch item failure: Lambda retries from
 * that record (bisecting on repeated errors) and, when the retries or the record age run out, sends it to
 * the on-failure queue and carries on. Records of one item stay in order.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import { changeRecordOf } from '../adapters/primary/stream-records';
import { createEventBridgeClient, eventBridgePublisher } from '../adapters/secondary/event-bus';
import { describeError } from '../domain/describe-error';
import { METRIC_SERVICES, MetricName } from '../domain/metric-names';
import { publishStatusEvents } from '../use-cases/publish-status-events';
import { createLogger, functionMetrics } from './shared';

export interface StreamConsumerConfig {
  /** The tracker's EventBridge bus. */
  eventBusName: string;
}

export function streamConsumerFunction(
  config: StreamConsumerConfig,
): LambdaFunction<DynamoDBStreamEvent, DynamoDBBatchResponse> {
  const logger = createLogger();
  const metrics = functionMetrics(METRIC_SERVICES.events);
  const publisher = eventBridgePublisher({
    client: createEventBridgeClient(),
    busName: config.eventBusName,
    onError: (error) => logger.warn('PutEvents failed', { error: describeError(error) }),
  });

  const handle = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const records = event.Records ?? [];
    const report = await publishStatusEvents(
      records.map((record, index) => changeRecordOf(record.dynamodb, `index-${index}`)),
      { publisher, logger },
    );
    const m = metrics();
    m.addMetric(MetricName.EventsPublished, MetricUnit.Count, report.published);
    const newest = records.at(-1)?.dynamodb?.ApproximateCreationDateTime;
    if (newest !== undefined && report.published > 0) {
      // The stream's creation time is in seconds: lag under a second reads as 0-999 ms.
      m.addMetric(MetricName.EventLag, MetricUnit.Milliseconds, Math.max(0, Date.now() - newest * 1000));
    }
    return { batchItemFailures: report.failedAt ? [{ itemIdentifier: report.failedAt }] : [] };
  };
  return { logger, metrics: metrics.built, handle };
}
