/**
 * Hostile input against the callback endpoint over real HTTP (the local server, the real handler,
 * DynamoDB Local): forged and replayed signatures, malformed and repeated fields, odd Unicode, oversized
 * and mistyped bodies, other methods. Each case states its answer; no answer is ever a 5xx, none echoes
 * the token or a stack trace, and a rejected request leaves the table exactly as it was (a full Scan
 * before and after). Invalid base64 cannot be sent over HTTP (the server encodes the body itself), so
 * those cases call the handler with an API Gateway event. Node's HTTP client cannot send Host twice either,
 * so those cases are written on a plain socket (test/support/raw-http.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createStatusCallbackHandler } from '../../lambda/adapters/primary/status-callback-endpoint';
import { environmentCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { localDocumentClient } from '../../local/dynamodb-local';
import { callbackEvent, formBody, sign, statusParams, type Params } from '../support/callbacks';
import { dynamoEndpoint } from '../support/dynamodb';
import { rawHttp } from '../support/raw-http';
import {
  rawRequest,
  signBody,
  silentLogger,
  tableSnapshot,
  uniqueSid,
  type Answer,
  type RawRequest,
} from './support';

const TOKEN = 'hostile-input-token-0123456789abcd';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

let pipeline: LocalPipeline;
let client: DynamoDBDocumentClient;
let callbackUrl: string;
/** A message already stored as `sent`, and the exact request that stored it (for the replays). */
const known = { sid: '', sentRequest: undefined as RawRequest | undefined };
const answers: Array<{ name: string; status: number; body: string }> = [];

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    authToken: TOKEN,
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `hostile-${Date.now()}`,
    twilio: false,
    logLevel: 'SILENT',
  });
  callbackUrl = `${pipeline.url}/message-status`;
  client = localDocumentClient(dynamoEndpoint());
  known.sid = uniqueSid();
  known.sentRequest = signedForm(statusParams(known.sid, 'sent'));
  expect((await post(known.sentRequest)).status).toBe(200);
  expect((await post(signedForm(statusParams(known.sid, 'delivered')))).status).toBe(200);
});
afterAll(async () => {
  client.destroy();
  await pipeline.stop();
});

const port = () => Number(new URL(pipeline.url).port);

function post(request: RawRequest): Promise<Answer> {
  return rawRequest(pipeline.url, request);
}

/** A form POST signed honestly over exactly this body (whatever it holds). */
function signedForm(params: Params | string, options: { path?: string; token?: string } = {}): RawRequest {
  const body = typeof params === 'string' ? params : formBody(params);
  const path = options.path ?? '/message-status';
  return {
    path,
    headers: {
      'content-type': FORM,
      'x-twilio-signature': signBody(options.token ?? TOKEN, `${pipeline.url}${path}`, body),
    },
    body,
  };
}

/** A form POST whose signature was computed over `signedParams` but which carries `sentParams`. */
function forged(signedParams: Params, sentParams: Params, signedUrl = callbackUrl): RawRequest {
  return {
    headers: { 'content-type': FORM, 'x-twilio-signature': sign(TOKEN, signedUrl, signedParams) },
    body: formBody(sentParams),
  };
}

async function getRecord(sid: string): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${pipeline.url}/messages/${sid}`);
  if (response.status === 404) return undefined;
  return (await response.json()) as Record<string, unknown>;
}

interface Case {
  name: string;
  request: () => Promise<Answer>;
  status: number;
  /** What the table must look like afterwards; default: exactly as before. */
  effect?: () => Promise<void>;
  /** What the answer must say besides its status. */
  says?: (answer: Answer) => void;
}

/** A case sent over HTTP: what it is, the answer it must get, the request (built when it runs). */
const overHttp = (status: number, name: string, request: () => RawRequest): Case => ({
  name,
  status,
  request: () => post(request()),
});
const http = (request: () => RawRequest) => () => post(request());
const sid = uniqueSid;

const sentBody = (s: string) => formBody(statusParams(s, 'sent'));

/** A `sent` callback for a new message carrying `signature` as it is (no header at all when undefined). */
const sentSignedWith = (signature: string | undefined) => (): RawRequest => ({
  headers: { 'content-type': FORM, ...(signature === undefined ? {} : { 'x-twilio-signature': signature }) },
  body: sentBody(sid()),
});

/**
 * A validly signed `sent` callback carrying `name` twice (the values in this order), written on a raw
 * socket: 400 with a JSON error naming the header. Without Host given twice, Host is its own address.
 */
const twice = (name: 'Host' | 'Origin', order: string, values: () => [string, string]): Case => ({
  name: `two ${name} headers (${order}) on a validly signed callback: 400 naming ${name}`,
  status: 400,
  request: async () => {
    const request = signedForm(statusParams(sid(), 'sent'));
    const [first, second] = values();
    const headers: Array<[string, string]> = [
      ...(name === 'Host' ? [] : [['Host', `127.0.0.1:${port()}`] as [string, string]]),
      [name, first],
      ['Content-Type', FORM],
      [name, second],
      ['X-Twilio-Signature', String(request.headers!['x-twilio-signature'])],
    ];
    return rawHttp(port(), {
      method: 'POST',
      target: '/message-status',
      headers,
      body: String(request.body),
    });
  },
  says: (answer) =>
    expect(JSON.parse(answer.body)).toEqual({
      error: `more than one ${name} header: a request may carry ${name} once`,
      header: name,
    }),
});

const cases: Case[] = [
  // ---- signature -----------------------------------------------------------------------------
  overHttp(403, 'no X-Twilio-Signature header', sentSignedWith(undefined)),
  overHttp(403, 'empty X-Twilio-Signature header', sentSignedWith('')),
  overHttp(403, 'signature that is not base64 of an HMAC-SHA1', sentSignedWith('not a signature')),
  overHttp(403, 'well-formed but wrong signature', sentSignedWith('AAAAAAAAAAAAAAAAAAAAAAAAAAA=')),
  overHttp(403, 'signature computed for another URL (another host)', () => {
    const params = statusParams(sid(), 'sent');
    return forged(params, params, 'https://attacker.example/message-status');
  }),
  overHttp(403, 'signature computed for the same URL with a query string the request does not carry', () => {
    const params = statusParams(sid(), 'sent');
    return forged(params, params, `${callbackUrl}?account=other`);
  }),
  overHttp(403, 'signature computed with another auth token', () =>
    signedForm(statusParams(sid(), 'sent'), { token: 'someone-elses-token-000000000000' }),
  ),
  overHttp(403, 'tampered parameter (signed "sent", sent "delivered")', () => {
    const s = sid();
    return forged(statusParams(s, 'sent'), statusParams(s, 'delivered'));
  }),
  overHttp(403, 'added parameter (ErrorCode appended after signing)', () => {
    const s = sid();
    return forged(statusParams(s, 'sent'), [...statusParams(s, 'sent'), ['ErrorCode', '30003']]);
  }),
  overHttp(403, 'removed parameter (To dropped after signing)', () => {
    const params = statusParams(sid(), 'sent');
    return forged(
      params,
      params.filter(([k]) => k !== 'To'),
    );
  }),
  overHttp(403, 'valid signature with its case changed', () => {
    const request = signedForm(statusParams(sid(), 'sent'));
    const signature = String(request.headers!['x-twilio-signature']);
    const flipped = signature.replace(/[a-z]/, (c) => c.toUpperCase());
    return { ...request, headers: { ...request.headers, 'x-twilio-signature': flipped } };
  }),
  overHttp(403, 'two X-Twilio-Signature headers (a valid one and a forged one)', () => {
    const request = signedForm(statusParams(sid(), 'sent'));
    return {
      ...request,
      headers: {
        ...request.headers,
        'x-twilio-signature': [
          String(request.headers!['x-twilio-signature']),
          'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        ],
      },
    };
  }),
  // ---- replay --------------------------------------------------------------------------------
  {
    name: 'replay of a valid request already applied (200, nothing changes)',
    status: 200,
    request: () => post(known.sentRequest!),
  },
  overHttp(200, 'replay of the latest status, byte for byte (200, nothing changes)', () =>
    signedForm(statusParams(known.sid, 'delivered')),
  ),
  // ---- fields --------------------------------------------------------------------------------
  overHttp(400, 'MessageSid missing', () =>
    signedForm(statusParams(sid(), 'sent').filter(([k]) => k !== 'MessageSid')),
  ),
  overHttp(400, 'MessageSid empty', () =>
    signedForm(
      statusParams(sid(), 'sent').map(([k, v]): [string, string] => [k, k === 'MessageSid' ? '' : v]),
    ),
  ),
  overHttp(400, 'MessageSid of another resource (a call SID)', () =>
    signedForm(statusParams('CA' + 'a'.repeat(32), 'sent')),
  ),
  overHttp(400, 'MessageSid one hex digit too long', () => signedForm(statusParams(sid() + 'a', 'sent'))),
  overHttp(400, 'MessageStatus missing', () =>
    signedForm(statusParams(sid(), 'sent').filter(([k]) => k !== 'MessageStatus')),
  ),
  overHttp(400, 'MessageStatus empty', () => signedForm(statusParams(sid(), ''))),
  overHttp(400, 'MessageStatus with digits and punctuation', () =>
    signedForm(statusParams(sid(), 'del1vered!')),
  ),
  overHttp(400, 'MessageStatus of 41 letters', () => signedForm(statusParams(sid(), 'a'.repeat(41)))),
  overHttp(400, 'MessageSid repeated with two different values', () =>
    signedForm([...statusParams(sid(), 'sent'), ['MessageSid', sid()]]),
  ),
  overHttp(400, 'MessageStatus repeated with two different values', () =>
    signedForm([...statusParams(sid(), 'sent'), ['MessageStatus', 'delivered']]),
  ),
  overHttp(400, 'broken percent-encoding in MessageSid (%ZZ)', () =>
    signedForm(sentBody(sid()).replace(/MessageSid=SM/, 'MessageSid=%ZZ')),
  ),
  overHttp(200, 'inbound status "received" (200, ignored, nothing written)', () =>
    signedForm(statusParams(sid(), 'received')),
  ),
  // ---- identifiers matched exactly as sent, signed honestly (none is trimmed into a SID) -------
  ...[(s: string) => `${s}\n`, (s: string) => `${s} `, (s: string) => `\t${s}`].map((variant) =>
    overHttp(400, `MessageSid with surrounding whitespace: ${JSON.stringify(variant('SM…'))}`, () =>
      signedForm(
        statusParams(sid(), 'sent').map(([k, v]): [string, string] =>
          k === 'MessageSid' ? [k, variant(v)] : [k, v],
        ),
      ),
    ),
  ),
  overHttp(400, 'AccountSid with a trailing space', () =>
    signedForm(
      statusParams(sid(), 'sent').map(([k, v]): [string, string] =>
        k === 'AccountSid' ? [k, `${v} `] : [k, v],
      ),
    ),
  ),
  overHttp(400, 'MessagingServiceSid that is not one', () =>
    signedForm([...statusParams(sid(), 'sent'), ['MessagingServiceSid', `MG${'0'.repeat(31)}`]]),
  ),
  // ---- size, type, method --------------------------------------------------------------------
  overHttp(413, 'body over 16 KiB (413 before any signature work)', () =>
    signedForm([...statusParams(sid(), 'sent'), ['Padding', 'x'.repeat(17 * 1024)]]),
  ),
  overHttp(413, 'body of 2 MiB (the server stops reading)', () => ({
    headers: { 'content-type': FORM },
    body: 'a='.padEnd(2 * 1024 * 1024, 'x'),
  })),
  overHttp(415, 'text/plain content type', () => ({
    ...signedForm(statusParams(sid(), 'sent')),
    headers: { 'content-type': 'text/plain' },
  })),
  overHttp(415, 'JSON body as application/json', () => ({
    headers: { 'content-type': 'application/json', 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    body: JSON.stringify({ MessageSid: sid(), MessageStatus: 'sent' }),
  })),
  overHttp(415, 'multipart/form-data body', () => ({
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    body: `--x\r\nContent-Disposition: form-data; name="MessageSid"\r\n\r\n${sid()}\r\n--x--\r\n`,
  })),
  overHttp(415, 'no content type at all', () => ({ body: sentBody(sid()) })),
  overHttp(400, 'JSON body sent as a form and signed over what it parses to (no MessageSid field)', () =>
    signedForm(JSON.stringify({ MessageSid: sid(), MessageStatus: 'sent' })),
  ),
  ...['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].map((method) =>
    overHttp(405, `${method} /message-status`, () => ({
      ...signedForm(statusParams(sid(), 'sent')),
      method,
    })),
  ),
  overHttp(405, 'HEAD /message-status', () => ({ method: 'HEAD' })),
  // ---- who the request is for: Host and Origin once each (raw socket: no client sends Host twice) ---
  twice('Host', 'its own, then evil.example', () => [`127.0.0.1:${port()}`, 'evil.example']),
  twice('Host', 'evil.example, then its own', () => ['evil.example', `127.0.0.1:${port()}`]),
  twice('Origin', 'its own, then https://evil.example', () => [
    `http://127.0.0.1:${port()}`,
    'https://evil.example',
  ]),
  // ---- invalid base64 (handler directly: HTTP cannot carry it) --------------------------------
  {
    name: 'base64 body with characters outside the alphabet (handler, API Gateway event)',
    status: 400,
    request: () =>
      direct({
        ...callbackEvent({ params: statusParams(sid(), 'sent'), token: TOKEN }),
        body: '!!not*base64!!',
      }),
  },
  {
    name: 'base64 body of impossible length (4n+1) (handler, API Gateway event)',
    status: 400,
    request: () => {
      const event = callbackEvent({ params: statusParams(sid(), 'sent'), token: TOKEN });
      const stripped = String(event.body).replace(/=+$/, '');
      const body = stripped + 'A'.repeat((((1 - stripped.length) % 4) + 4) % 4);
      expect(body.length % 4).toBe(1);
      return direct({ ...event, body });
    },
  },
  {
    name: 'base64 body with padding in the middle (handler, API Gateway event)',
    status: 400,
    request: () => {
      const event = callbackEvent({ params: statusParams(sid(), 'sent'), token: TOKEN });
      return direct({ ...event, body: `QQ==${event.body}` });
    },
  },
  // ---- odd Unicode, signed honestly ------------------------------------------------------------
  overHttp(400, 'NUL byte inside MessageSid', () =>
    signedForm(statusParams(`${sid().slice(0, 20)}\u0000${sid().slice(21)}`, 'sent')),
  ),
  overHttp(400, 'percent-encoded NUL (%00) after MessageStatus', () =>
    signedForm(sentBody(sid()).replace('MessageStatus=sent', 'MessageStatus=sent%00')),
  ),
  overHttp(400, 'right-to-left override before MessageStatus', () =>
    signedForm(statusParams(sid(), '\u202edelivered')),
  ),
  overHttp(400, 'zero-width space inside MessageSid', () => {
    const s = sid();
    return signedForm(statusParams(`${s.slice(0, 10)}\u200b${s.slice(10)}`, 'sent'));
  }),
  overHttp(400, 'emoji appended to MessageStatus', () =>
    signedForm(statusParams(sid(), 'delivered\u{1F389}')),
  ),
  overHttp(400, 'full-width digits in MessageSid', () =>
    signedForm(statusParams(`SM${'\uff10'.repeat(32)}`, 'sent')),
  ),
  overHttp(400, 'Cyrillic look-alike key "M\u0435ssageSid" instead of MessageSid', () =>
    signedForm(
      statusParams(sid(), 'sent').map(([k, v]): [string, string] => [
        k === 'MessageSid' ? 'M\u0435ssageSid' : k,
        v,
      ]),
    ),
  ),
  overHttp(400, 'overlong UTF-8 (%C0%AE) inside MessageSid', () =>
    signedForm(sentBody(sid()).replace(/(MessageSid=SM[0-9a-f]{4})/, '$1%C0%AE')),
  ),
  overHttp(400, 'percent-encoded lone surrogate (%ED%A0%80) in MessageStatus', () =>
    signedForm(sentBody(sid()).replace('MessageStatus=sent', 'MessageStatus=se%ED%A0%80nt')),
  ),
  overHttp(400, 'raw invalid UTF-8 bytes (0xFF 0xFE) in MessageStatus', () => {
    const text = sentBody(sid());
    const [before, after] = text.split('MessageStatus=sent') as [string, string];
    const body = Buffer.concat([
      Buffer.from(`${before}MessageStatus=`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`sent${after}`),
    ]);
    return {
      headers: {
        'content-type': FORM,
        'x-twilio-signature': signBody(TOKEN, callbackUrl, body.toString('utf8')),
      },
      body,
    };
  }),
];

/** Accepted cases that must write exactly what they say. */
const acceptedCases: Case[] = [
  (() => {
    const s = sid();
    return {
      name: 'unknown status "carrier_accepted" on a new message (200, recorded in statusTimes only)',
      status: 200,
      request: http(() => signedForm(statusParams(s, 'carrier_accepted'))),
      effect: async () => {
        const record = await getRecord(s);
        // No current status yet: answered as null, not as a record missing its status.
        expect(record).toMatchObject({ status: null, final: false });
        expect(record?.statusTimes).toEqual({ carrier_accepted: expect.any(String) });
      },
    };
  })(),
  {
    name: 'unknown status on a delivered message (200, status stays delivered)',
    status: 200,
    request: http(() => signedForm(statusParams(known.sid, 'carrier_acked'))),
    effect: async () => {
      const record = await getRecord(known.sid);
      expect(record?.status).toBe('delivered');
      expect(Object.keys(record?.statusTimes as object).sort()).toEqual([
        'carrier_acked',
        'delivered',
        'sent',
      ]);
    },
  },
  (() => {
    const s = sid();
    return {
      name: 'MessageStatus repeated with the same value, upper case and padded (200)',
      status: 200,
      request: http(() => signedForm([...statusParams(s, ' Sent '), ['MessageStatus', ' Sent ']])),
      effect: async () => expect((await getRecord(s))?.status).toBe('sent'),
    };
  })(),
  (() => {
    const s = sid();
    const odd = 'Caf\u00e9 \u{1F600} \u202eRTL\u202c \u0000NUL \uFFFD';
    return {
      name: 'emoji, RTL marks, NUL and U+FFFD in a descriptive field are stored as sent (200)',
      status: 200,
      request: http(() => signedForm([...statusParams(s, 'sent').filter(([k]) => k !== 'To'), ['To', odd]])),
      effect: async () => expect((await getRecord(s))?.to).toBe(odd),
    };
  })(),
  (() => {
    const s = sid();
    return {
      name: 'overlong UTF-8 (%C0%AF) in To: decoded to U+FFFD and stored (200)',
      status: 200,
      request: http(() => signedForm(sentBody(s).replace(/To=[^&]*/, 'To=%2B1415%C0%AF'))),
      effect: async () => expect((await getRecord(s))?.to).toBe('+1415\uFFFD\uFFFD'),
    };
  })(),
  (() => {
    const s = sid();
    return {
      name: 'a query string on the callback URL, signed with it (200)',
      status: 200,
      request: http(() =>
        signedForm(statusParams(s, 'queued'), { path: '/message-status?tenant=a%20b&x=1' }),
      ),
      effect: async () => expect((await getRecord(s))?.status).toBe('queued'),
    };
  })(),
  (() => {
    const s = sid();
    const extra: Params = Array.from({ length: 300 }, (_, i): [string, string] => [`Unknown${i}`, `v${i}`]);
    return {
      name: '300 unknown parameters, signed (200, ignored)',
      status: 200,
      request: http(() => signedForm([...statusParams(s, 'sent'), ...extra])),
      effect: async () => {
        const record = await getRecord(s);
        expect(record?.status).toBe('sent');
        expect(Object.keys(record ?? {}).some((k) => k.startsWith('Unknown'))).toBe(false);
      },
    };
  })(),
];

const handler = () =>
  createStatusCallbackHandler({
    store: pipeline.store,
    credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: TOKEN })!,
    logger: silentLogger,
  });

async function direct(event: Parameters<ReturnType<typeof handler>>[0]): Promise<Answer> {
  const response = await handler()(event);
  return {
    status: response.statusCode,
    headers: (response.headers ?? {}) as Answer['headers'],
    body: String(response.body ?? ''),
  };
}

function checkAnswer(name: string, answer: Answer): void {
  answers.push({ name, status: answer.status, body: answer.body });
  expect(answer.status).toBeLessThan(500);
  expect(answer.body).not.toContain(TOKEN);
  expect(answer.body).not.toMatch(/\n\s+at /);
}

describe('hostile input over HTTP: answered as stated, never a 5xx', () => {
  it('has at least 25 cases', () => {
    expect(cases.length + acceptedCases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: nothing written', async (_name, c) => {
    const before = await tableSnapshot(client, pipeline.tableName);
    const answer = await c.request();
    checkAnswer(c.name, answer);
    expect({ case: c.name, status: answer.status }).toEqual({ case: c.name, status: c.status });
    expect(await tableSnapshot(client, pipeline.tableName)).toBe(before);
    c.says?.(answer);
  });

  it.each(acceptedCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const answer = await c.request();
    checkAnswer(c.name, answer);
    expect(answer.status).toBe(c.status);
    await c.effect?.();
  });

  it('answered every request without a 5xx and rejected with the documented statuses', () => {
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const rejected = answers.filter((a) => a.status >= 400).map((a) => a.status);
    expect(new Set(rejected)).toEqual(new Set([400, 403, 405, 413, 415]));
    // The local server counts what reached the handler: nothing was "unavailable".
    expect(pipeline.counts.unavailable).toBe(0);
  });
});
