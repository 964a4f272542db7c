/**
 * The callback endpoint's contract (docs/ARCHITECTURE.md) with the real handler factory, real signature validation
 * and the real store on DynamoDB Local. Faults a real component cannot produce on demand (a secret that
 * cannot be read) are injected at the credentials boundary.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import {
  createStatusCallbackHandler,
  type StatusCallbackDeps,
} from '../../lambda/adapters/primary/status-callback-endpoint';
import {
  environmentCredentials,
  secretCredentials,
} from '../../lambda/adapters/secondary/twilio-credentials';
import type { CredentialsSource } from '../../lambda/use-cases/ports';
import { useMessageStore } from '../support/dynamodb';
import {
  callbackEvent,
  type CallbackEventOptions,
  CALLBACK_HOST,
  formBody,
  sign,
  statusParams,
  TEST_TOKEN,
  testSid,
} from '../support/callbacks';

const db = useMessageStore('callback');
const logs: Array<{ level: string; message: string; data: unknown }> = [];
const logger: StatusCallbackDeps['logger'] = {
  info: (message: string, data?: unknown) => void logs.push({ level: 'info', message, data }),
  warn: (message: string, data?: unknown) => void logs.push({ level: 'warn', message, data }),
  error: (message: string, data?: unknown) => void logs.push({ level: 'error', message, data }),
} as StatusCallbackDeps['logger'];

const tokenSource = environmentCredentials({ TWILIO_AUTH_TOKEN: TEST_TOKEN })!;

function handlerWith(overrides: Partial<StatusCallbackDeps> = {}) {
  return createStatusCallbackHandler({ store: db.store, credentials: tokenSource, logger, ...overrides });
}

/** Builds a `sent` callback for a new message, signed as Twilio signs it but for what `change` alters. */
const sent =
  (change: Partial<CallbackEventOptions> = {}) =>
  () =>
    callbackEvent({ params: statusParams(testSid(), 'sent'), ...change });

async function itemCount(): Promise<number> {
  const result = await db.table.client.send(
    new ScanCommand({ TableName: db.table.tableName, Select: 'COUNT' }),
  );
  return result.Count ?? 0;
}

describe("Twilio's documented signature example", () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };

  it('validates with auth token 12345', () => {
    expect(validateRequest('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(true);
    expect(validateRequest('12346', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(false);
  });

  it('passes the handler signature check when delivered through API Gateway with its query string', async () => {
    const before = await itemCount();
    const handler = handlerWith({ credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: '12345' })! });
    const event = callbackEvent({
      host: 'mycompany.com',
      path: '/myapp.php',
      query: 'foo=1&bar=2',
      params: Object.entries(params),
      signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
    });
    const response = await handler(event);
    // The signature is good; a voice callback has no MessageSid, so the fields check answers 400.
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body as string).error).toMatch(/MessageSid/);
    expect(await itemCount()).toBe(before);
  });
});

describe('a valid callback as API Gateway delivers it', () => {
  it('is stored, base64 body and all', async () => {
    const sid = testSid();
    const event = callbackEvent({
      params: statusParams(sid, 'delivered', [['RawDlrDoneDate', '2611231042']]),
    });
    expect(event.isBase64Encoded).toBe(true);
    const response = await handlerWith()(event);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body as string)).toEqual({ outcome: 'advanced' });
    expect(await db.store.get(sid)).toMatchObject({
      messageSid: sid,
      status: 'delivered',
      final: true,
      to: '+14155551234',
      rawDlrDoneDate: '2611231042',
      dlrDoneAt: '2026-11-23T10:42:00.000Z',
      callbackCount: 1,
      source: 'callback',
    });
  });

  it('answers 200 to a duplicate without writing again', async () => {
    const sid = testSid();
    const event = callbackEvent({ params: statusParams(sid, 'sent') });
    await handlerWith()(event);
    const response = await handlerWith()(event);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body as string)).toEqual({ outcome: 'duplicate' });
    expect((await db.store.get(sid))?.callbackCount).toBe(1);
  });

  it('accepts and ignores inbound statuses without writing', async () => {
    const before = await itemCount();
    const response = await handlerWith()(callbackEvent({ params: statusParams(testSid(), 'received') }));
    expect(response.statusCode).toBe(200);
    expect(await itemCount()).toBe(before);
  });

  it('validates against PUBLIC_BASE_URL (custom domain) instead of the API Gateway host', async () => {
    const sid = testSid();
    const params = statusParams(sid, 'sent');
    const event = callbackEvent({ params, signedUrl: 'https://hooks.example.com/message-status' });
    expect((await handlerWith()(event)).statusCode).toBe(403);
    const response = await handlerWith({ publicBaseUrl: 'https://hooks.example.com' })(event);
    expect(response.statusCode).toBe(200);
  });

  it('refuses, at cold start, a PUBLIC_BASE_URL with a path (signatures could never match)', () => {
    expect(() => handlerWith({ publicBaseUrl: 'https://hooks.example.com/twilio' })).toThrow(
      /PUBLIC_BASE_URL/,
    );
  });

  it('accepts the secondary token during a rotation', async () => {
    const credentials = environmentCredentials({
      TWILIO_AUTH_TOKEN: 'old-primary-token',
      TWILIO_SECONDARY_AUTH_TOKEN: 'new-secondary-token',
    })!;
    const sid = testSid();
    const event = callbackEvent({ params: statusParams(sid, 'sent'), token: 'new-secondary-token' });
    expect((await handlerWith({ credentials })(event)).statusCode).toBe(200);
  });

  it('masks phone numbers in its logs', async () => {
    logs.length = 0;
    await handlerWith()(callbackEvent({ params: statusParams(testSid(), 'queued') }));
    const text = JSON.stringify(logs);
    expect(text).not.toContain('+14155551234');
    expect(text).not.toContain('+15017250604');
    expect(text).toContain('+14*******34');
  });
});

describe('every 4xx answers as specified and writes nothing', () => {
  const big = 'x'.repeat(17 * 1024);
  const cases: Array<[string, () => ReturnType<typeof callbackEvent>, number]> = [
    ['GET', sent({ method: 'GET' }), 405],
    ['PUT', sent({ method: 'PUT' }), 405],
    ['JSON body', sent({ contentType: 'application/json' }), 415],
    ['no content type', sent({ contentType: '' }), 415],
    [
      'body over 16 KiB',
      () => callbackEvent({ params: statusParams(testSid(), 'sent', [['Padding', big]]) }),
      413,
    ],
    ['no signature', sent({ signature: null }), 403],
    ['garbage signature', sent({ signature: 'abc' }), 403],
    ['wrong token', sent({ token: 'another-token' }), 403],
    ['signed for another URL', sent({ signedUrl: 'https://evil.example/message-status' }), 403],
    [
      'tampered status',
      () => {
        const sid = testSid();
        const signed = statusParams(sid, 'sent');
        return callbackEvent({
          params: statusParams(sid, 'delivered'),
          signature: sign(TEST_TOKEN, `https://${CALLBACK_HOST}/message-status`, signed),
        });
      },
      403,
    ],
    ['missing MessageSid', () => callbackEvent({ params: [['MessageStatus', 'sent']] }), 400],
    ['ill-formed MessageSid', () => callbackEvent({ params: statusParams('SM-not-a-sid', 'sent') }), 400],
    ['missing MessageStatus', () => callbackEvent({ params: [['MessageSid', testSid()]] }), 400],
    [
      'invalid base64',
      () => {
        const event = callbackEvent({ params: statusParams(testSid(), 'sent') });
        return { ...event, body: '@@not base64@@', isBase64Encoded: true };
      },
      400,
    ],
  ];

  it.each(cases.map(([name, build, code]) => [`${name} -> ${code}`, build, code] as const))(
    '%s',
    async (_title, build, expected) => {
      const before = await itemCount();
      const response = await handlerWith()(build());
      expect(response.statusCode).toBe(expected);
      expect(JSON.parse(response.body as string).error).toEqual(expect.any(String));
      expect(await itemCount()).toBe(before);
    },
  );

  it('answers 405 with an Allow header', async () => {
    const response = await handlerWith()(callbackEvent({ params: [], method: 'DELETE' }));
    expect(response.headers?.allow).toBe('POST');
  });

  it('a forged request never costs a secret read when it carries no signature', async () => {
    let reads = 0;
    const credentials = secretCredentials({
      secretId: 'test',
      read: async () => {
        reads++;
        return { authToken: TEST_TOKEN };
      },
    });
    await handlerWith({ credentials })(
      callbackEvent({ params: statusParams(testSid(), 'sent'), signature: null }),
    );
    expect(reads).toBe(0);
  });
});

describe('credentials: rotation and failure', () => {
  it('re-reads the secret once when a signature fails, picking up a rotated token', async () => {
    let current = 'token-before-rotation';
    let forcedReads = 0;
    let clock = 1_000_000;
    const credentials = secretCredentials({
      secretId: 'test',
      minRefreshIntervalSeconds: 60,
      now: () => clock,
      read: async (_id, { forceFetch }) => {
        if (forceFetch) forcedReads++;
        return { authToken: forceFetch ? current : 'token-before-rotation' };
      },
    });
    const handler = handlerWith({ credentials });
    current = 'token-after-rotation';
    const signedWithNew = sent({ token: current });
    expect((await handler(signedWithNew())).statusCode).toBe(200);
    expect(forcedReads).toBe(1);

    // Forged requests right after cannot force more than one fresh read per interval.
    const forged = sent({ token: 'forged' });
    for (let i = 0; i < 5; i++) expect((await handler(forged())).statusCode).toBe(403);
    expect(forcedReads).toBe(1);
    clock += 61_000;
    await handler(forged());
    expect(forcedReads).toBe(2);
  });

  it('answers 503, not 403, when the secret cannot be read, and writes nothing', async () => {
    const before = await itemCount();
    const credentials: CredentialsSource = secretCredentials({
      secretId: 'test',
      read: async () => {
        throw new Error('AccessDeniedException');
      },
    });
    const response = await handlerWith({ credentials })(
      callbackEvent({ params: statusParams(testSid(), 'sent') }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toMatch(/AccessDenied|stack/i);
    expect(await itemCount()).toBe(before);
  });

  it('answers 503 when the secret has no auth token', async () => {
    const credentials = secretCredentials({ secretId: 'test', read: async () => ({ accountSid: 'AC1' }) });
    const response = await handlerWith({ credentials })(
      callbackEvent({ params: statusParams(testSid(), 'sent') }),
    );
    expect(response.statusCode).toBe(503);
  });
});

describe('store unreachable', () => {
  it('answers 503 so Twilio retries', async () => {
    const unreachable = db.unreachableStore();
    const response = await handlerWith({ store: unreachable })(
      callbackEvent({ params: statusParams(testSid(), 'sent') }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBeDefined();
    expect(JSON.parse(response.body as string)).toEqual({ error: 'temporarily unavailable, retry later' });
  });
});

describe('form body details', () => {
  it('keeps repeated keys for the signature: an added duplicate with another value is rejected', async () => {
    const sid = testSid();
    const params = statusParams(sid, 'sent');
    const url = `https://${CALLBACK_HOST}/message-status`;
    const event = callbackEvent({
      params,
      body: formBody([...params, ['MessageStatus', 'delivered']]),
      signature: sign(TEST_TOKEN, url, params),
    });
    expect((await handlerWith()(event)).statusCode).toBe(403);
  });
});
