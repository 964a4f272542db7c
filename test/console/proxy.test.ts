/**
 * `npm run console -- --stack NAME`: the console's proxy, run as a user runs it (its own process),
 * against stand-ins of CloudFormation and of the stack's HTTP API that check SigV4 the way AWS does.
 * The proxy holds the user's AWS credentials, so what matters most is what it refuses: no token or a
 * wrong one, another Host (DNS rebinding), another Origin, another address than 127.0.0.1; and that a
 * refused request never reaches the API. Then a real browser opens the URL it printed.
 */
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { Browser } from 'playwright-core';
import { runCli } from '../../local/cli';
import { CONTENT_SECURITY_POLICY } from '../../local/console/assets';
import { awsSandbox, startCloudFormation, startSignedStandIn } from '../support/aws-stand-ins';
import { launchChromium, screenshot, watchedPage } from '../support/browser';
import { eventually } from '../support/eventually';
import { exited, run, runToEnd } from '../support/processes';
import { rawHttp } from '../support/raw-http';
import { answerJson, captureIo, type StandIn } from '../support/stand-in';

jest.setTimeout(90_000);

const CREDENTIALS = { accessKeyId: 'AKIATRACKERTEST00002', secretAccessKey: 'console-test-secret' };
const SID = `SM${'3'.repeat(32)}`;
const MESSAGE = {
  messageSid: SID,
  status: 'undelivered',
  statusRank: 5,
  final: true,
  statusTimes: {
    queued: '2026-11-30T10:00:00.000Z',
    sent: '2026-11-30T10:00:01.000Z',
    undelivered: '2026-11-30T10:00:03.000Z',
  },
  errorCode: 30003,
  to: '+14155550100',
  clientReference: 'order 42',
  createdAt: new Date().toISOString(),
  tags: { campaign: 'spring' },
};

/** Messages the stack's API lists after MESSAGE: what the console's polling must pick up. */
const later: Array<Record<string, unknown>> = [];
let api: StandIn;
let cloudFormation: StandIn;
let aws: ReturnType<typeof awsSandbox>;
let proxy: ReturnType<typeof run>;
let origin: string;
let port: number;
let token: string;

beforeAll(async () => {
  api = await startSignedStandIn('execute-api', CREDENTIALS, (req, res) => {
    if (req.url.pathname === `/messages/${SID}`) return answerJson(res, 200, MESSAGE);
    if (req.url.pathname === '/messages')
      // A first page of 100 says there is more; the console then asks for 200 at once.
      return answerJson(res, 200, {
        messages: [MESSAGE, ...later],
        nextCursor: req.url.searchParams.get('limit') === '100' ? 'more-to-read' : null,
      });
    answerJson(res, 404, { message: 'Not Found' });
  });
  cloudFormation = await startCloudFormation(CREDENTIALS, {
    'Tracker-test': { QueryUrl: `${api.url}/messages/{messageSid}` },
  });
  aws = awsSandbox({ 'tracker-test': CREDENTIALS });
  proxy = run(
    'local/cli.ts',
    ['console', '--stack', 'Tracker-test', '--profile', 'tracker-test'],
    aws.env({ AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url }),
  );
  await eventually(
    async () => proxy.stdout(),
    (out) => expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/#token=\S+/),
    30_000,
  ).catch((error: unknown) => {
    throw new Error(`npm run console printed no URL: ${proxy.output()} (${String(error)})`);
  });
  const url = new URL(/http:\/\/127\.0\.0\.1:\d+\/#token=\S+/.exec(proxy.stdout())![0]);
  origin = url.origin;
  port = Number(url.port);
  token = url.hash.slice('#token='.length);
});

afterAll(async () => {
  if (proxy && proxy.child.exitCode === null) {
    proxy.child.kill('SIGTERM');
    await exited(proxy.child);
  }
  await Promise.all([api?.close(), cloudFormation?.close()]);
  aws?.remove();
});

/** A GET with exactly these headers (fetch would not let a test set Host). */
function get(
  path: string,
  headers: Record<string, string>,
  address = '127.0.0.1',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const own = () => ({ host: `127.0.0.1:${port}` });
const withToken = () => ({ ...own(), 'x-console-token': token });

it('prints a URL on 127.0.0.1 with a 32-byte random token, and listens on no other address', async () => {
  expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // 127.0.0.2 is loopback too, but not the address it bound; eth0's address (if any) is not loopback.
  const others = [
    '127.0.0.2',
    ...Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4' && !i.internal)
      .map((i) => i!.address),
  ];
  for (const address of others)
    await expect(get('/', { host: `127.0.0.1:${port}` }, address)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  expect((await get('/', own())).status).toBe(200);
});

it('refuses API calls without the token or with a wrong one (403), and forwards nothing', async () => {
  const before = api.requests.length;
  const missing = await get('/messages?limit=5', own());
  expect(missing.status).toBe(403);
  expect(JSON.parse(missing.body).error).toMatch(
    /^no X-Console-Token: open the URL `npm run console` printed/,
  );
  // One character off (never the same one: a token ending in A would otherwise be its own "wrong" one).
  const offByOne = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
  const wrong = await get('/messages?limit=5', { ...own(), 'x-console-token': offByOne });
  expect(wrong.status).toBe(403);
  expect(JSON.parse(wrong.body).error).toMatch(/^wrong X-Console-Token/);
  expect((await get(`/messages/${SID}`, { ...own(), 'x-console-token': '' })).status).toBe(403);
  expect(api.requests.length).toBe(before);
});

it('refuses another Host (DNS rebinding) or another Origin, token or not, and forwards nothing', async () => {
  const before = api.requests.length;
  const rebound = await get('/messages', { ...withToken(), host: `attacker.example:${port}` });
  expect(rebound.status).toBe(403);
  expect(JSON.parse(rebound.body).error).toBe(
    `Host "attacker.example:${port}" is not this console's address (127.0.0.1:${port})`,
  );
  expect((await get('/', { host: `attacker.example:${port}` })).status).toBe(403);
  expect((await get('/messages', { ...withToken(), host: '127.0.0.1:1' })).status).toBe(403);
  const foreign = await get('/messages', { ...withToken(), origin: 'https://attacker.example' });
  expect(foreign.status).toBe(403);
  expect(JSON.parse(foreign.body).error).toMatch(
    /^Origin "https:\/\/attacker.example" is not this console's origin/,
  );
  expect((await get('/messages', { ...withToken(), origin: 'null' })).status).toBe(403);
  expect(api.requests.length).toBe(before);
  // Its own origin is fine.
  expect((await get('/messages', { ...withToken(), origin })).status).toBe(200);
});

it('refuses a request carrying Host or Origin twice (400 naming it), token or not, and forwards nothing', async () => {
  const before = api.requests.length;
  const asked: Array<[string, Array<[string, string]>]> = [
    // Node keeps only the first Host: its own address first is the case a check of req.headers misses.
    [
      'Host',
      [
        ['Host', `127.0.0.1:${port}`],
        ['Host', `attacker.example:${port}`],
      ],
    ],
    [
      'Host',
      [
        ['Host', `attacker.example:${port}`],
        ['Host', `127.0.0.1:${port}`],
      ],
    ],
    [
      'Origin',
      [
        ['Host', `127.0.0.1:${port}`],
        ['Origin', origin],
        ['Origin', 'https://attacker.example'],
      ],
    ],
  ];
  for (const [name, headers] of asked) {
    for (const target of ['/messages?limit=5', '/']) {
      const answer = await rawHttp(port, { target, headers: [...headers, ['X-Console-Token', token]] });
      expect({ target, headers, status: answer.status }).toEqual({ target, headers, status: 400 });
      expect(JSON.parse(answer.body)).toEqual({
        error: `more than one ${name} header: a request may carry ${name} once`,
        header: name,
      });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
  }
  expect(api.requests.length).toBe(before);
  // One of each is served as before.
  expect((await rawHttp(port, { target: '/', headers: [['Host', `127.0.0.1:${port}`]] })).status).toBe(200);
});

it("forwards the page's calls to the stack's API signed with SigV4, query intact, and returns the answer", async () => {
  const listed = await get(
    '/messages?status=failed%2Cundelivered&clientReference=order%2042&tag.campaign=spring',
    withToken(),
  );
  // The stand-in answers only a request whose signature it could compute again with the profile's key.
  expect(listed.status).toBe(200);
  expect(JSON.parse(listed.body)).toEqual({ messages: [MESSAGE], nextCursor: null });
  const received = api.requests.at(-1)!;
  expect(received.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIATRACKERTEST00002\/\d{8}\/eu-west-1\/execute-api\//,
  );
  expect([...received.url.searchParams]).toEqual([
    ['status', 'failed,undelivered'],
    ['clientReference', 'order 42'],
    ['tag.campaign', 'spring'],
  ]);
  // Neither the token nor the browser's headers go to AWS.
  expect(received.headers['x-console-token']).toBeUndefined();
  const one = await get(`/messages/${SID}`, withToken());
  expect(one.status).toBe(200);
  expect(one.headers['x-content-type-options']).toBe('nosniff');
  // Only the console's routes are forwarded.
  const before = api.requests.length;
  expect((await get('/message-status', withToken())).status).toBe(404);
  expect((await get('/messages/..', withToken())).status).toBe(404);
  expect((await get('/messages/%2E%2E%2Fmessage-status', withToken())).status).toBe(404);
  expect(api.requests.length).toBe(before);
});

it('serves the page without the token, polling for live updates, with the CSP', async () => {
  const page = await get('/', own());
  expect(page.status).toBe(200);
  expect(page.body).toContain('<meta name="tracker-live" content="poll" />');
  // This stack keeps no history: the page is told so, and offers no charts.
  expect(page.body).toContain('<meta name="tracker-history" content="off" />');
  expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
});

describe('in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("opens the printed URL, drops the token from the address bar, and shows the stack's messages and a timeline", async () => {
    const { page, pageErrors, cspViolations } = await watchedPage(browser);
    await page.goto(`${origin}/#token=${token}`);
    await page.locator(`tr[data-sid="${SID}"]`).waitFor({ timeout: 10_000 });
    expect(await page.evaluate('location.hash')).toBe('#/');
    // The history report is the proxy's own (Athena); this stack has no History outputs, so it answers
    // 404 without asking the API, and the page offers no charts.
    expect(api.requests.map((r) => r.url.pathname)).toContain('/messages');
    expect(api.requests.map((r) => r.url.pathname)).not.toContain('/history/report');
    expect(await page.getByRole('link', { name: 'Charts' }).count()).toBe(0);
    await page.locator(`tr[data-sid="${SID}"] a`).click();
    await eventually(
      () => page.locator('ol.timeline li').count(),
      (count) => expect(count).toBe(3),
    );
    await screenshot(page, 'stack-timeline');
    await page.goBack();
    await page.getByRole('button', { name: 'Show 100 more' }).click();
    await eventually(
      async () => api.requests.map((r) => r.url.searchParams.get('limit')),
      (limits) => expect(limits).toContain('200'),
    );
    await eventually(
      () => page.getByRole('button', { name: 'Show 100 more' }).count(),
      (count) => expect(count).toBe(0),
    );
    expect(pageErrors).toEqual([]);
    expect(await cspViolations()).toEqual([]);
    await page.context().close();
  });

  it('picks up a new message by polling the stack (every 5 s), without a reload', async () => {
    const { page } = await watchedPage(browser);
    await page.goto(`${origin}/#token=${token}`);
    await page.locator(`tr[data-sid="${SID}"]`).waitFor({ timeout: 10_000 });
    await page.evaluate('window.__sameDocument = true');
    const newSid = `SM${'4'.repeat(32)}`;
    later.push({ ...MESSAGE, messageSid: newSid, status: 'delivered', statusRank: 6, errorCode: undefined });
    try {
      await page.locator(`tr[data-sid="${newSid}"]`).waitFor({ timeout: 8_000 });
      expect(await page.locator(`tr[data-sid="${newSid}"] .badge`).textContent()).toBe('delivered');
      expect(await page.evaluate('window.__sameDocument')).toBe(true);
    } finally {
      later.length = 0;
      await page.context().close();
    }
  });

  it('says what to do when opened without the token', async () => {
    const { page } = await watchedPage(browser);
    await page.goto(`${origin}/`);
    await eventually(
      () => page.locator('.problem').textContent(),
      (text) => expect(text).toContain('open the URL `npm run console` printed'),
    );
    await page.context().close();
  });
});

describe('its command line', () => {
  it('refuses an unknown option, a missing --stack and a bad --port (exit 2) before calling AWS', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['console', '--stack', 'X', '--prot', '8080'],
        'error: unknown option --prot for console; did you mean --port?',
      ],
      [['console'], 'error: give --stack NAME (against `npm start`, open the URL it prints instead)'],
      [['console', '--stack', 'X', '--port', 'eighty'], 'error: --port must be 0-65535, got "eighty"'],
    ];
    for (const [args, message] of cases) {
      const { io, err } = captureIo();
      expect(await runCli(args, io)).toBe(2);
      expect(err[0]).toBe(message);
      expect(err[1]).toBe('see: npm run console -- --help');
    }
  });

  it('lists its options with --help', async () => {
    const { io, out } = captureIo();
    expect(await runCli(['console', '--help'], io)).toBe(0);
    expect(out[0]).toBe('usage: npm run console -- --stack NAME [--region R] [--profile P] [--port N]');
    for (const option of ['--stack NAME', '--region REGION', '--profile PROFILE', '--port N'])
      expect(out.join('\n')).toContain(option);
  });

  it('says which stack does not exist (exit 1), serving nothing', async () => {
    const { code, output } = await runToEnd(
      'local/cli.ts',
      ['console', '--stack', 'Nope', '--profile', 'tracker-test'],
      aws.env({ AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url }),
    );
    expect(code).toBe(1);
    expect(output).toContain(
      'error: CloudFormation (describe stack Nope): ValidationError: Stack with id Nope does not exist',
    );
    expect(output).not.toContain('127.0.0.1');
  });
});
