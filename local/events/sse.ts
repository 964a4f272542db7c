/**
 * `GET /events` (Server-Sent Events) and `GET /events/failures` of the local server.
 *
 * A client that reconnects sends `Last-Event-ID` (browsers' EventSource does; `?lastEventId=` works
 * too, for clients that cannot set headers) and first gets what followed that id from the ring, then the
 * live events. A client that reads too slowly is disconnected once a bounded amount is buffered for it,
 * so it can neither hold memory nor slow the others; it reconnects with its Last-Event-ID.
 *
 * Status changes are unnamed events (EventSource's `message`); a delivery anomaly is the named event
 * `anomaly` (`addEventListener('anomaly', ...)`), so a client that listens only for status changes never
 * sees one. Both share the one id sequence, so Last-Event-ID replays both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer } from '../console/assets';
import { isAnomaly, type AnyDelivery, type EventHub } from './event-hub';

export interface EventsEndpointOptions {
  hub: EventHub;
  /** What GET /events/failures answers. */
  failures: () => unknown;
  /** Bytes buffered for one client before it is dropped. */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
}

/** The SSE event name of a `Delivery Anomaly`. */
export const ANOMALY_SSE_EVENT = 'anomaly';

const LAST_EVENT_ID = /^\d{1,15}$/;

/** Handles the request when it is one of the events routes; answers false otherwise. */
export function eventsEndpoint(
  options: EventsEndpointOptions,
): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  return (req, res, path) => {
    if (path !== '/events' && path !== '/events/failures') return false;
    // Nothing here reads a body; discard one so the connection stays usable.
    req.resume();
    if (req.method !== 'GET') {
      answer(res, 405, { error: `${path} answers GET only` }, { allow: 'GET' });
      return true;
    }
    if (path === '/events/failures') {
      answer(res, 200, options.failures());
      return true;
    }
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const header = req.headers['last-event-id'];
    const raw = (Array.isArray(header) ? header[0] : header) ?? query.get('lastEventId') ?? undefined;
    if (raw !== undefined && raw !== '' && !LAST_EVENT_ID.test(raw.trim())) {
      answer(res, 400, {
        error: `Last-Event-ID must be the id of an event received (a whole number), got "${raw.slice(0, 40)}"`,
      });
      return true;
    }
    stream(res, raw ? Number(raw.trim()) : undefined);
    return true;
  };

  function stream(res: ServerResponse, lastEventId: number | undefined): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Ask clients to come back quickly after a restart: the ring has what they missed.
    res.write('retry: 1000\n\n');
    const send = (delivery: AnyDelivery) => {
      if (res.writableLength > maxBuffered) {
        res.destroy();
        return;
      }
      const name = isAnomaly(delivery) ? `event: ${ANOMALY_SSE_EVENT}\n` : '';
      res.write(`${name}id: ${delivery.id}\ndata: ${JSON.stringify(delivery.message)}\n\n`);
    };
    if (lastEventId !== undefined) {
      const replay = options.hub.replayAfter(lastEventId);
      if (replay.missed > 0)
        res.write(`: ${replay.missed} events after ${lastEventId} are no longer kept\n\n`);
      for (const delivery of replay.deliveries) send(delivery);
    }
    const unsubscribe = options.hub.subscribeAll(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }
}
