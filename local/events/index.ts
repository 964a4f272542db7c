/**
 * Status-change events on `npm start`, assembled: the stream consumer (the same use case as the Lambda)
 * over DynamoDB Local's stream, publishing into the hub that feeds the console line, GET /events (SSE)
 * and, when set, the webhook. Failures (records that cannot become events, webhook events given up) are
 * logged and kept in a short list that GET /events/failures shows.
 */
import { createCheckpoint } from './checkpoint';
import { EventHub, eventIdOf, isAnomaly, type AnomalyDelivery, type Delivery } from './event-hub';
import { eventsEndpoint } from './sse';
import {
  startStreamConsumer,
  type ConsumerLogger,
  type RecordFailure,
  type StreamConsumer,
} from './stream-reader';
import { createStreamsApi, type StreamsApi } from './streams-api';
import { startWebhook, type Webhook, type WebhookStats } from './webhook';

export type { AnomalyDelivery, AnomalyMessage, AnyDelivery, Delivery, EventMessage } from './event-hub';
export { isAnomaly } from './event-hub';
export type { RecordFailure } from './stream-reader';

export interface LocalEventsOptions {
  dynamodbEndpoint: string;
  streamArn: string;
  /** POST every event here too (EVENTS_WEBHOOK_URL). */
  webhookUrl?: string;
  /** Keep the stream position in this file (npm start --persist); in memory otherwise. */
  checkpointFile?: string;
  /** Told of every delivery (npm start prints a line). */
  onEvent?: (delivery: Delivery) => void;
  /** Told of every delivery anomaly (npm start prints a line). */
  onAnomaly?: (delivery: AnomalyDelivery) => void;
  /** Wraps the record source: tests inject records there that DynamoDB cannot produce. */
  source?: (api: StreamsApi) => StreamsApi;
  logger: ConsumerLogger;
  ringSize?: number;
  idlePollMs?: number;
  /** Webhook retry backoff (tests shorten it). */
  webhookRetry?: { baseMs: number; maxMs: number };
}

export interface Failure {
  kind: 'record' | 'webhook';
  at: string;
  detail: RecordFailure | { deliveryId: number; eventId: string; reason: string };
}

export interface LocalEvents {
  hub: EventHub;
  consumer: StreamConsumer;
  failures(): { total: number; recent: Failure[] };
  webhookStats(): WebhookStats | undefined;
  /** Handles GET /events and GET /events/failures; false for other paths. */
  endpoint: ReturnType<typeof eventsEndpoint>;
  stop(): Promise<void>;
}

/** How many failures the list keeps (the log has them all). */
const KEPT_FAILURES = 100;

export function startLocalEvents(options: LocalEventsOptions): LocalEvents {
  const hub = new EventHub(options.ringSize);
  const recent: Failure[] = [];
  let total = 0;
  const fail = (failure: Failure) => {
    total++;
    recent.push(failure);
    if (recent.length > KEPT_FAILURES) recent.shift();
  };

  let webhook: Webhook | undefined;
  if (options.webhookUrl) {
    webhook = startWebhook({
      url: options.webhookUrl,
      retry: options.webhookRetry,
      onDrop: (delivery, reason) => {
        options.logger.error('webhook event dropped', { eventId: eventIdOf(delivery), reason });
        fail({
          kind: 'webhook',
          at: new Date().toISOString(),
          detail: { deliveryId: delivery.id, eventId: eventIdOf(delivery), reason },
        });
      },
    });
    const started = webhook;
    hub.subscribeAll((delivery) => started.enqueue(delivery));
  }
  if (options.onEvent) hub.subscribe(options.onEvent);
  const { onAnomaly } = options;
  if (onAnomaly)
    hub.subscribeAll((delivery) => {
      if (isAnomaly(delivery)) onAnomaly(delivery);
    });

  const checkpoint = createCheckpoint({
    streamArn: options.streamArn,
    file: options.checkpointFile,
    onProblem: (message) => options.logger.warn(message),
  });
  const api = createStreamsApi(options.dynamodbEndpoint);
  const consumer = startStreamConsumer({
    api: options.source ? options.source(api) : api,
    streamArn: options.streamArn,
    publisher: hub.publisher(),
    checkpoint,
    logger: options.logger,
    idlePollMs: options.idlePollMs,
    onFailure: (failure) => {
      options.logger.error('stream record went to the failure path', { ...failure });
      fail({ kind: 'record', at: failure.at, detail: failure });
    },
  });

  const failures = () => ({ total, recent: [...recent] });
  return {
    hub,
    consumer,
    failures,
    webhookStats: () => webhook?.stats(),
    endpoint: eventsEndpoint({ hub, failures }),
    stop: async () => {
      await consumer.stop();
      api.close();
      webhook?.stop();
    },
  };
}
