/**
 * The local HTTP server of `npm start`: the real Lambda handlers behind Node's http module. Each request
 * becomes an API Gateway HTTP API event (local/http-api-event.ts) and each handler result becomes the
 * HTTP response, so what runs here is what runs in AWS.
 *
 *   POST /message-status        status callbacks (the same handler as the Lambda)
 *   GET  /messages?filters      the list API (the query Lambda's handler; no IAM locally)
 *   GET  /messages/:messageSid  a message's record (the query Lambda's handler; no IAM locally)
 *   POST /messages              send one message through the sender (JSON body)
 *   GET  /health                200 when every part answers, else 503 naming what is down (local/health.ts)
 *   GET  /events                status-change events as Server-Sent Events (local/events/sse.ts)
 *   GET  /events/failures       stream records that could not become events
 *   GET  /, /console/*          the web console (local/console/assets.ts)
 *   GET  /history/report        the history report (local/history/endpoint.ts)
 *
 * It binds loopback, and answers only requests addressed to it: a `Host` of its own loopback address and
 * port (or the public origin's host, for a tunnel), so a web page whose name resolves to 127.0.0.1 (DNS
 * rebinding) reads nothing; and no `Origin` but its own, so another site's page cannot send messages
 * through it (Twilio sends no Origin). Anything else is a 403 saying which header was wrong; a request
 * carrying Host or Origin twice is a 400 naming it (local/http-guard.ts), before any handler runs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NOSNIFF, type HttpResponse } from '../lambda/adapters/primary/http';
import { addressGuard, repeatedAddressHeader, repeatedHeaderRefusal } from './http-guard';
import { buildHttpApiEvent, safeDecode } from './http-api-event';

export type EventHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;

export interface LocalServerOptions {
  port: number;
  host?: string;
  statusCallback: EventHandler;
  query: EventHandler;
  /** GET /dead-numbers and DELETE /dead-numbers/{recipient}; absent: 404. */
  deadNumbers?: EventHandler;
  /** POST /messages; absent when no sender is configured (then 501). */
  send?: EventHandler;
  /** Routes answered on the raw request (a stream, not a Lambda response); false lets others answer. */
  raw?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
  /** GET /history/report?since&until; absent: 404. */
  historyReport?: (params: URLSearchParams) => Promise<HttpResponse>;
  /** GET /health: local/health.ts's answer; absent: 200 with no checks. */
  health?: () => Promise<HttpResponse>;
  /** Bytes read from a request body before answering 413 without reading more. */
  maxBodyBytes?: number;
  /** PUBLIC_BASE_URL's origin (a tunnel): its host is accepted besides the loopback addresses. */
  publicOrigin?: string;
}

export interface LocalServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const MESSAGE_PATH = /^\/messages\/([^/]+)$/;
const DEAD_NUMBER_PATH = /^\/dead-numbers\/([^/]+)$/;

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const route = (
    method: string,
    path: string,
  ): { routeKey: string; handler?: EventHandler; params?: Record<string, string> } => {
    if (path === '/message-status')
      return { routeKey: 'POST /message-status', handler: options.statusCallback };
    const match = MESSAGE_PATH.exec(path);
    if (match) {
      return {
        routeKey: 'GET /messages/{messageSid}',
        handler: options.query,
        // API Gateway passes a path parameter it cannot decode as it came; the handler then answers 400.
        params: { messageSid: safeDecode(match[1] ?? '') },
      };
    }
    if (path === '/messages' && method === 'GET')
      return { routeKey: 'GET /messages', handler: options.query };
    if (path === '/dead-numbers') return { routeKey: 'GET /dead-numbers', handler: options.deadNumbers };
    const dead = DEAD_NUMBER_PATH.exec(path);
    if (dead) {
      return {
        routeKey: 'DELETE /dead-numbers/{recipient}',
        handler: options.deadNumbers,
        params: { recipient: safeDecode(dead[1] ?? '') },
      };
    }
    if (path === '/messages' && method === 'POST')
      return { routeKey: 'POST /messages', handler: options.send };
    return { routeKey: '$default' };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the server itself: answer 500 without details, keep serving.
      console.error('local server error', error instanceof Error ? error.message : error);
      if (!res.headersSent) send(res, { statusCode: 500, body: JSON.stringify({ error: 'internal error' }) });
    });
  });
  server.keepAliveTimeout = 65_000;

  /** Refuses requests not addressed to this server; rebuilt for the port once it listens. */
  const guardFor = (port: number) =>
    addressGuard(port, {
      loopback: ['127.0.0.1', 'localhost', '[::1]'],
      publicOrigin: options.publicOrigin,
      foldHostCase: true,
      refuseHost: (host, hosts) =>
        `Host "${host}" is not this server (${hosts.join(', ')}); a tunnel's name needs PUBLIC_BASE_URL`,
      refuseOrigin: (origin) => `Origin "${origin}" may not call this server: only its own pages may`,
    });
  let misaddressed = guardFor(0);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const repeated = repeatedAddressHeader(req);
    if (repeated) {
      await drain(req);
      return send(res, json(400, repeatedHeaderRefusal(repeated)));
    }
    const refused = misaddressed(req);
    if (refused) {
      await drain(req);
      return send(res, json(403, { error: refused }));
    }
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/health') {
      await drain(req);
      return send(res, options.health ? await options.health() : json(200, { status: 'ok', checks: {} }));
    }
    if (path === '/history/report') {
      await drain(req);
      if (method !== 'GET') return send(res, json(405, { error: 'GET only' }));
      if (!options.historyReport) return send(res, json(404, { error: 'not found' }));
      return send(res, await options.historyReport(new URL(url, 'http://localhost').searchParams));
    }
    if (options.raw?.(req, res, path)) return;

    const { routeKey, handler, params } = route(method, path);
    if (!handler) {
      await drain(req);
      return send(
        res,
        json(path === '/messages' ? 501 : 404, {
          error: routeKey === '$default' ? 'not found' : 'not configured',
        }),
      );
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) return send(res, json(413, { error: 'body too large' }));
    const event = buildHttpApiEvent({
      method,
      url,
      headers: req.headers,
      body,
      routeKey,
      pathParameters: params,
      scheme: 'http',
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    });
    send(res, await handler(event));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  misaddressed = guardFor(port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...NOSNIFF },
    body: JSON.stringify(body),
  };
}

function send(res: ServerResponse, response: HttpResponse): void {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers ?? {})) headers[key] = String(value);
  const body =
    response.body === undefined
      ? ''
      : response.isBase64Encoded
        ? Buffer.from(response.body, 'base64')
        : response.body;
  res.writeHead(response.statusCode, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req
      .on('end', resolve)
      .on('error', () => resolve())
      .resume();
  });
}
