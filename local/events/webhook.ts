/**
 * EVENTS_WEBHOOK_URL: each event (status change or delivery anomaly) is POSTed there as JSON, in the background, from a queue of its own.
 *
 * - Never blocks: `enqueue` only appends; the stream reader and the callbacks never wait on the receiver.
 * - Order: events of one message go through one lane, one request at a time, so a receiver gets a
 *   message's events in the order they happened even while it was down. Lanes (by message) work side by
 *   side, so one slow message does not hold up all the others.
 * - Retries: a network error, a timeout, 408, 429 or 5xx is retried with backoff (capped), for as long as
 *   the event stays in the queue; another 4xx is the receiver refusing that event: logged and dropped.
 * - Memory: at most `maxQueued` events wait; past that new ones are dropped and counted (the receiver can
 *   catch up from GET /events with Last-Event-ID while the ring still holds them).
 */
import { backoffMs } from '../../lambda/domain/backoff';
import { hashOfSid } from '../../lambda/domain/contract';
import { eventIdOf, isAnomaly, type AnyDelivery } from './event-hub';

export interface WebhookOptions {
  url: string;
  lanes?: number;
  maxQueued?: number;
  timeoutMs?: number;
  retry?: { baseMs: number; maxMs: number };
  onDrop: (delivery: AnyDelivery, reason: string) => void;
}

export interface WebhookStats {
  delivered: number;
  retries: number;
  dropped: number;
  queued: number;
}

export interface Webhook {
  enqueue(delivery: AnyDelivery): void;
  stats(): WebhookStats;
  /** Stops sending; what is still queued is abandoned (and counted). */
  stop(): void;
}

/** Checks EVENTS_WEBHOOK_URL; answers the reason it is unusable, or undefined. */
export function webhookUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `EVENTS_WEBHOOK_URL must be an http(s) URL, got "${raw}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `EVENTS_WEBHOOK_URL must be an http(s) URL, got "${raw}"`;
  return undefined;
}

export function startWebhook(options: WebhookOptions): Webhook {
  const laneCount = options.lanes ?? 8;
  const maxQueued = options.maxQueued ?? 10_000;
  const retry = options.retry ?? { baseMs: 250, maxMs: 5_000 };
  const lanes = Array.from({ length: laneCount }, () => ({ queue: [] as AnyDelivery[], running: false }));
  const stats = { delivered: 0, retries: 0, dropped: 0 };
  let queued = 0;
  let stopped = false;
  const aborter = new AbortController();

  const drop = (delivery: AnyDelivery, reason: string) => {
    stats.dropped++;
    options.onDrop(delivery, reason);
  };

  /** Answers 'done' (delivered), 'refused' (never retry) or 'retry'. */
  const post = async (delivery: AnyDelivery): Promise<'done' | 'refused' | 'retry'> => {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-event-id': eventIdOf(delivery),
          'x-delivery-id': String(delivery.id),
        },
        body: JSON.stringify(delivery.message),
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(options.timeoutMs ?? 5_000)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return 'done';
      const transient = response.status === 408 || response.status === 429 || response.status >= 500;
      return transient ? 'retry' : 'refused';
    } catch {
      return 'retry';
    }
  };

  const run = async (lane: (typeof lanes)[number]) => {
    lane.running = true;
    let attempt = 0;
    while (!stopped && lane.queue.length > 0) {
      const delivery = lane.queue[0]!;
      const outcome = await post(delivery);
      if (outcome === 'retry' && !stopped) {
        stats.retries++;
        // Unreferenced: a receiver that stays down must not keep the process from exiting.
        await new Promise((resolve) => setTimeout(resolve, backoffMs(++attempt, retry)).unref());
        continue;
      }
      lane.queue.shift();
      queued--;
      attempt = 0;
      if (outcome === 'done') stats.delivered++;
      else if (outcome === 'refused') drop(delivery, 'the receiver refused it (4xx)');
    }
    lane.running = false;
  };

  return {
    enqueue: (delivery) => {
      if (stopped) return;
      if (queued >= maxQueued) return drop(delivery, `webhook queue full (${maxQueued} events)`);
      const key = isAnomaly(delivery)
        ? delivery.message.detail.anomalyId
        : delivery.message.detail.messageSid;
      const lane = lanes[hashOfSid(key) % laneCount]!;
      lane.queue.push(delivery);
      queued++;
      if (!lane.running) void run(lane);
    },
    stats: () => ({ ...stats, queued }),
    stop: () => {
      stopped = true;
      aborter.abort();
      stats.dropped += queued;
    },
  };
}
