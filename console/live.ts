/**
 * Live updates, one subscription for the whole page. Locally each status change arrives as a
 * Server-Sent Event (GET /events) with the message it concerns; against a deployed stack nothing
 * pushes, so every few seconds subscribers are told to read again (`messageSid` undefined).
 */
import type { DeliveryAnomalyDetail } from '../lambda/domain/history/anomaly';
import { liveMode } from './api';

export type { DeliveryAnomalyDetail };

export interface Change {
  /** The message that changed, when known (SSE); undefined: anything may have changed (a poll tick). */
  messageSid?: string;
  status?: string;
  statusRank?: number;
  final?: boolean;
  errorCode?: number;
}

const POLL_INTERVAL_MS = 5_000;

type Listener = (change: Change) => void;
const listeners = new Set<Listener>();
let started = false;

type AnomalyListener = (anomaly: DeliveryAnomalyDetail) => void;
const anomalyListeners = new Set<AnomalyListener>();

export function onChange(listener: Listener): () => void {
  listeners.add(listener);
  start();
  return () => void listeners.delete(listener);
}

/**
 * Delivery anomalies as the local server finds them (the named SSE event `anomaly`); against a
 * deployed stack none arrive here (they go to EventBridge).
 */
export function onAnomaly(listener: AnomalyListener): () => void {
  anomalyListeners.add(listener);
  start();
  return () => void anomalyListeners.delete(listener);
}

function emit(change: Change): void {
  for (const listener of listeners) listener(change);
}

function start(): void {
  if (started) return;
  started = true;
  if (liveMode() === 'poll') {
    setInterval(() => emit({}), POLL_INTERVAL_MS);
    return;
  }
  // EventSource reconnects by itself, with Last-Event-ID: the server replays what was missed.
  const source = new EventSource('/events');
  source.onmessage = (event: MessageEvent<string>) => {
    try {
      const { detail } = JSON.parse(event.data) as { detail?: Change };
      if (detail?.messageSid) emit(detail);
    } catch {
      // not an event of ours: ignore it
    }
  };
  source.addEventListener('anomaly', (event: MessageEvent<string>) => {
    try {
      const { detail } = JSON.parse(event.data) as { detail?: DeliveryAnomalyDetail };
      if (detail?.anomalyId) for (const listener of anomalyListeners) listener(detail);
    } catch {
      // not an anomaly of ours: ignore it
    }
  });
}
