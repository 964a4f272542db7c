import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { rewriteTwilioUrl, twilioClientFor } from '../../local/twilio-simulator/client';
import { clientOf } from './support';

interface RawResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function raw(
  sim: TwilioSimulator,
  method: string,
  path: string,
  form?: Array<[string, string]>,
  auth: string | null = `${sim.accountSid}:${sim.authToken}`,
): Promise<RawResponse> {
  const response = await fetch(sim.url + path, {
    method,
    headers: {
      ...(auth === null ? {} : { Authorization: 'Basic ' + Buffer.from(auth).toString('base64') }),
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

function messagesPath(sim: TwilioSimulator): string {
  return `/2010-04-01/Accounts/${sim.accountSid}/Messages.json`;
}

/** The RestException the twilio client throws, as a plain object for matching. */
async function restError(
  promise: Promise<unknown>,
): Promise<{ status: number; code?: number; moreInfo?: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; code?: number; moreInfo?: string };
    return { status: e.status, code: e.code, moreInfo: e.moreInfo };
  }
  throw new Error('expected the request to fail');
}

const RFC2822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

describe('twilio simulator: REST API', () => {
  let sim: TwilioSimulator;

  beforeAll(async () => {
    sim = await startTwilioSimulator({
      seed: 5,
      stepDelayMs: [1, 2],
      apiKeys: [{ sid: 'SK' + '1'.repeat(32), secret: 'key-secret' }],
    });
  });

  afterAll(async () => {
    await sim.stop();
  });

  it("answers a create with Twilio's Message resource", async () => {
    const response = await raw(sim, 'POST', messagesPath(sim), [
      ['To', '+14155550100'],
      ['From', '+15005550006'],
      ['Body', 'McAvoy or Stewart? These timelines can get so confusing.'],
      ['StatusCallback', 'http://127.0.0.1:9/cb'],
    ]);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const m = response.json;
    expect(Object.keys(m).sort()).toEqual(
      [
        'account_sid',
        'api_version',
        'body',
        'date_created',
        'date_sent',
        'date_updated',
        'direction',
        'error_code',
        'error_message',
        'from',
        'messaging_service_sid',
        'num_media',
        'num_segments',
        'price',
        'price_unit',
        'sid',
        'status',
        'subresource_uris',
        'to',
        'uri',
      ].sort(),
    );
    expect(m).toMatchObject({
      account_sid: sim.accountSid,
      api_version: '2010-04-01',
      direction: 'outbound-api',
      status: 'queued',
      to: '+14155550100',
      from: '+15005550006',
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      error_code: null,
      error_message: null,
      date_sent: null,
      messaging_service_sid: null,
    });
    expect(m.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(m.date_created).toMatch(RFC2822);
    expect(m.date_updated).toMatch(RFC2822);
    expect(m.uri).toBe(`/2010-04-01/Accounts/${sim.accountSid}/Messages/${String(m.sid)}.json`);
    expect(m.subresource_uris).toEqual({
      media: `/2010-04-01/Accounts/${sim.accountSid}/Messages/${String(m.sid)}/Media.json`,
    });

    const fetched = await raw(
      sim,
      'GET',
      `/2010-04-01/Accounts/${sim.accountSid}/Messages/${String(m.sid)}.json`,
    );
    expect(fetched.status).toBe(200);
    expect(fetched.json.sid).toBe(m.sid);
  });

  it('counts segments and media like Twilio', async () => {
    const client = clientOf(sim);
    const long = await client.messages.create({
      to: '+14155550100',
      from: '+15005550006',
      body: 'x'.repeat(161),
    });
    expect(long.numSegments).toBe('2');
    const unicode = await client.messages.create({
      to: '+14155550100',
      from: '+15005550006',
      body: '€'.repeat(71),
    });
    expect(unicode.numSegments).toBe('2');
    const mms = await client.messages.create({
      to: '+14155550100',
      from: '+15005550006',
      mediaUrl: ['https://demo.example/a.png', 'https://demo.example/b.png'],
    });
    expect(mms.sid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(mms.numMedia).toBe('2');
  });

  it.each([
    ['+15005550001', 21211],
    ['+15005550002', 21612],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
  ])("answers Twilio's magic To number %s with error %i through the real client", async (to, code) => {
    const client = clientOf(sim);
    const error = await restError(client.messages.create({ to, from: '+15005550006', body: 'x' }));
    expect(error).toEqual({ status: 400, code, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
  });

  it.each([
    ['+15005550001', 21212],
    ['+15005550007', 21606],
    ['+15005550008', 21611],
  ])("answers Twilio's magic From number %s with error %i", async (from, code) => {
    const client = clientOf(sim);
    expect(await restError(client.messages.create({ to: '+14155550100', from, body: 'x' }))).toMatchObject({
      status: 400,
      code,
    });
  });

  it.each<[string, Array<[string, string]>, number]>([
    [
      'no To',
      [
        ['From', '+15005550006'],
        ['Body', 'x'],
      ],
      21604,
    ],
    [
      'an invalid To',
      [
        ['To', '415-555-0100'],
        ['From', '+15005550006'],
        ['Body', 'x'],
      ],
      21211,
    ],
    [
      'neither From nor MessagingServiceSid',
      [
        ['To', '+14155550100'],
        ['Body', 'x'],
      ],
      21603,
    ],
    [
      'a malformed MessagingServiceSid',
      [
        ['To', '+14155550100'],
        ['MessagingServiceSid', 'MG123'],
        ['Body', 'x'],
      ],
      21701,
    ],
    [
      'an invalid From',
      [
        ['To', '+14155550100'],
        ['From', 'not a number!'],
        ['Body', 'x'],
      ],
      21212,
    ],
    [
      'From and To on different channels',
      [
        ['To', 'whatsapp:+14155550100'],
        ['From', '+15005550006'],
        ['Body', 'x'],
      ],
      21910,
    ],
    [
      'neither Body nor MediaUrl',
      [
        ['To', '+14155550100'],
        ['From', '+15005550006'],
      ],
      21602,
    ],
    [
      'a body over 1600 characters',
      [
        ['To', '+14155550100'],
        ['From', '+15005550006'],
        ['Body', 'x'.repeat(1601)],
      ],
      21617,
    ],
    [
      'an invalid MediaUrl',
      [
        ['To', '+14155550100'],
        ['From', '+15005550006'],
        ['MediaUrl', 'ftp://x'],
      ],
      21620,
    ],
    [
      'an invalid StatusCallback',
      [
        ['To', '+14155550100'],
        ['From', '+15005550006'],
        ['Body', 'x'],
        ['StatusCallback', 'nope'],
      ],
      21609,
    ],
  ])('rejects a create with %s', async (_name, form, code) => {
    const response = await raw(sim, 'POST', messagesPath(sim), form);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      code,
      message: expect.any(String),
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status: 400,
    });
  });

  it('enforces HTTP Basic auth (401, code 20003)', async () => {
    const wrongToken = clientOf(sim, 'wrong-token');
    expect(
      await restError(wrongToken.messages.create({ to: '+14155550100', from: '+15005550006', body: 'x' })),
    ).toEqual({
      status: 401,
      code: 20003,
      moreInfo: 'https://www.twilio.com/docs/errors/20003',
    });
    expect(await restError(wrongToken.messaging.v1.services('MG' + '0'.repeat(32)).fetch())).toMatchObject({
      status: 401,
      code: 20003,
    });

    const anonymous = await raw(sim, 'GET', messagesPath(sim), undefined, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.code).toBe(20003);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');

    const otherAccount = await raw(sim, 'GET', `/2010-04-01/Accounts/AC${'f'.repeat(32)}/Messages.json`);
    expect(otherAccount.status).toBe(401);
    expect(sim.messages().length).toBe(sim.stats().messages);
  });

  it('accepts an API key and secret', async () => {
    const client = twilioClientFor(sim.url, 'SK' + '1'.repeat(32), 'key-secret', {
      accountSid: sim.accountSid,
    });
    const message = await client.messages.create({
      to: '+14155550100',
      from: '+15005550006',
      body: 'via key',
    });
    expect(message.accountSid).toBe(sim.accountSid);
    const wrongSecret = twilioClientFor(sim.url, 'SK' + '1'.repeat(32), 'nope', {
      accountSid: sim.accountSid,
    });
    expect(await restError(wrongSecret.messages(message.sid).fetch())).toMatchObject({
      status: 401,
      code: 20003,
    });
  });

  it('answers 404 (code 20404) for an unknown message, and for unknown routes', async () => {
    const client = clientOf(sim);
    expect(await restError(client.messages('SM' + '0'.repeat(32)).fetch())).toEqual({
      status: 404,
      code: 20404,
      moreInfo: 'https://www.twilio.com/docs/errors/20404',
    });
    expect((await raw(sim, 'GET', '/2010-04-01/Accounts/x/Calls.json')).json.code).toBe(20404);
    expect((await raw(sim, 'DELETE', messagesPath(sim))).status).toBe(405);
  });

  it('lists messages newest first with paging through the real client', async () => {
    const client = clientOf(sim);
    const to = '+14155559876';
    const sids: string[] = [];
    for (let i = 0; i < 5; i++)
      sids.push((await client.messages.create({ to, from: '+15005550006', body: `p${i}` })).sid);
    const listed = await client.messages.list({ to, pageSize: 2 });
    expect(listed.map((m) => m.sid)).toEqual([...sids].reverse());
  });

  it('lists, fetches on demand and deletes Messaging Services', async () => {
    const client = clientOf(sim);
    const sid = 'MG' + '9'.repeat(32);
    const fetched = await client.messaging.v1.services(sid).fetch();
    expect(fetched.friendlyName).toEqual(expect.any(String));
    expect((await client.messaging.v1.services.list()).map((s) => s.sid)).toContain(sid);
    const cleared = await client.messaging.v1
      .services(sid)
      .update({ statusCallback: 'https://a.example/x', friendlyName: 'Renamed' });
    expect(cleared).toMatchObject({ statusCallback: 'https://a.example/x', friendlyName: 'Renamed' });
    expect(
      (await client.messaging.v1.services(sid).update({ statusCallback: '' })).statusCallback,
    ).toBeNull();
    expect(await client.messaging.v1.services(sid).remove()).toBe(true);
    expect(await restError(client.messaging.v1.services('MGnot-a-sid').fetch())).toMatchObject({
      status: 404,
      code: 20404,
    });
  });
});

describe('twilio simulator: queued create failures', () => {
  it('answers queued faults first, one per create, then succeeds', async () => {
    const sim = await startTwilioSimulator({
      seed: 9,
      createFailures: [
        { status: 429, code: 20429, message: 'Too Many Requests' },
        { status: 503, code: 20503, message: 'Service Unavailable' },
        { status: 500, code: 20500, message: 'Internal Server Error' },
      ],
    });
    try {
      const client = clientOf(sim);
      const params = { to: '+14155550100', from: '+15005550006', body: 'x' };
      expect(await restError(client.messages.create(params))).toMatchObject({ status: 429, code: 20429 });
      expect(await restError(client.messages.create(params))).toMatchObject({ status: 503, code: 20503 });
      expect(await restError(client.messages.create(params))).toMatchObject({ status: 500, code: 20500 });
      const message = await client.messages.create(params);
      expect(message.status).toBe('queued');
      expect(sim.stats().messages).toBe(1);

      // Faults come before validation, and setOptions replaces the queue at run time.
      sim.setOptions({ createFailures: [{ status: 429, code: 20429, message: 'Too Many Requests' }] });
      const limited = await raw(sim, 'POST', messagesPath(sim), [['To', '+15005550001']]);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(limited.json).toEqual({
        code: 20429,
        message: 'Too Many Requests',
        more_info: 'https://www.twilio.com/docs/errors/20429',
        status: 429,
      });
      expect((await raw(sim, 'POST', messagesPath(sim), [['To', '+15005550001']])).json.code).toBe(21211);

      sim.setOptions({
        createFailures: [{ status: 429, code: 20429, message: 'Slow down', retryAfterSeconds: 0 }],
      });
      expect(
        (await raw(sim, 'POST', messagesPath(sim), [['To', '+14155550100']])).headers.get('retry-after'),
      ).toBe('0');
    } finally {
      await sim.stop();
    }
  });

  it("lets the twilio client's own 429 auto-retry succeed", async () => {
    const sim = await startTwilioSimulator({
      createFailures: [{ status: 429, code: 20429, message: 'Too Many Requests' }],
    });
    try {
      const client = twilioClientFor(sim.url, sim.accountSid, sim.authToken, {
        requestClientOptions: { autoRetry: true, maxRetryDelay: 20 },
      });
      const message = await client.messages.create({ to: '+14155550100', from: '+15005550006', body: 'x' });
      expect(message.status).toBe('queued');
    } finally {
      await sim.stop();
    }
  });
});

describe('twilioClientFor', () => {
  it('rewrites every Twilio host onto the simulator and leaves other URLs alone', () => {
    const base = 'http://127.0.0.1:1234';
    expect(rewriteTwilioUrl('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1', base)).toBe(
      'http://127.0.0.1:1234/2010-04-01/Accounts/AC1/Messages.json?x=1',
    );
    expect(rewriteTwilioUrl('https://messaging.twilio.com/v1/Services/MG1', base + '/')).toBe(
      'http://127.0.0.1:1234/v1/Services/MG1',
    );
    expect(rewriteTwilioUrl('https://api.sydney.au1.twilio.com/x', base)).toBe('http://127.0.0.1:1234/x');
    expect(rewriteTwilioUrl('https://example.com/x', base)).toBe('https://example.com/x');
  });
});
