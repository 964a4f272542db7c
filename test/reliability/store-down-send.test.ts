/**
 * A send while the store is down. The local sender (the send use case the Lambda runs) talks to
 * DynamoDB Local through local/wire-proxy.ts, which cuts every connection on demand, and to the Twilio
 * simulator through a small proxy that can cut DynamoDB the moment Twilio has accepted a message.
 * The simulator sends no status callbacks here, so only the sender itself can record a message.
 *
 * 1. Store down before the send: 503 with Retry-After, and nothing reaches Twilio.
 * 2. Store cut between Twilio's answer and the write: 201 (the message is sent), its record waits in the
 *    outbox file, and once DynamoDB answers again every sent message is recorded, fields and tags as sent.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoClient } from '../../lambda/adapters/secondary/dynamodb';
import { startLocalServer, type LocalServer } from '../../local/server';
import { createLocalSendHandler } from '../../local/send-endpoint';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { startWireProxy, type WireProxy } from '../../local/wire-proxy';
import { dynamoEndpoint, trackerStore, useMessageStore } from '../support/dynamodb';

const db = useMessageStore('store-down-send');
let wire: WireProxy;
let sim: TwilioSimulator;
let twilioFront: { url: string; cutStoreAfterCreate: boolean; close(): Promise<void> };
let sender: Awaited<ReturnType<typeof createLocalSendHandler>>;
let server: LocalServer;
let dir: string;

/** Forwards to the simulator; after a create's answer, and before relaying it, cuts DynamoDB if asked. */
async function startTwilioFront(target: string) {
  const front = { url: '', cutStoreAfterCreate: false, close: async () => undefined as void };
  const upstream = new URL(target);
  const httpServer: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            if (req.method === 'POST' && req.url?.endsWith('/Messages.json') && front.cutStoreAfterCreate) {
              wire.setDown(true);
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  front.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  front.close = () => new Promise<void>((resolve) => httpServer.close(() => resolve()));
  return front;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-down-send-'));
  wire = await startWireProxy(dynamoEndpoint());
  sim = await startTwilioSimulator({ seed: 7, lostCallbackRate: 1, stepDelayMs: [5, 15] });
  twilioFront = await startTwilioFront(sim.url);
  sender = await createLocalSendHandler({
    store: trackerStore(createDynamoClient({ endpoint: wire.endpoint }), db.table.tableName),
    callbackUrl: 'http://127.0.0.1:9/message-status',
    dynamodbEndpoint: wire.endpoint,
    idempotencyTableName: `${db.table.tableName}-idempotency`,
    outboxPath: join(dir, 'send-outbox.jsonl'),
    // Drained by the test, so it can look at the outbox first.
    outboxDrainEveryMs: 3_600_000,
    twilio: { accountSid: sim.accountSid, authToken: sim.authToken, baseUrl: twilioFront.url },
    defaultFrom: '+15005550006',
    logLevel: 'SILENT',
  });
  server = await startLocalServer({
    port: 0,
    statusCallback: async () => ({ statusCode: 404 }),
    query: async () => ({ statusCode: 404 }),
    send: sender.handler,
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  sender?.close();
  await sim?.stop();
  await twilioFront?.close();
  await wire?.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  wire.setDown(false);
  twilioFront.cutStoreAfterCreate = false;
});

async function send(request: Record<string, unknown>) {
  const response = await fetch(`${server.url}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: await response.json(),
  };
}

it('refuses a send with 503 while the store is down, before Twilio is called', async () => {
  const before = sim.stats().messages;
  wire.setDown(true);
  const answer = await send({ to: '+14155551234', body: 'not now' });
  expect(answer.status).toBe(503);
  expect(answer.retryAfter).toBe('5');
  expect(answer.body).toMatchObject({ error: { type: 'DependencyUnavailable', retryable: true } });
  expect(JSON.stringify(answer.body)).not.toMatch(/at .+\.ts:\d+|ECONNRESET|socket/);
  expect(sim.stats().messages).toBe(before);
});

it('records every message sent while the store was cut after Twilio accepted it, once the store is back', async () => {
  const sent: Array<{ messageSid: string; clientReference: string }> = [];
  for (let i = 0; i < 5; i++) {
    wire.setDown(false);
    twilioFront.cutStoreAfterCreate = true;
    const clientReference = `outbox-${i}`;
    const answer = await send({
      to: `+1415555${1000 + i}`,
      body: 'cut',
      clientReference,
      tags: { run: 'cut' },
    });
    expect(answer.status).toBe(201);
    sent.push({ messageSid: (answer.body as { messageSid: string }).messageSid, clientReference });
  }
  // Twilio has them all; the store none of them yet; the outbox all five.
  for (const { messageSid } of sent) expect(sim.message(messageSid)).toBeDefined();
  const kept = (await readFile(join(dir, 'send-outbox.jsonl'), 'utf8')).trim().split('\n');
  expect(kept).toHaveLength(5);
  wire.setDown(false);
  twilioFront.cutStoreAfterCreate = false;
  for (const { messageSid } of sent) expect(await db.store.get(messageSid)).toBeUndefined();

  // DynamoDB answers again: the outbox is drained (its timer would do it within seconds).
  expect(await sender.outbox.drain()).toBe(0);
  for (const { messageSid, clientReference } of sent) {
    expect(await db.store.get(messageSid)).toMatchObject({
      messageSid,
      source: 'send',
      clientReference,
      accountSid: sim.accountSid,
      tags: { run: 'cut' },
    });
  }
  expect((await readFile(join(dir, 'send-outbox.jsonl'), 'utf8')).trim()).toBe('');
});
