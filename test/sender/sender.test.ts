/**
 * The send use case against the Twilio simulator (behind a recording proxy that counts what reaches it)
 * and the real store and idempotency tables in DynamoDB Local. Only the wait between retries is
 * injected, so no test sleeps.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { StoreUnavailableError } from '../../lambda/use-cases/ports';
import { environmentCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { createTwilioMessages } from '../../lambda/adapters/secondary/twilio-messages';
import { createIdempotencyStore } from '../../lambda/adapters/secondary/idempotency';
import { recordSendMetrics } from '../../lambda/adapters/primary/send-metrics';
import { isSendFailure, type SendOutcome, type SendResult } from '../../lambda/use-cases/send-results';
import type { StatusObservation } from '../../lambda/domain/observation';
import { useMessageStore } from '../support/dynamodb';
import { freePort } from '../../local/free-port';
import {
  createIdempotencyTestTable,
  eventually,
  startCallbackSink,
  startRecordingProxy,
  testSender,
  type CallbackSink,
  type IdempotencyTestTable,
  type RecordingProxy,
} from './support';

const SERVICE = 'MG' + '0123456789abcdef'.repeat(2);
const FROM = '+15005550006';
const TO = '+14155551234';

const db = useMessageStore('sender');
let sim: TwilioSimulator;
let proxy: RecordingProxy;
let sink: CallbackSink;
let idempotencyTable: IdempotencyTestTable;
let callbackUrl: string;

beforeAll(async () => {
  sim = await startTwilioSimulator({ seed: 11, stepDelayMs: [5, 15], duplicateRate: 0, outOfOrderRate: 0 });
  proxy = await startRecordingProxy(sim.url);
  sink = await startCallbackSink();
  callbackUrl = `${sink.url}/message-status#rc=2`;
  sim.createService({ sid: SERVICE, statusCallback: `${sink.url}/service-callback` });
  idempotencyTable = await createIdempotencyTestTable();
});

afterAll(async () => {
  await sim.stop();
  await Promise.all([proxy.stop(), sink.stop(), idempotencyTable.drop()]);
});

beforeEach(() => {
  proxy.requests.length = 0;
  sim.setOptions({ createFailures: [] });
});

function senderWith(overrides: Parameters<typeof testSender>[1] = {}) {
  return testSender(
    { sim, proxy, store: db.store, idempotencyTable, from: FROM, statusCallbackUrl: callbackUrl },
    overrides,
  );
}

function success(result: SendResult) {
  if (isSendFailure(result)) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result;
}

function failure(result: SendResult) {
  if (!isSendFailure(result)) throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

async function countItems(tableName: string, client = db.table.client): Promise<number> {
  const result = await client.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
  return result.Count ?? 0;
}

let reference = 0;
const nextReference = () => `order-${++reference}`;

describe('a send is recorded at once (source "send")', () => {
  it('stores what Twilio returned, with the sender fields', async () => {
    const { sender } = senderWith();
    const clientReference = nextReference();
    const result = success(await sender.send({ to: TO, body: 'Hello', clientReference }));

    expect(result.status).toBe('queued');
    expect(proxy.creates()).toHaveLength(1);
    const simulated = sim.message(result.messageSid)!;
    const record = await db.store.get(result.messageSid);
    expect(record).toMatchObject({
      messageSid: result.messageSid,
      source: 'send',
      to: TO,
      from: FROM,
      clientReference,
      accountSid: sim.accountSid,
      // Twilio's date_created has whole seconds.
      createdAt: new Date(Math.floor(simulated.dateCreated.getTime() / 1000) * 1000).toISOString(),
      final: false,
    });
    expect(record?.statusTimes.queued).toBeDefined();
  });

  it('answers "accepted" through a Messaging Service and records the service', async () => {
    const { sender } = senderWith({ config: { defaults: { messagingServiceSid: SERVICE } } });
    const result = success(await sender.send({ to: TO, body: 'Hello' }));
    expect(result.status).toBe('accepted');
    expect(await db.store.get(result.messageSid)).toMatchObject({
      status: expect.any(String),
      messagingServiceSid: SERVICE,
      statusTimes: expect.objectContaining({ accepted: expect.any(String) }),
    });
  });
});

describe('the early-callback race: a callback recorded before the sender writes', () => {
  it.each(['sent', 'delivered'])(
    'a "%s" callback keeps its status; the sender fills its fields',
    async (status) => {
      // The callback lands between Twilio's answer and the sender's own write.
      const racingStore = {
        checkReachable: () => db.store.checkReachable(),
        apply: async (observation: StatusObservation) => {
          await db.store.apply({
            messageSid: observation.messageSid,
            status,
            observedAt: new Date().toISOString(),
            source: 'callback',
            accountSid: sim.accountSid,
          });
          return db.store.apply(observation);
        },
      };
      const { sender } = senderWith({ store: racingStore });
      const clientReference = nextReference();
      const result = success(await sender.send({ to: TO, body: 'race', clientReference }));

      const record = await db.store.get(result.messageSid);
      expect(record).toMatchObject({
        status,
        source: 'callback',
        to: TO,
        from: FROM,
        clientReference,
        callbackCount: 1,
      });
      expect(Object.keys(record!.statusTimes).sort()).toEqual([status, 'queued'].sort());
    },
  );
});

describe('idempotency', () => {
  it('sends a key once and answers the same messageSid again', async () => {
    const { sender } = senderWith();
    const request = { to: TO, body: 'once', idempotencyKey: `key-${nextReference()}` };
    const first = success(await sender.send(request));
    const second = success(await sender.send(request));

    expect(second).toEqual(first);
    expect(proxy.creates()).toHaveLength(1);
    expect(sim.messages().filter((m) => m.body === 'once')).toHaveLength(1);
  });

  it('remembers the key across sender instances (another container, a redelivery)', async () => {
    const request = { to: TO, body: 'twice', idempotencyKey: `key-${nextReference()}` };
    const first = success(await senderWith().sender.send(request));
    const second = success(await senderWith().sender.send(request));
    expect(second.messageSid).toBe(first.messageSid);
    expect(proxy.creates()).toHaveLength(1);
  });

  it('answers a concurrent repeat with InProgress (retryable), never a second send', async () => {
    const { sender } = senderWith();
    const request = { to: TO, body: 'concurrent', idempotencyKey: `key-${nextReference()}` };
    const results = await Promise.all([sender.send(request), sender.send(request)]);

    expect(proxy.creates()).toHaveLength(1);
    const sids = results
      .filter((r) => !isSendFailure(r))
      .map((r) => (r as { messageSid: string }).messageSid);
    expect(sids.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sids).size).toBe(1);
    for (const r of results.filter(isSendFailure)) {
      expect(r.error).toMatchObject({ type: 'InProgress', retryable: true });
    }
  });

  it('refuses the same key with a different message (IdempotencyConflict), without sending', async () => {
    const { sender } = senderWith();
    const idempotencyKey = `key-${nextReference()}`;
    success(await sender.send({ to: TO, body: 'original', idempotencyKey }));
    const error = failure(await sender.send({ to: TO, body: 'changed', idempotencyKey }));
    expect(error).toMatchObject({ type: 'IdempotencyConflict', retryable: false });
    expect(proxy.creates()).toHaveLength(1);
  });

  it('reports a send once to metrics, however often the key is repeated', async () => {
    const outcomes: SendOutcome[] = [];
    const { sender } = senderWith({ onOutcome: (o) => outcomes.push(o) });
    const request = { to: TO, body: 'counted', idempotencyKey: `key-${nextReference()}` };
    await sender.send(request);
    await sender.send(request);
    await sender.send({ to: '+15005550001', body: 'x' });
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'failed']);

    const counted: string[] = [];
    const metrics = { addMetric: (name: string) => void counted.push(name) };
    for (const outcome of outcomes) recordSendMetrics(metrics as never, outcome);
    recordSendMetrics(metrics as never, {
      kind: 'failed',
      error: { type: 'InProgress', message: 'busy', retryable: true },
    });
    expect(counted).toEqual(['MessagesSent', 'SendFailures']);
  });

  it('sends nothing when the idempotency table cannot be reached (retryable)', async () => {
    const { sender } = senderWith({
      idempotency: createIdempotencyStore({ tableName: 'no-such-table', client: idempotencyTable.client }),
    });
    const error = failure(await sender.send({ to: TO, body: 'x', idempotencyKey: `key-${nextReference()}` }));
    expect(error).toEqual({
      type: 'DependencyUnavailable',
      message: 'idempotency store unavailable',
      retryable: true,
    });
    expect(proxy.requests).toHaveLength(0);
  });

  it('sends every time without a key (no idempotency)', async () => {
    const { sender } = senderWith();
    const request = { to: TO, body: 'no key' };
    const first = success(await sender.send(request));
    const second = success(await sender.send(request));
    expect(second.messageSid).not.toBe(first.messageSid);
    expect(proxy.creates()).toHaveLength(2);
  });

  it('refuses a send with DependencyUnavailable while the store does not answer, before Twilio', async () => {
    const { sender } = senderWith({ store: db.unreachableStore() });
    const error = failure(await sender.send({ to: TO, body: 'store down' }));
    expect(error).toMatchObject({ type: 'DependencyUnavailable', retryable: true });
    expect(proxy.creates()).toHaveLength(0);
  });

  it('keeps the record in the outbox when the write fails after Twilio accepted, and writes it later', async () => {
    const failingStore = {
      checkReachable: () => db.store.checkReachable(),
      apply: async () => {
        throw new StoreUnavailableError(new Error('connection reset'));
      },
    };
    const kept: StatusObservation[] = [];
    const outcomes: SendOutcome[] = [];
    const { sender } = senderWith({
      store: failingStore,
      outbox: { put: async (observation) => void kept.push(observation) },
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    const clientReference = nextReference();
    const result = success(await sender.send({ to: TO, body: 'kept', clientReference, tags: { a: 'b' } }));
    expect(kept).toEqual([expect.objectContaining({ messageSid: result.messageSid, clientReference })]);
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'deferred']);
    expect(await db.store.get(result.messageSid)).toBeUndefined();

    // The store is back: what the outbox kept is written as the send would have written it.
    const { sender: later } = senderWith();
    await later.recordDeferred(kept[0]!);
    expect(await db.store.get(result.messageSid)).toMatchObject({
      source: 'send',
      to: TO,
      from: FROM,
      clientReference,
      tags: { a: 'b' },
    });
  });

  it('keeps the success when the store write fails after Twilio accepted (no second send)', async () => {
    // The store answers the check before Twilio, then fails the write after it.
    const failingStore = {
      checkReachable: () => db.store.checkReachable(),
      apply: async () => {
        throw new StoreUnavailableError(new Error('ProvisionedThroughputExceededException'));
      },
    };
    const { sender, logs } = senderWith({ store: failingStore });
    const request = { to: TO, body: 'unrecorded', idempotencyKey: `key-${nextReference()}` };
    const first = success(await sender.send(request));
    const second = success(await sender.send(request));
    expect(second).toEqual(first);
    expect(proxy.creates()).toHaveLength(1);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/not recorded/) }),
    );
  });
});

describe('Twilio errors', () => {
  it.each([
    ['+15005550001', 21211, "The 'To' number +15005550001 is not a valid phone number."],
    ['+15005550004', 21610, 'Attempt to send to unsubscribed recipient'],
    ['+15005550009', 21614, "'To' number +15005550009 is not a valid mobile number"],
  ])('a permanent error (%s) is returned with its code after one request', async (to, code, message) => {
    const { sender, delays, logs } = senderWith();
    const error = failure(await sender.send({ to, body: 'x' }));

    expect(error).toEqual({
      type: 'TwilioRejected',
      code,
      httpStatus: 400,
      message,
      moreInfo: `https://www.twilio.com/docs/errors/${code}`,
      retryable: false,
    });
    expect(proxy.creates()).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', data: expect.objectContaining({ code }) }),
    );
    // Phone numbers are personal data: the log keeps a masked form only.
    expect(JSON.stringify(logs)).not.toContain(to);
  });

  it('a permanent error under a key is final: the repeat answers it without a request', async () => {
    const { sender } = senderWith();
    const request = { to: '+15005550001', body: 'x', idempotencyKey: `key-${nextReference()}` };
    const first = failure(await sender.send(request));
    const second = failure(await sender.send(request));
    expect(second).toEqual(first);
    expect(proxy.creates()).toHaveLength(1);
  });

  it('429 then 503 then success: sent after retries, waiting at least Retry-After', async () => {
    sim.setOptions({
      createFailures: [
        { status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 3 },
        { status: 503, code: 20503, message: 'Service unavailable' },
      ],
    });
    const { sender, delays } = senderWith();
    const result = success(await sender.send({ to: TO, body: 'after retries' }));

    expect(proxy.creates().map((r) => r.status)).toEqual([429, 503, 201]);
    // random() = 0.5: backoff(1) = 125 ms < Retry-After 3 s; backoff(2) = 250 ms.
    expect(delays).toEqual([3000, 250]);
    expect(await db.store.get(result.messageSid)).toMatchObject({ source: 'send', to: TO });
  });

  it('gives up after the attempt limit with a retryable TwilioUnavailable', async () => {
    const outage = { status: 503, code: 20503, message: 'Service unavailable' };
    sim.setOptions({ createFailures: [outage, outage, outage, outage, outage] });
    const { sender, delays } = senderWith({ retry: { maxAttempts: 4 } });
    const error = failure(await sender.send({ to: TO, body: 'outage' }));

    expect(error).toEqual({
      type: 'TwilioUnavailable',
      code: 20503,
      httpStatus: 503,
      message: 'Service unavailable',
      attempts: 4,
      retryable: true,
    });
    expect(proxy.creates()).toHaveLength(4);
    // Exponential: 0.5 x 250, 500, 1000.
    expect(delays).toEqual([125, 250, 500]);
  });

  it('does not wait for a Retry-After longer than the limit; the caller retries later', async () => {
    sim.setOptions({
      createFailures: [{ status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 60 }],
    });
    const { sender, delays } = senderWith();
    const error = failure(await sender.send({ to: TO, body: 'slow down' }));
    expect(error).toMatchObject({ type: 'TwilioUnavailable', code: 20429, attempts: 1, retryable: true });
    expect(delays).toEqual([]);
  });

  it('in Lambda, does not start a retry the invocation cannot finish', async () => {
    sim.setOptions({ createFailures: [{ status: 503, code: 20503, message: 'Service unavailable' }] });
    const { sender, delays } = senderWith();
    sender.registerLambdaContext({ getRemainingTimeInMillis: () => 5_000 });
    const error = failure(await sender.send({ to: TO, body: 'short on time' }));
    expect(error).toMatchObject({ type: 'TwilioUnavailable', attempts: 1, retryable: true });
    expect(delays).toEqual([]);
    expect(proxy.creates()).toHaveLength(1);
  });

  it('retry exhaustion under a key leaves the key free: a later retry sends', async () => {
    const outage = { status: 500, code: 20500, message: 'Internal error' };
    sim.setOptions({ createFailures: [outage, outage] });
    const { sender } = senderWith({ retry: { maxAttempts: 2 } });
    const request = { to: TO, body: 'eventually', idempotencyKey: `key-${nextReference()}` };
    expect(failure(await sender.send(request)).type).toBe('TwilioUnavailable');
    const result = success(await sender.send(request));
    expect(proxy.creates().map((r) => r.status)).toEqual([500, 500, 201]);
    expect(success(await sender.send(request))).toEqual(result);
  });

  it('retries network errors, then reports TwilioUnavailable', async () => {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const { sender, delays } = senderWith({
      messages: createTwilioMessages({
        credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: 't', TWILIO_ACCOUNT_SID: sim.accountSid })!,
        baseUrl: url,
      }),
    });
    const error = failure(await sender.send({ to: TO, body: 'offline' }));
    expect(error).toMatchObject({ type: 'TwilioUnavailable', attempts: 4, retryable: true });
    expect(error).not.toHaveProperty('httpStatus');
    expect(delays).toHaveLength(3);
  });

  it('refused credentials are not retried now but are retryable later', async () => {
    const { sender } = senderWith({
      messages: createTwilioMessages({
        credentials: environmentCredentials({
          TWILIO_AUTH_TOKEN: 'wrong',
          TWILIO_ACCOUNT_SID: sim.accountSid,
        })!,
        baseUrl: proxy.url,
      }),
    });
    const error = failure(await sender.send({ to: TO, body: 'x' }));
    expect(error).toMatchObject({ type: 'TwilioUnavailable', httpStatus: 401, code: 20003, attempts: 1 });
    expect(proxy.creates()).toHaveLength(1);
  });
});

describe('invalid input never reaches Twilio', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['bad E.164', { to: '4155551234', body: 'x' }, 'to'],
    ['bad WhatsApp address', { to: 'whatsapp:4155551234', body: 'x' }, 'to'],
    ['missing body and media', { to: TO }, 'body'],
    [
      'both from and messagingServiceSid',
      { to: TO, body: 'x', from: FROM, messagingServiceSid: SERVICE },
      'from',
    ],
    ['body over 1600 characters', { to: TO, body: 'x'.repeat(1601) }, 'body'],
    ['http media URL', { to: TO, mediaUrls: ['http://example.com/cat.jpg'] }, 'mediaUrls[0]'],
    ['malformed media URL', { to: TO, mediaUrls: ['cat.jpg'] }, 'mediaUrls[0]'],
    ['clientReference too long', { to: TO, body: 'x', clientReference: 'r'.repeat(257) }, 'clientReference'],
    ['unknown field', { to: TO, body: 'x', sendAt: 'tomorrow' }, 'sendAt'],
  ];

  it.each(cases)('%s', async (_name, request, field) => {
    const { sender } = senderWith();
    const error = failure(await sender.send({ ...request, idempotencyKey: `key-${nextReference()}` }));
    expect(error).toMatchObject({ type: 'ValidationError', field, retryable: false });
    expect(error.message).toEqual(expect.any(String));
    expect(proxy.requests).toHaveLength(0);
  });

  it('neither from nor messagingServiceSid when no default is configured', async () => {
    const { sender } = senderWith({ config: { defaults: {} } });
    const error = failure(await sender.send({ to: TO, body: 'x' }));
    expect(error).toMatchObject({ type: 'ValidationError', field: 'from' });
    expect(proxy.requests).toHaveLength(0);
  });

  it('leaves nothing in the idempotency table or the message table', async () => {
    const { sender } = senderWith();
    const before = await countItems(idempotencyTable.tableName, idempotencyTable.client);
    const beforeMessages = await countItems(db.table.tableName);
    for (const [, request] of cases)
      await sender.send({ ...request, idempotencyKey: `key-${nextReference()}` });
    expect(await countItems(idempotencyTable.tableName, idempotencyTable.client)).toBe(before);
    expect(await countItems(db.table.tableName)).toBe(beforeMessages);
  });
});

describe('status callbacks: per message, or the Messaging Service’s own (reference 002, scenarios 1 and 2)', () => {
  it('scenario 1: every create carries the configured StatusCallback, and callbacks arrive there', async () => {
    const { sender } = senderWith();
    const result = success(await sender.send({ to: TO, body: 'scenario 1' }));
    expect(proxy.creates()[0]?.form.get('StatusCallback')).toBe(callbackUrl);
    await eventually(() => sink.received.some((c) => c.messageSid === result.messageSid));
    expect(
      sink.received
        .filter((c) => c.messageSid === result.messageSid)
        .every((c) => c.path === '/message-status'),
    ).toBe(true);
  });

  it('a Messaging Service send still carries the URL unless USE_SERVICE_CALLBACK is set', async () => {
    const { sender } = senderWith();
    success(await sender.send({ to: TO, body: 'service, message-level URL', messagingServiceSid: SERVICE }));
    expect(proxy.creates()[0]?.form.get('StatusCallback')).toBe(callbackUrl);
  });

  it('scenario 2: with USE_SERVICE_CALLBACK the create carries none and the service callback is used', async () => {
    const { sender } = senderWith({
      config: { defaults: { messagingServiceSid: SERVICE }, useServiceCallback: true },
    });
    const result = success(await sender.send({ to: TO, body: 'scenario 2' }));
    const create = proxy.creates()[0]!;
    expect(create.form.has('StatusCallback')).toBe(false);
    expect(create.form.get('MessagingServiceSid')).toBe(SERVICE);
    await eventually(() => sink.received.some((c) => c.messageSid === result.messageSid));
    expect(
      sink.received
        .filter((c) => c.messageSid === result.messageSid)
        .every((c) => c.path === '/service-callback'),
    ).toBe(true);
  });

  it('with USE_SERVICE_CALLBACK, a bare "from" (no service) still carries the URL', async () => {
    const { sender } = senderWith({ config: { useServiceCallback: true } });
    success(await sender.send({ to: TO, body: 'no service', from: FROM }));
    expect(proxy.creates()[0]?.form.get('StatusCallback')).toBe(callbackUrl);
  });

  it('with USE_SERVICE_CALLBACK and no URL configured, a service send carries none', async () => {
    const { sender } = senderWith({
      config: {
        defaults: { messagingServiceSid: SERVICE },
        useServiceCallback: true,
        statusCallbackUrl: undefined,
      },
    });
    success(await sender.send({ to: TO, body: 'x' }));
    expect(proxy.creates()[0]?.form.has('StatusCallback')).toBe(false);
  });
});

describe('what the create request carries', () => {
  it('sends body, media, sender and recipient as Twilio parameters', async () => {
    const { sender } = senderWith({ config: { defaults: { from: FROM, allowHttpMedia: true } } });
    const result = success(
      await sender.send({
        to: TO,
        body: 'look',
        mediaUrls: ['https://example.com/a.jpg', 'http://localhost/b.png'],
      }),
    );
    const form = proxy.creates()[0]!.form;
    expect(form.get('To')).toBe(TO);
    expect(form.get('From')).toBe(FROM);
    expect(form.get('Body')).toBe('look');
    expect(form.getAll('MediaUrl')).toEqual(['https://example.com/a.jpg', 'http://localhost/b.png']);
    expect(result.messageSid).toMatch(/^MM[0-9a-f]{32}$/);
  });
});
