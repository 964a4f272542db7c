/**
 * Shared pieces of the sender tests: the idempotency table in DynamoDB Local, a recording proxy that
 * counts what reaches the Twilio simulator, a callback sink, and a logger that keeps what it was told.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createIdempotencyStore, ensureIdempotencyTable } from '../../lambda/adapters/secondary/idempotency';
import { createSender, type SenderConfig, type SenderDeps } from '../../lambda/use-cases/send';
import type { TrackerStore } from '../support/dynamodb';
import { environmentCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { createTwilioMessages } from '../../lambda/adapters/secondary/twilio-messages';
import type { TwilioSimulator } from '../../local/twilio-simulator';
import { createDynamoClient } from '../../lambda/adapters/secondary/dynamodb';
import { dynamoEndpoint } from '../support/dynamodb';
import { startStandIn } from '../support/stand-in';

export interface IdempotencyTestTable {
  tableName: string;
  client: DynamoDBClient;
  drop(): Promise<void>;
}

/** A fresh idempotency table (partition key `id`, TTL `expiration`) in the shared DynamoDB Local. */
export async function createIdempotencyTestTable(): Promise<IdempotencyTestTable> {
  const client = createDynamoClient({ endpoint: dynamoEndpoint() });
  const tableName = `idempotency-${randomUUID().slice(0, 8)}`;
  await ensureIdempotencyTable(client, tableName);
  return {
    tableName,
    client,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      client.destroy();
    },
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  form: URLSearchParams;
  /** The status the upstream answered (0 until it did). */
  status: number;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  /** Message creates that reached the server. */
  creates(): RecordedRequest[];
  stop(): Promise<void>;
}

/** Forwards every request to `target` and remembers it: the server-side count of Twilio requests. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        form: new URLSearchParams(body.toString('utf8')),
        status: 0,
      };
      requests.push(entry);
      const upstream = http.request(
        `${target}${req.url ?? '/'}`,
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (answer) => {
          entry.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  const url = await listen(server);
  return {
    url,
    requests,
    creates: () => requests.filter((r) => r.method === 'POST' && /\/Messages\.json$/.test(r.path)),
    stop: () => close(server),
  };
}

export interface CallbackSink {
  url: string;
  /** Paths (with query) that received a callback, one entry per request. */
  received: Array<{ path: string; messageSid: string | null; status: string | null }>;
  stop(): Promise<void>;
}

/** Answers 200 to every status callback and remembers where it came in. */
export async function startCallbackSink(): Promise<CallbackSink> {
  const received: CallbackSink['received'] = [];
  const standIn = await startStandIn((request, response) => {
    const form = new URLSearchParams(request.body);
    received.push({
      path: `${request.url.pathname}${request.url.search}`,
      messageSid: form.get('MessageSid'),
      status: form.get('MessageStatus'),
    });
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  return { url: standIn.url, received, stop: standIn.close };
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

export function recordingLogger() {
  const entries: LogEntry[] = [];
  const log = (level: LogEntry['level']) => (message: string, data?: unknown) =>
    void entries.push({ level, message, data: data as Record<string, unknown> | undefined });
  return {
    entries,
    logger: { info: log('info'), warn: log('warn'), error: log('error') } as unknown as {
      info(message: string, ...rest: unknown[]): void;
      warn(message: string, ...rest: unknown[]): void;
      error(message: string, ...rest: unknown[]): void;
    },
  };
}

/** A sleep that records what it was asked to wait and returns at once. */
export function instantSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** Polls until `check` passes or the time is up (for effects the simulator produces asynchronously). */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The sender the tests use: the simulator's credentials through the recording proxy, real tables. */
export function testSender(
  parts: {
    sim: TwilioSimulator;
    proxy: RecordingProxy;
    store: TrackerStore;
    idempotencyTable: IdempotencyTestTable;
    from: string;
    statusCallbackUrl: string;
  },
  overrides: Omit<Partial<SenderDeps>, 'config'> & { config?: Partial<SenderConfig> } = {},
) {
  const { config, ...rest } = overrides;
  const sleeper = instantSleep();
  const log = recordingLogger();
  const sender = createSender({
    messages: createTwilioMessages({
      credentials: environmentCredentials({
        TWILIO_AUTH_TOKEN: parts.sim.authToken,
        TWILIO_ACCOUNT_SID: parts.sim.accountSid,
      })!,
      baseUrl: parts.proxy.url,
    }),
    store: parts.store,
    idempotency: createIdempotencyStore({
      tableName: parts.idempotencyTable.tableName,
      client: parts.idempotencyTable.client,
    }),
    logger: log.logger,
    sleep: sleeper.sleep,
    random: () => 0.5,
    ...rest,
    config: {
      defaults: { from: parts.from },
      statusCallbackUrl: parts.statusCallbackUrl,
      useServiceCallback: false,
      ...config,
    },
  });
  return { sender, delays: sleeper.delays, logs: log.entries, logger: log.logger };
}
