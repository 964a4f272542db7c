/**
 * The event publisher on EventBridge: PutEvents, at most 10 entries a request (the service's limit). A
 * request can succeed while some entries fail (throttling, an internal error): those are reported by index
 * so the use case retries exactly them. A request that fails as a whole (network, 5xx after the SDK's own
 * retries) reports every entry as failed, which the use case treats the same way.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { StatusChangeEvent } from '../../domain/status-event';
import type { AnomalyPublisher, EventPublisher } from '../../use-cases/ports';
import { ANOMALY_DETAIL_TYPE, type DeliveryAnomalyDetail } from '../../domain/history/anomaly';
import { EVENT_SOURCE } from '../../domain/status-event';

export const PUT_EVENTS_MAX_ENTRIES = 10;

export function eventBridgePublisher(options: {
  client: Pick<EventBridgeClient, 'send'>;
  busName: string;
  onError?: (error: unknown) => void;
}): EventPublisher {
  return {
    maxBatch: PUT_EVENTS_MAX_ENTRIES,
    async put(events: readonly StatusChangeEvent[]) {
      try {
        const answer = await options.client.send(
          new PutEventsCommand({
            Entries: events.map((event) => ({
              EventBusName: options.busName,
              Source: event.source,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
              // The status's first-seen time, so rules and archives see when it happened.
              Time: event.detail.at ? new Date(event.detail.at) : undefined,
            })),
          }),
        );
        const failed: number[] = [];
        (answer.Entries ?? []).forEach((entry, index) => {
          if (entry.ErrorCode) failed.push(index);
        });
        return { failed };
      } catch (error) {
        options.onError?.(error);
        return { failed: events.map((_, index) => index) };
      }
    },
  };
}

/** `Delivery Anomaly` events (the tracker's source), timed at the end of the bucket judged. */
export function eventBridgeAnomalyPublisher(options: {
  client: Pick<EventBridgeClient, 'send'>;
  busName: string;
}): AnomalyPublisher {
  return {
    async put(anomalies: readonly DeliveryAnomalyDetail[]) {
      const failed: number[] = [];
      for (let from = 0; from < anomalies.length; from += PUT_EVENTS_MAX_ENTRIES) {
        const batch = anomalies.slice(from, from + PUT_EVENTS_MAX_ENTRIES);
        try {
          const answer = await options.client.send(
            new PutEventsCommand({
              Entries: batch.map((anomaly) => ({
                EventBusName: options.busName,
                Source: EVENT_SOURCE,
                DetailType: ANOMALY_DETAIL_TYPE,
                Detail: JSON.stringify(anomaly),
                Time: new Date(anomaly.bucket.end),
              })),
            }),
          );
          (answer.Entries ?? []).forEach((entry, index) => {
            if (entry.ErrorCode) failed.push(from + index);
          });
        } catch {
          batch.forEach((_, index) => failed.push(from + index));
        }
      }
      return { failed };
    },
  };
}

export function createEventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({ maxAttempts: 3 });
}
