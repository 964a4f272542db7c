/** Helpers shared by the reliability suites: raw HTTP, honest signing of any body, table snapshots. */
import http from 'node:http';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { jsonResponse } from '../../lambda/adapters/primary/http';
import type { StatusCallbackDeps } from '../../lambda/adapters/primary/status-callback-endpoint';
import { startLocalServer, type EventHandler, type LocalServer } from '../../local/server';
import { sign } from '../support/callbacks';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Path and query, e.g. `/message-status?x=1`. */
  path?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/** One HTTP request on a fresh connection, exactly as given (no fetch normalisation). */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<Answer> {
  const url = new URL(request.path ?? '/message-status', baseUrl);
  const headers = { ...(request.headers ?? {}) };
  // Node frames a GET/DELETE/OPTIONS body only when told its length; without it the body would be
  // read as a second request.
  if (request.body !== undefined && !('content-length' in headers)) {
    headers['content-length'] = String(Buffer.byteLength(request.body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: request.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}

/**
 * The signature an honest Twilio would send for this body: computed over the fields exactly as the
 * endpoint will parse them (URLSearchParams, repeated keys kept), whatever bytes the body holds.
 */
export function signBody(token: string, url: string, body: string): string {
  return sign(token, url, [...new URLSearchParams(body)]);
}

/** Every item of a table, sorted, as one string: equal before and after means nothing was written. */
export async function tableSnapshot(client: DynamoDBDocumentClient, tableName: string): Promise<string> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  items.sort((a, b) => String(a.messageSid).localeCompare(String(b.messageSid)));
  return JSON.stringify(items);
}

export const silentLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
} as unknown as StatusCallbackDeps['logger'];

/** Twilio-shaped message SID (SM + 32 hex), unique per call. */
let sidCounter = 0;
export function uniqueSid(): string {
  sidCounter++;
  const time = (Date.now() % 0xffffffff).toString(16).padStart(8, '0');
  const random = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');
  return `SM${time}${random}${sidCounter.toString(16).padStart(16, '0')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The local server in front of one callback handler (the query route answers 404). */
export function serveCallbacks(statusCallback: EventHandler): Promise<LocalServer> {
  return startLocalServer({
    port: 0,
    statusCallback,
    query: async () => jsonResponse(404, { error: 'not found' }),
  });
}
