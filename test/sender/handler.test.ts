/**
 * The sender Lambda's two ways in: a direct invocation and SQS send-queue batches with partial-batch
 * failure reporting. Real simulator (counted by a recording proxy), real DynamoDB Local tables; the wait
 * between retries is injected.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { createSenderHandler } from '../../lambda/adapters/primary/sender-events';
import type { SendResult } from '../../lambda/use-cases/send-results';
import { useMessageStore, type TrackerStore } from '../support/dynamodb';
import {
  createIdempotencyTestTable,
  startRecordingProxy,
  testSender,
  type IdempotencyTestTable,
  type RecordingProxy,
} from './support';
import { STORE_ENV } from '../support/lambda-env';
import { deferredRecordBody } from '../../lambda/domain/deferred-record';

const FROM = '+15005550006';
const TO = '+14155551234';
/** Twilio's magic From that answers 21611 (too many queued): retryable, so it exhausts the attempts. */
const QUEUE_FULL_FROM = '+15005550008';

const db = useMessageStore('sender-handler');
let sim: TwilioSimulator;
let proxy: RecordingProxy;
let idempotencyTable: IdempotencyTestTable;

const context = { getRemainingTimeInMillis: () => 30_000 } as Context;

beforeAll(async () => {
  sim = await startTwilioSimulator({ seed: 5, stepDelayMs: [5, 15] });
  proxy = await startRecordingProxy(sim.url);
  idempotencyTable = await createIdempotencyTestTable();
});

afterAll(async () => {
  await sim.stop();
  await Promise.all([proxy.stop(), idempotencyTable.drop()]);
});

beforeEach(() => {
  proxy.requests.length = 0;
});

function handlerWith(store: TrackerStore = db.store) {
  const { sender, logger, logs } = testSender({
    sim,
    proxy,
    store,
    idempotencyTable,
    from: FROM,
    // The simulator's callbacks go nowhere useful here; these tests are about the send.
    statusCallbackUrl: 'http://127.0.0.1:9/message-status',
  });
  return { handler: createSenderHandler({ sender, logger }), logs };
}

let messageCounter = 0;
function sqsRecord(body: unknown): SQSRecord {
  messageCounter++;
  return {
    messageId: `msg-${messageCounter}`,
    receiptHandle: `rh-${messageCounter}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:send-queue',
    awsRegion: 'eu-west-1',
  };
}

function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

describe('direct invocation', () => {
  it('answers { messageSid, status }', async () => {
    const { handler } = handlerWith();
    const result = (await handler({ to: TO, body: 'direct' }, context)) as SendResult;
    expect(result).toEqual({ messageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued' });
    expect(proxy.creates()).toHaveLength(1);
  });

  it('answers bad input with a typed error, never a thrown one, and sends nothing', async () => {
    const { handler } = handlerWith();
    await expect(handler({ to: 'not-a-number', body: 'x' }, context)).resolves.toEqual({
      error: {
        type: 'ValidationError',
        field: 'to',
        message: '"to" must be an E.164 number (+14155551234) or whatsapp:+E.164',
        retryable: false,
      },
    });
    await expect(handler({ Records: 'nope' } as unknown as SQSEvent, context)).resolves.toMatchObject({
      error: { type: 'ValidationError' },
    });
    expect(proxy.requests).toHaveLength(0);
  });
});

describe('SQS send queue', () => {
  it('reports only the retry-exhausted record as a batch item failure', async () => {
    const { handler, logs } = handlerWith();
    const good = sqsRecord({ to: TO, body: 'good' });
    const permanent = sqsRecord({ to: '+15005550001', body: 'invalid number' });
    const exhausted = sqsRecord({ to: TO, body: 'queue full', from: QUEUE_FULL_FROM });

    const response = (await handler(sqsEvent(good, permanent, exhausted), context)) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: exhausted.messageId }]);
    const creates = proxy.creates();
    expect(creates.filter((r) => r.form.get('Body') === 'good').map((r) => r.status)).toEqual([201]);
    expect(creates.filter((r) => r.form.get('Body') === 'invalid number').map((r) => r.status)).toEqual([
      400,
    ]);
    expect(creates.filter((r) => r.form.get('Body') === 'queue full')).toHaveLength(4);
    expect(logs).toContainEqual({
      level: 'warn',
      message: 'send request dropped: Twilio rejected it',
      data: { messageId: permanent.messageId, type: 'TwilioRejected', code: 21211, httpStatus: 400 },
    });
  });

  it('drops a record that can never succeed (not JSON, invalid) without a request', async () => {
    const { handler, logs } = handlerWith();
    const notJson = sqsRecord('{"to": ');
    const invalid = sqsRecord({ to: TO });
    const response = (await handler(sqsEvent(notJson, invalid), context)) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    expect(proxy.requests).toHaveLength(0);
    expect(logs.filter((l) => l.level === 'error').map((l) => l.data?.messageId)).toEqual(
      expect.arrayContaining([notJson.messageId, invalid.messageId]),
    );
  });

  it('a redelivered batch sends each idempotency key once', async () => {
    const { handler } = handlerWith();
    const record = sqsRecord({ to: TO, body: 'redelivered', idempotencyKey: `order-${Date.now()}` });

    const first = (await handler(sqsEvent(record), context)) as SQSBatchResponse;
    const again = (await handler(sqsEvent(record), context)) as SQSBatchResponse;
    // Another container receiving the same message.
    const elsewhere = (await handlerWith().handler(sqsEvent(record), context)) as SQSBatchResponse;

    expect([first, again, elsewhere].map((r) => r.batchItemFailures)).toEqual([[], [], []]);
    expect(proxy.creates()).toHaveLength(1);
  });

  it('the same key twice in one batch: one send; a record caught in progress is redelivered', async () => {
    const { handler } = handlerWith();
    const payload = { to: TO, body: 'duplicate in batch', idempotencyKey: `order-dup-${Date.now()}` };
    const a = sqsRecord(payload);
    const b = sqsRecord(payload);

    const response = (await handler(sqsEvent(a, b), context)) as SQSBatchResponse;
    expect(response.batchItemFailures.length).toBeLessThanOrEqual(1);
    const redelivered = [a, b].filter((r) =>
      response.batchItemFailures.some((f) => f.itemIdentifier === r.messageId),
    );
    if (redelivered.length > 0) {
      const retry = (await handler(sqsEvent(...redelivered), context)) as SQSBatchResponse;
      expect(retry.batchItemFailures).toEqual([]);
    }
    expect(proxy.creates()).toHaveLength(1);
  });

  it('a batch in which every record fails is reported record by record (no thrown error)', async () => {
    const { handler } = handlerWith();
    const records = [1, 2].map((i) => sqsRecord({ to: TO, body: `full ${i}`, from: QUEUE_FULL_FROM }));
    const response = (await handler(sqsEvent(...records), context)) as SQSBatchResponse;
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      records.map((r) => r.messageId).sort(),
    );
  });
});

describe('a deferred record on the send queue (the outbox of a send the store missed)', () => {
  const sid = () => `SM${Date.now().toString(16).padStart(32, '0')}`;
  const deferred = (messageSid: string, more: Record<string, unknown> = {}) => ({
    messageSid,
    status: 'queued',
    observedAt: new Date().toISOString(),
    source: 'send',
    to: TO,
    from: FROM,
    clientReference: 'from-the-outbox',
    tags: { tenant: 'acme' },
    ...more,
  });

  it('is written to the store, with no request to Twilio', async () => {
    const { handler } = handlerWith();
    const messageSid = sid();
    const record = sqsRecord(deferredRecordBody(deferred(messageSid) as never));
    const response = (await handler(sqsEvent(record), context)) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    expect(proxy.requests).toHaveLength(0);
    expect(await db.store.get(messageSid)).toMatchObject({
      source: 'send',
      to: TO,
      clientReference: 'from-the-outbox',
      tags: { tenant: 'acme' },
    });
  });

  it('stays on the queue (a batch item failure) while the store is still down', async () => {
    const { handler } = handlerWith(db.unreachableStore());
    const record = sqsRecord(deferredRecordBody(deferred(sid()) as never));
    const response = (await handler(sqsEvent(record), context)) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
  });

  it('is dropped, and logged, when it is not one the sender wrote', async () => {
    const { handler, logs } = handlerWith();
    const messageSid = sid();
    const forged = sqsRecord({
      recordAfterSend: deferred(messageSid, { source: 'callback', status: 'read' }),
    });
    const response = (await handler(sqsEvent(forged), context)) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    expect(await db.store.get(messageSid)).toBeUndefined();
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'deferred record dropped: not one the sender wrote',
      }),
    );
  });
});

describe('the Lambda module (handlers/sender.ts) wired from the environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('sends through TWILIO_API_BASE_URL and records in TABLE_NAME', async () => {
    Object.assign(process.env, {
      TABLE_NAME: db.table.tableName,
      ...STORE_ENV,
      IDEMPOTENCY_TABLE_NAME: idempotencyTable.tableName,
      TWILIO_AUTH_TOKEN: sim.authToken,
      TWILIO_ACCOUNT_SID: sim.accountSid,
      TWILIO_API_BASE_URL: proxy.url,
      STATUS_CALLBACK_URL: 'http://127.0.0.1:9/message-status',
      DEFAULT_FROM: FROM,
      SEND_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/send-queue',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    // Powertools Metrics writes EMF lines to stdout; keep them to check what the dashboard reads.
    const emf: Array<Record<string, unknown>> = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      const text = String(chunk);
      if (text.includes('"_aws"')) emf.push(JSON.parse(text) as Record<string, unknown>);
      return true;
    });
    const key = `wired-${Date.now()}`;
    let direct: SendResult | undefined;
    let batch: SQSBatchResponse | undefined;
    try {
      // The calls run inside the isolated registry too: the twilio client the sender imports at its
      // first send (a dynamic import) must share its error classes, as it does in the one bundle.
      await jest.isolateModulesAsync(async () => {
        const mod =
          (await import('../../lambda/handlers/sender')) as typeof import('../../lambda/handlers/sender');
        direct = (await mod.handler({ to: TO, body: 'wired', idempotencyKey: key }, context)) as SendResult;
        batch = (await mod.handler(
          sqsEvent(sqsRecord({ to: TO, body: 'wired', idempotencyKey: key })),
          context,
        )) as SQSBatchResponse;
        await mod.handler({ to: '+15005550004', body: 'unsubscribed' }, context);
      });
    } finally {
      write.mockRestore();
    }

    // One message created (the redelivery is not a send), one permanent failure.
    expect(emf).toEqual([
      expect.objectContaining({ service: 'sender', MessagesSent: 1 }),
      expect.objectContaining({ service: 'sender', SendFailures: 1 }),
    ]);
    expect(JSON.stringify(emf[0])).toContain('"Namespace":"TwilioStatusTracker"');

    expect(batch?.batchItemFailures).toEqual([]);
    expect(proxy.creates().map((r) => r.status)).toEqual([201, 400]);
    const messageSid = (direct as { messageSid: string }).messageSid;
    expect(await db.store.get(messageSid)).toMatchObject({ source: 'send', to: TO, from: FROM });
  });

  it('fails its cold start when a required setting is missing', () => {
    Object.assign(process.env, {
      TABLE_NAME: db.table.tableName,
      ...STORE_ENV,
      IDEMPOTENCY_TABLE_NAME: idempotencyTable.tableName,
      TWILIO_AUTH_TOKEN: 't',
      SEND_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/send-queue',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    delete process.env.STATUS_CALLBACK_URL;
    delete process.env.USE_SERVICE_CALLBACK;
    expect(() =>
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../../lambda/handlers/sender');
      }),
    ).toThrow(/STATUS_CALLBACK_URL/);
  });
});
