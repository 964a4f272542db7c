/**
 * Local delivery of status-change events: each event the consumer publishes gets the next local
 * sequence number (the SSE `id:`), goes into a ring of recent deliveries (what `Last-Event-ID` replays),
 * and is handed to every listener (SSE clients, the webhook queue, the console line), all synchronously:
 * nothing here waits on a client, so a slow one never holds up the stream reader.
 */
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, type StatusChangeEvent } from '../../lambda/domain/status-event';
import type { EventPublisher } from '../../lambda/use-cases/ports';

/** The JSON every local channel carries: the EventBridge envelope's names, so one consumer fits both. */
export interface EventMessage {
  source: typeof EVENT_SOURCE;
  'detail-type': typeof EVENT_DETAIL_TYPE;
  /** When it was delivered locally. */
  time: string;
  detail: StatusChangeEvent['detail'];
}

export interface Delivery {
  /** The local delivery's sequence number: 1, 2, 3, ... in delivery order. */
  id: number;
  message: EventMessage;
}

export type DeliveryListener = (delivery: Delivery) => void;

export interface Replay {
  deliveries: Delivery[];
  /** Deliveries after the asked id that fell out of the ring (the client missed them for good). */
  missed: number;
}

export class EventHub {
  private readonly ring: Delivery[] = [];
  private readonly listeners = new Set<DeliveryListener>();
  private lastId = 0;

  constructor(readonly ringSize = 1_000) {}

  deliver(event: StatusChangeEvent): Delivery {
    const delivery: Delivery = {
      id: ++this.lastId,
      message: {
        source: event.source,
        'detail-type': event.detailType,
        time: new Date().toISOString(),
        detail: event.detail,
      },
    };
    this.ring.push(delivery);
    if (this.ring.length > this.ringSize) this.ring.shift();
    for (const listener of this.listeners) {
      try {
        listener(delivery);
      } catch (error) {
        // One broken listener must not stop the others or the stream reader.
        console.error('events listener failed', error instanceof Error ? error.message : error);
      }
    }
    return delivery;
  }

  /**
   * What followed delivery `afterId`. An id newer than the latest comes from before a restart (the
   * numbering starts again at 1 with the process): everything kept is new to that client.
   */
  replayAfter(afterId: number): Replay {
    const from = afterId > this.lastId ? 0 : afterId;
    const deliveries = this.ring.filter((delivery) => delivery.id > from);
    const oldestKept = this.ring[0]?.id ?? this.lastId + 1;
    return { deliveries, missed: Math.max(0, oldestKept - from - 1) };
  }

  subscribe(listener: DeliveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The use case's publisher: every event is accepted once it is in the ring and handed out. */
  publisher(): EventPublisher {
    return {
      maxBatch: 100,
      put: async (events) => {
        for (const event of events) this.deliver(event);
        return { failed: [] };
      },
    };
  }
}
