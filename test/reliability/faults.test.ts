/**
 * Faults the tracker must ride out without losing or corrupting a status:
 *
 * 1. DynamoDB unreachable in the middle of a stream. local/wire-proxy.ts sits between the pipeline's
 *    handlers and DynamoDB Local and cuts every connection for 1.5 s (from the 60th callback, and at least
 *    until one callback was answered 503). The handler answers 503, the
 *    Twilio simulator retries under the callback URL's connection overrides (`#rc=5&rp=5xx,ct`, backoff
 *    250 ms doubling to 1 s: five retries span about 3.75 s, well past the outage), and every final
 *    status must still equal the simulator's truth.
 * 2. A Twilio credentials secret that cannot be read: 503 (Twilio retries), never 403 (which would drop
 *    the callback for good), and nothing is written.
 *
 * The messages are created through the simulator's REST API with a real `twilio` client, so each can
 * carry the connection overrides in its StatusCallback (the pipeline's sender uses the bare callback URL).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '../../lambda/adapters/secondary/dynamodb';
import { createStatusCallbackHandler } from '../../lambda/adapters/primary/status-callback-endpoint';
import { secretCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { compareWithTruth } from '../../local/batch';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import type { LocalServer } from '../../local/server';
import { twilioClientFor } from '../../local/twilio-simulator/client';
import { startWireProxy, type WireProxy } from '../../local/wire-proxy';
import { callbackEvent, formBody, sign, statusParams, TEST_TOKEN } from '../support/callbacks';
import { dynamoEndpoint, trackerStore, useMessageStore } from '../support/dynamodb';
import { rawRequest, serveCallbacks, silentLogger, sleep, tableSnapshot, uniqueSid } from './support';

/** Waits for a condition the test's own traffic makes true; the suite's timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(20);
}

describe('DynamoDB unreachable mid-stream', () => {
  const TOKEN = 'faults-outage-token-0123456789abcd';
  const MESSAGES = 240;
  /** Callbacks sent before the cut: lifecycles run before, during and after it. */
  const OUTAGE_AFTER_CALLBACKS = 60;
  const OUTAGE_MS = 1500;
  let proxy: WireProxy;
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    proxy = await startWireProxy(dynamoEndpoint());
    pipeline = await startLocalPipeline({
      port: 0,
      authToken: TOKEN,
      dynamodbEndpoint: proxy.endpoint,
      tableName: `faults-outage-${Date.now()}`,
      logLevel: 'SILENT',
      twilio: {
        simulator: {
          seed: 20261124,
          stepDelayMs: [20, 80],
          outOfOrderRate: 0.1,
          duplicateRate: 0.05,
          callbackConcurrency: 32,
          // Five retries wait 250 + 500 + 1000 + 1000 + 1000 ms: they outlast the outage.
          retryBackoffMs: [250, 1000],
        },
      },
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await proxy?.close();
  });

  it('answers 503 while DynamoDB is down, and every final status still equals the truth', async () => {
    const simulator = pipeline.simulator!;
    const twilio = twilioClientFor(simulator.url, simulator.accountSid, simulator.authToken);
    const statusCallback = `${pipeline.callbackUrl}#rc=5&rp=5xx,ct`;
    const started = Date.now();

    // Creates spread over ~3 s, so lifecycles run before, during and after the outage.
    const sids: string[] = [];
    let next = 0;
    const creator = async () => {
      while (next < MESSAGES && Date.now() - started < 60_000) {
        const i = next++;
        const to = i % 10 === 0 ? `whatsapp:+1415${5550000 + i}` : `+1415${5550000 + i}`;
        const message = await twilio.messages.create({
          to,
          from: to.startsWith('whatsapp:') ? 'whatsapp:+15005550006' : '+15005550006',
          body: `outage test ${i}`,
          statusCallback,
        });
        sids.push(message.sid);
        await sleep(40);
      }
    };
    // The outage starts once lifecycles are under way and ends no sooner than OUTAGE_MS and the first
    // 503: on a busy machine the first callbacks come late, and a cut no callback meets proves nothing.
    const outage = (async () => {
      await until(() => simulator.stats().callbacksSent >= OUTAGE_AFTER_CALLBACKS);
      proxy.setDown(true);
      const before = pipeline.counts.unavailable;
      const downAt = Date.now();
      // Bounded: a cut that never meets a callback must fail the 503 expectation below, not hang the run.
      await until(
        () =>
          (Date.now() - downAt >= OUTAGE_MS && pipeline.counts.unavailable > before) ||
          Date.now() - downAt >= OUTAGE_MS * 10,
      );
      proxy.setDown(false);
      return pipeline.counts.unavailable - before;
    })();
    await Promise.all(Array.from({ length: 3 }, creator));
    const unavailableDuringOutage = await outage;

    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      simulator.idle(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('simulator not idle after 60 s')), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));

    const comparison = await compareWithTruth(sids, simulator.truth(), (sid) => pipeline.store.get(sid));
    const stats = simulator.stats();
    console.log(
      `outage test: ${sids.length} messages, ${stats.callbacksSent} callbacks, ` +
        `${pipeline.counts.unavailable} answered 503 (${unavailableDuringOutage} during the ${OUTAGE_MS} ms outage), ` +
        `${stats.callbackRetries} retries, ${stats.callbackFailures} abandoned, ` +
        `${comparison.mismatches.length} mismatches, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    expect(sids).toHaveLength(MESSAGES);
    expect(pipeline.counts.unavailable).toBeGreaterThan(0);
    expect(stats.callbackRetries).toBeGreaterThan(0);
    expect(stats.callbackFailures).toBe(0);
    expect(pipeline.counts.rejected).toBe(0);
    expect(comparison.checked).toBe(MESSAGES);
    expect(comparison.mismatches).toEqual([]);
  }, 120_000);
});

describe('one request while DynamoDB is unreachable', () => {
  const db = useMessageStore('faults-single');
  let proxy: WireProxy;

  beforeAll(async () => {
    proxy = await startWireProxy(dynamoEndpoint());
  });
  afterAll(() => proxy.close());

  it('answers 503 with Retry-After and no detail, then 200 once DynamoDB is back', async () => {
    const client = createDynamoClient({
      endpoint: proxy.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
    });
    const handler = createStatusCallbackHandler({
      store: trackerStore(client, db.table.tableName),
      credentials: {
        description: 'test',
        get: async () => ({ authToken: TEST_TOKEN }),
        refresh: async () => undefined,
      },
      logger: silentLogger,
    });
    const sid = uniqueSid();
    const event = callbackEvent({ params: statusParams(sid, 'delivered') });
    try {
      proxy.setDown(true);
      const down = await handler(event);
      expect(down.statusCode).toBe(503);
      expect(down.headers?.['retry-after']).toBe('5');
      expect(String(down.body)).not.toMatch(/\n\s+at |ECONNRESET|socket/i);
      expect(await db.table.client.send(getItem(db.table.tableName, sid))).not.toHaveProperty('Item');

      proxy.setDown(false);
      const up = await handler(event);
      expect(up.statusCode).toBe(200);
      expect((await db.store.get(sid))?.status).toBe('delivered');
    } finally {
      proxy.setDown(false);
      client.destroy();
    }
  });
});

describe('a Twilio credentials secret that cannot be read', () => {
  const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:twilio-unreadable';
  const db = useMessageStore('faults-secret');
  let server: LocalServer;
  let mode: 'throw' | 'reject' | 'no-token' | 'ok' = 'throw';
  let reads = 0;

  beforeAll(async () => {
    const handler = createStatusCallbackHandler({
      store: db.store,
      credentials: secretCredentials({
        secretId: SECRET_ID,
        minRefreshIntervalSeconds: 0,
        read: async () => {
          reads++;
          if (mode === 'throw') throw new Error('AccessDeniedException: not authorised to GetSecretValue');
          if (mode === 'reject') return Promise.reject(new Error('ETIMEDOUT secretsmanager'));
          if (mode === 'no-token') return { accountSid: 'AC' + 'a'.repeat(32) };
          return { authToken: TEST_TOKEN };
        },
      }),
      logger: silentLogger,
    });
    server = await serveCallbacks(handler);
  });
  afterAll(() => server.close());

  async function postSigned(params: ReturnType<typeof statusParams>, signature?: string) {
    const url = `${server.url}/message-status`;
    return rawRequest(server.url, {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === undefined ? { 'x-twilio-signature': sign(TEST_TOKEN, url, params) } : {}),
        ...(signature ? { 'x-twilio-signature': signature } : {}),
      },
      body: formBody(params),
    });
  }

  it.each([
    ['the read throws', 'throw'],
    ['the read rejects', 'reject'],
    ['the secret has no authToken', 'no-token'],
  ] as const)(
    '%s: a validly signed callback gets 503 (not 403) and nothing is written',
    async (_label, m) => {
      mode = m;
      const before = await tableSnapshot(db.table.client, db.table.tableName);
      const answer = await postSigned(statusParams(uniqueSid(), 'delivered'));
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).not.toContain(TEST_TOKEN);
      expect(answer.body).not.toMatch(/AccessDenied|ETIMEDOUT|\n\s+at /);
      expect(await tableSnapshot(db.table.client, db.table.tableName)).toBe(before);
    },
  );

  it('a forged but well-formed signature also gets 503: without the token it cannot be judged', async () => {
    mode = 'throw';
    const answer = await postSigned(statusParams(uniqueSid(), 'delivered'), 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    expect(answer.status).toBe(503);
  });

  it('a request with no signature is refused (403) without reading the secret', async () => {
    mode = 'throw';
    const readsBefore = reads;
    const answer = await postSigned(statusParams(uniqueSid(), 'delivered'), '');
    expect(answer.status).toBe(403);
    expect(reads).toBe(readsBefore);
  });

  it('once the secret can be read again, the same callback is recorded (200)', async () => {
    const sid = uniqueSid();
    mode = 'throw';
    expect((await postSigned(statusParams(sid, 'delivered'))).status).toBe(503);
    mode = 'ok';
    expect((await postSigned(statusParams(sid, 'delivered'))).status).toBe(200);
    expect((await db.store.get(sid))?.status).toBe('delivered');
  });
});

function getItem(tableName: string, messageSid: string): GetCommand {
  return new GetCommand({ TableName: tableName, Key: { messageSid }, ConsistentRead: true });
}
