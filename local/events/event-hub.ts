/**
 * Local delivery of status-change events and delivery anomalies: each event the consumer publishes, and
 * each anomaly the monitor finds (local/history/anomaly-monitor.ts), gets the next local
 * sequence number (the SSE `id:`), goes into a ring of recent deliveries (what `Last-Event-ID` replays),
 * and is handed to every listener (SSE clients, the webhook queue, the console line), all synchronously:
 * nothing here waits on a client, so a slow one never holds up the stream reader.
 */
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, type StatusChangeEvent } from '../../lambda/domain/status-event';
import type { EventPublisher } from '../../lambda/use-cases/ports';
import { ANOMALY_DETAIL_TYPE, type DeliveryAnomalyDetail } from '../../lambda/domain/history/anomaly';

/** The JSON every local channel carries: the EventBridge envelope's names, so one consumer fits both. */
export interface EventMessage {
  source: typeof EVENT_SOURCE;
  'detail-type': typeof EVENT_DETAIL_TYPE;
  /** When it was delivered locally. */
  time: string;
  detail: StatusChangeEvent['detail'];
}

/** A `Delivery Anomaly`: the same envelope, the detail the AWS check puts on the bus. */
export interface AnomalyMessage {
  source: typeof EVENT_SOURCE;
  'detail-type': typeof ANOMALY_DETAIL_TYPE;
  time: string;
  detail: DeliveryAnomalyDetail;
}

/** A status change handed out (what the history writer, the console line and the order checks read). */
export interface Delivery {
  /** The local delivery's sequence number: 1, 2, 3, ... in delivery order (anomalies included). */
  id: number;
  message: EventMessage;
}

export interface AnomalyDelivery {
  id: number;
  message: AnomalyMessage;
}

/** Anything the hub hands out: tell them apart by `message['detail-type']` (isAnomaly). */
export type AnyDelivery = Delivery | AnomalyDelivery;

export function isAnomaly(delivery: AnyDelivery): delivery is AnomalyDelivery {
  return delivery.message['detail-type'] === ANOMALY_DETAIL_TYPE;
}

/** The id a receiver dedupes on: the status change's `eventId`, or the anomaly's `anomalyId`. */
export function eventIdOf(delivery: AnyDelivery): string {
  return isAnomaly(delivery) ? delivery.message.detail.anomalyId : delivery.message.detail.eventId;
}

export type DeliveryListener = (delivery: Delivery) => void;
export type AnyDeliveryListener = (delivery: AnyDelivery) => void;

export interface Replay {
  deliveries: AnyDelivery[];
  /** Deliveries after the asked id that fell out of the ring (the client missed them for good). */
  missed: number;
}

export class EventHub {
  private readonly ring: AnyDelivery[] = [];
  private readonly listeners = new Set<AnyDeliveryListener>();
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
    this.handOut(delivery);
    return delivery;
  }

  /** A delivery anomaly, handed to the listeners of everything (SSE, the webhook), never to status ones. */
  deliverAnomaly(detail: DeliveryAnomalyDetail): AnomalyDelivery {
    const delivery: AnomalyDelivery = {
      id: ++this.lastId,
      message: {
        source: EVENT_SOURCE,
        'detail-type': ANOMALY_DETAIL_TYPE,
        time: new Date().toISOString(),
        detail,
      },
    };
    this.handOut(delivery);
    return delivery;
  }

  private handOut(delivery: AnyDelivery): void {
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

  /** Status changes only: what the history writer writes as rows (an anomaly is never a row). */
  subscribe(listener: DeliveryListener): () => void {
    return this.subscribeAll((delivery) => {
      if (!isAnomaly(delivery)) listener(delivery);
    });
  }

  /** Status changes and anomalies, in delivery order (GET /events, the webhook). */
  subscribeAll(listener: AnyDeliveryListener): () => void {
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
