/**
 * The Twilio adapter: the lean Messages resource built from the helper library's pieces, its request
 * client (base-URL override, errors that keep Retry-After), credentials handling, and what it adds to a
 * bundle.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { BUNDLES_DIR, HANDLERS_DIR, lambdaBuildOptions } from '../../scripts/bundle';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { createTwilioMessages, messagesResource } from '../../lambda/adapters/secondary/twilio-messages';
import { TwilioRequestClient } from '../../lambda/adapters/secondary/twilio-client';
import {
  TwilioApiError,
  TwilioConfigurationError,
  TwilioNetworkError,
  type CredentialsSource,
  type TwilioCredentials,
} from '../../lambda/use-cases/ports';
import { freePort } from '../../local/free-port';
import { startRecordingProxy, type RecordingProxy } from './support';
import { startStandIn, type StandIn } from '../support/stand-in';

const ACCOUNT = 'AC' + 'b'.repeat(32);
const KEY = { sid: 'SK' + 'c'.repeat(32), secret: 'key-secret' };

let sim: TwilioSimulator;
let proxy: RecordingProxy;

beforeAll(async () => {
  sim = await startTwilioSimulator({ accountSid: ACCOUNT, authToken: 'token-1', apiKeys: [KEY], seed: 3 });
  proxy = await startRecordingProxy(sim.url);
});
afterAll(async () => {
  await sim.stop();
  await proxy.stop();
});
beforeEach(() => {
  proxy.requests.length = 0;
  sim.setOptions({ authToken: 'token-1' });
});

function source(
  get: TwilioCredentials,
  fresh?: TwilioCredentials,
): CredentialsSource & { refreshes: number } {
  const s = {
    description: 'test',
    refreshes: 0,
    get: async () => get,
    refresh: async () => {
      s.refreshes++;
      return fresh;
    },
  };
  return s;
}

describe('TwilioRequestClient.resolve', () => {
  const client = new TwilioRequestClient({ baseUrl: 'http://127.0.0.1:4010/' });

  it('moves any twilio.com URL under the base URL, path and query kept', () => {
    expect(client.resolve('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json')).toBe(
      'http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json',
    );
    // TWILIO_REGION / TWILIO_EDGE rewrite the host; a local run must still stay local.
    expect(client.resolve('https://api.dublin.ie1.twilio.com/2010-04-01/x.json?a=1')).toBe(
      'http://127.0.0.1:4010/2010-04-01/x.json?a=1',
    );
  });

  it('leaves other hosts, and everything when no base URL is set', () => {
    expect(client.resolve('https://example.com/a')).toBe('https://example.com/a');
    expect(client.resolve('https://eviltwilio.com/a')).toBe('https://eviltwilio.com/a');
    expect(new TwilioRequestClient().resolve('https://api.twilio.com/a')).toBe('https://api.twilio.com/a');
  });
});

describe('the lean Messages resource', () => {
  it('creates a message at the simulator with the library, authenticated by auth token', async () => {
    const messages = messagesResource({ accountSid: ACCOUNT, authToken: 'token-1' }, { baseUrl: proxy.url });
    const message = await messages.create({ to: '+14155551234', from: '+15005550006', body: 'hi' });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.status).toBe('queued');
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(proxy.creates()[0]?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
  });

  it('reads a message back (what the reconciler needs)', async () => {
    const messages = messagesResource({ accountSid: ACCOUNT, authToken: 'token-1' }, { baseUrl: proxy.url });
    const created = await messages.create({ to: '+14155551234', from: '+15005550006', body: 'fetch me' });
    const fetched = await messages(created.sid).fetch();
    expect(fetched.sid).toBe(created.sid);
    expect(fetched.body).toBe('fetch me');
  });

  it('authenticates with an API key when the credentials carry one', async () => {
    const messages = messagesResource(
      { accountSid: ACCOUNT, authToken: 'not-used', apiKeySid: KEY.sid, apiKeySecret: KEY.secret },
      { baseUrl: proxy.url },
    );
    await expect(
      messages.create({ to: '+14155551234', from: '+15005550006', body: 'key' }),
    ).resolves.toMatchObject({ status: 'queued' });
  });

  it('needs the account SID', () => {
    expect(() => messagesResource({ authToken: 'x' })).toThrow(TwilioConfigurationError);
  });
});

describe('errors', () => {
  let twilio: StandIn;
  let answer: { status: number; headers: Record<string, string>; body: string };

  beforeAll(async () => {
    twilio = await startStandIn((_request, response) => {
      response.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  afterAll(() => twilio.close());

  async function createError(): Promise<unknown> {
    const messages = messagesResource({ accountSid: ACCOUNT, authToken: 't' }, { baseUrl: twilio.url });
    return messages.create({ to: '+14155551234', body: 'x', from: '+15005550006' }).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  it("keeps Twilio's code, message, more_info and Retry-After", async () => {
    answer = {
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '7' },
      body: JSON.stringify({
        code: 20429,
        message: 'Too Many Requests',
        more_info: 'https://www.twilio.com/docs/errors/20429',
        status: 429,
      }),
    };
    const error = (await createError()) as TwilioApiError;
    expect(error).toBeInstanceOf(TwilioApiError);
    expect({ ...error, message: error.message }).toMatchObject({
      httpStatus: 429,
      code: 20429,
      message: 'Too Many Requests',
      moreInfo: 'https://www.twilio.com/docs/errors/20429',
      retryAfterSeconds: 7,
    });
  });

  it('reads an HTTP-date Retry-After and an RFC 9457 body', async () => {
    answer = {
      status: 503,
      headers: {
        'content-type': 'application/problem+json',
        'retry-after': new Date(Date.now() + 5_000).toUTCString(),
      },
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Unavailable',
        status: 503,
        code: 20503,
        detail: 'busy',
      }),
    };
    const error = (await createError()) as TwilioApiError;
    expect(error).toMatchObject({ httpStatus: 503, code: 20503, message: 'busy' });
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(4);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(6);
  });

  it('survives a body that is not JSON', async () => {
    answer = { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' };
    expect(await createError()).toMatchObject({
      httpStatus: 502,
      code: undefined,
      message: 'Twilio answered HTTP 502',
    });
  });

  it('turns a refused connection into TwilioNetworkError', async () => {
    const messages = messagesResource(
      { accountSid: ACCOUNT, authToken: 't' },
      { baseUrl: `http://127.0.0.1:${await freePort()}` },
    );
    await expect(
      messages.create({ to: '+14155551234', body: 'x', from: '+15005550006' }),
    ).rejects.toMatchObject({
      name: 'TwilioNetworkError',
      code: 'ECONNREFUSED',
    });
    expect(new TwilioNetworkError('ECONNRESET', undefined).message).toBe(
      'Twilio could not be reached (ECONNRESET)',
    );
  });
});

describe('credentials', () => {
  const params = { to: '+14155551234', from: '+15005550006', body: 'rotated' };

  it('re-reads rotated credentials once after a 401 and sends with them', async () => {
    sim.setOptions({ authToken: 'token-2' });
    const credentials = source(
      { accountSid: ACCOUNT, authToken: 'token-1' },
      { accountSid: ACCOUNT, authToken: 'token-2' },
    );
    const messages = createTwilioMessages({ credentials, baseUrl: proxy.url });
    await expect(messages.create(params)).resolves.toMatchObject({ status: 'queued' });
    expect(credentials.refreshes).toBe(1);
    expect(proxy.creates().map((r) => r.status)).toEqual([401, 201]);
  });

  it('sends with the secondary token once it is promoted in Twilio, before the secret is updated', async () => {
    sim.setOptions({ authToken: 'token-new' });
    const credentials = source(
      { accountSid: ACCOUNT, authToken: 'token-old', secondaryAuthToken: 'token-new' },
      undefined,
    );
    const messages = createTwilioMessages({ credentials, baseUrl: proxy.url });
    await expect(messages.create(params)).resolves.toMatchObject({ status: 'queued' });
    expect(proxy.creates().map((r) => r.status)).toEqual([401, 201]);
  });

  it('reports the 401 when no fresh credentials are available', async () => {
    const credentials = source({ accountSid: ACCOUNT, authToken: 'wrong' }, undefined);
    const messages = createTwilioMessages({ credentials, baseUrl: proxy.url });
    await expect(messages.create(params)).rejects.toMatchObject({ httpStatus: 401, code: 20003 });
    expect(proxy.creates()).toHaveLength(1);
  });
});

describe('bundle: only the Messages resource of the twilio package', () => {
  it('the sender handler bundles no Twilio product but Api v2010 Messages', async () => {
    // The deployed bundle's own settings; only the metafile (input paths relative to the repository) is
    // added, and nothing is written.
    const result = await build({
      ...lambdaBuildOptions(
        path.join(HANDLERS_DIR, 'sender.ts'),
        path.join(BUNDLES_DIR, 'sender', 'index.mjs'),
      ),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    // Inputs are relative to the repository, via the real path: a node_modules that is a symlink (a git
    // worktree sharing another checkout's) gives `../<elsewhere>/node_modules/...`, so compare from there.
    const inputs = Object.keys(result.metafile.inputs).map((f) => f.replace(/^.*?(?=node_modules\/)/, ''));
    const twilioFiles = inputs.filter((f) => f.startsWith('node_modules/twilio/'));
    expect(twilioFiles).toContain('node_modules/twilio/lib/rest/api/v2010/account/message.js');
    // The package root, the full client and the account resource (every Api resource) stay out.
    const excluded = [
      'node_modules/twilio/lib/index.js',
      'node_modules/twilio/lib/rest/Twilio.js',
      'node_modules/twilio/lib/rest/api/V2010.js',
      'node_modules/twilio/lib/rest/api/v2010/account.js',
      'node_modules/twilio/lib/rest/api/v2010/account/call.js',
    ];
    expect(excluded.filter((f) => twilioFiles.includes(f))).toEqual([]);
    expect(twilioFiles.some((f) => f.startsWith('node_modules/twilio/lib/rest/messaging/'))).toBe(false);
  });
});
