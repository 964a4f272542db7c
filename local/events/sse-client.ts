/**
 * A small reader of GET /events for the demo, the tests and the benchmark: collects the deliveries in
 * arrival order, and checks them against what the table holds, so all three judge events the same way.
 */
import http from 'node:http';
import type { AnomalyMessage, EventMessage } from './event-hub';

export interface ReceivedEvent {
  id: number;
  message: EventMessage;
  /** When it arrived here (Date.now()). */
  receivedAt: number;
}

/** A named `anomaly` event (a Delivery Anomaly). */
export interface ReceivedAnomaly {
  id: number;
  message: AnomalyMessage;
  receivedAt: number;
}

export interface EventsSubscription {
  /** Status changes (unnamed events), in arrival order. */
  readonly events: ReceivedEvent[];
  /** Delivery anomalies (the named event `anomaly`), in arrival order. */
  readonly anomalies: ReceivedAnomaly[];
  /** Resolves once `predicate` holds for what arrived (checked every 50 ms), or rejects after `ms`. */
  until(predicate: (events: readonly ReceivedEvent[]) => boolean, ms: number): Promise<void>;
  close(): void;
}

/** Connects to `${baseUrl}/events`; resolves once the server has answered 200. */
export function subscribeEvents(
  baseUrl: string,
  options: { lastEventId?: string; onEvent?: (event: ReceivedEvent) => void } = {},
): Promise<EventsSubscription> {
  const events: ReceivedEvent[] = [];
  const anomalies: ReceivedAnomaly[] = [];
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${baseUrl}/events`,
      { headers: options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId } },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`GET /events answered ${response.statusCode}`));
          return;
        }
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const parsed = parseBlock(block);
            if (!parsed) continue;
            if (parsed.name === 'anomaly') {
              anomalies.push({ ...parsed.event, message: parsed.event.message as AnomalyMessage });
              continue;
            }
            const event = { ...parsed.event, message: parsed.event.message as EventMessage };
            events.push(event);
            options.onEvent?.(event);
          }
        });
        response.on('error', () => undefined);
        resolve({
          events,
          anomalies,
          // Polled rather than checked per arrival: predicates over thousands of events stay cheap.
          until: (predicate, ms) =>
            waitUntil(
              () => predicate(events),
              ms,
              () => `events (${events.length} received)`,
            ),
          close: () => request.destroy(),
        });
      },
    );
    request.on('error', reject);
  });
}

/** Resolves once `condition` holds (checked every 25 ms); rejects after `ms`, naming `what`. */
export async function waitUntil(condition: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what()}: condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function parseBlock(
  block: string,
): { name: string; event: { id: number; message: unknown; receivedAt: number } } | undefined {
  let id: number | undefined;
  let data = '';
  let name = 'message';
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('data: ')) data += line.slice(6);
    else if (line.startsWith('event: ')) name = line.slice(7);
  }
  if (id === undefined || !data) return undefined;
  return { name, event: { id, message: JSON.parse(data) as unknown, receivedAt: Date.now() } };
}

export interface OrderCheck {
  messages: number;
  events: number;
  /** Messages whose ranks did not strictly increase, or whose last event is not the stored status. */
  problems: string[];
}

/**
 * Per message: the events' ranks strictly increase, and the last event's status is `finalStatus` (the
 * stored or true final status). A message with a final status but no event is a problem too.
 */
export function checkEventOrder(
  events: readonly ReceivedEvent[],
  finalStatus: ReadonlyMap<string, string | undefined>,
): OrderCheck {
  const byMessage = new Map<string, EventMessage['detail'][]>();
  for (const { message } of events) {
    const list = byMessage.get(message.detail.messageSid) ?? [];
    list.push(message.detail);
    byMessage.set(message.detail.messageSid, list);
  }
  const problems: string[] = [];
  for (const [sid, expected] of finalStatus) {
    const list = byMessage.get(sid) ?? [];
    const ranks = list.map((detail) => detail.statusRank);
    if (ranks.some((rank, i) => i > 0 && rank <= ranks[i - 1]!))
      problems.push(`${sid}: ranks not strictly increasing (${ranks.join(', ')})`);
    const last = list[list.length - 1]?.status;
    if (last !== expected)
      problems.push(`${sid}: last event ${last ?? '(none)'}, final ${expected ?? '(none)'}`);
  }
  return { messages: finalStatus.size, events: events.length, problems };
}

/** Waits (up to `ms`) until the events agree with `finalStatus`, then answers the check either way. */
export async function settledEvents(
  subscription: EventsSubscription,
  finalStatus: ReadonlyMap<string, string | undefined>,
  ms: number,
): Promise<OrderCheck> {
  await subscription
    .until((events) => checkEventOrder(events, finalStatus).problems.length === 0, ms)
    .catch(() => undefined);
  return checkEventOrder(subscription.events, finalStatus);
}
