/**
 * The event publisher on EventBridge: PutEvents, at most 10 entries a request (the service's limit). A
 * request can succeed while some entries fail (throttling, an internal error): those are reported by index
 * so the use case retries exactly them. A request that fails as a whole (network, 5xx after the SDK's own
 * retries) reports every entry as failed, which the use case treats the same way.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { StatusChangeEvent } from '../../domain/status-event';
import type { EventPublisher } from '../../use-cases/ports';

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

export function createEventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({ maxAttempts: 3 });
}
