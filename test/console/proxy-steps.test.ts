/**
 * The console proxy's 502s: each names the step that failed (signing, reaching the stack's API, reading
 * its answer) and says nothing of the exception behind it, which may name a profile, a key, an account or
 * an internal address; that reaches only `onFailed` (npm run console prints it in its own terminal).
 * The proxy runs in this process with a signer the test controls; the API is a real socket each time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startConsoleProxy, type ConsoleProxy, type ProxyStep } from '../../local/console/proxy';
import { freePort } from '../../local/free-port';

const TOKEN = 'proxy-steps-token';
const SECRET_DETAIL = 'profile prod-admin: AKIAEXAMPLESECRET01 at http://10.1.2.3:4567';

let proxy: ConsoleProxy;
let api: Server;
let apiUrl: string;
let sign: (pathAndQuery: string) => Promise<{ url: string; headers: Array<[string, string]> }>;
const failures: Array<[ProxyStep, string]> = [];

beforeAll(async () => {
  // /whole answers a message; /broken promises 1000 bytes, sends 10 and drops the connection.
  api = createServer((req, res) => {
    if (req.url?.startsWith('/messages/SMwhole')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ messageSid: 'SMwhole' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"message');
    setTimeout(() => res.destroy(), 20);
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  proxy = await startConsoleProxy({
    port: 0,
    token: TOKEN,
    sign: (pathAndQuery) => sign(pathAndQuery),
    onFailed: (step, error) => failures.push([step, error instanceof Error ? error.message : String(error)]),
  });
});
afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => api?.close(resolve));
});
beforeEach(() => (failures.length = 0));

const call = async (path: string) => {
  const response = await fetch(`${proxy.origin}${path}`, { headers: { 'x-console-token': TOKEN } });
  return { status: response.status, headers: response.headers, body: await response.text() };
};

const signedFor = (base: string) => async (pathAndQuery: string) => ({
  url: `${base}${pathAndQuery}`,
  headers: [['authorization', 'AWS4-HMAC-SHA256 test']] as Array<[string, string]>,
});

it('forwards a signed call and answers what the API answered, nosniff', async () => {
  sign = signedFor(apiUrl);
  const answer = await call('/messages/SMwhole');
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toEqual({ messageSid: 'SMwhole' });
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(failures).toEqual([]);
});

it.each([
  [
    'sign' as const,
    'signing failed: see the terminal running npm run console',
    () => {
      sign = () => Promise.reject(new Error(`could not load credentials: ${SECRET_DETAIL}`));
    },
  ],
  [
    'forward' as const,
    "the stack's API could not be reached: see the terminal running npm run console",
    async () => {
      // A port nothing listens on: the connection is refused.
      const dead = await freePort();
      sign = async (pathAndQuery) => ({
        url: `http://127.0.0.1:${dead}${pathAndQuery}?note=${encodeURIComponent(SECRET_DETAIL)}`,
        headers: [],
      });
    },
  ],
  [
    'read' as const,
    "the stack's API answer broke off: see the terminal running npm run console",
    () => {
      sign = signedFor(apiUrl);
    },
  ],
])('a failure to %s is a 502 naming that step, without the reason', async (step, error, arrange) => {
  await arrange();
  const answer = await call('/messages/SMbroken');
  expect(answer.status).toBe(502);
  expect(JSON.parse(answer.body)).toEqual({ error, step });
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.body).not.toMatch(/\n\s+at /);
  for (const leak of ['AKIA', 'prod-admin', '10.1.2.3', '127.0.0.1', 'ECONNREFUSED', 'terminated'])
    expect(answer.body).not.toContain(leak);
  // The reason reaches the terminal, and only there.
  expect(failures.map(([s]) => s)).toEqual([step]);
  expect(failures[0]![1]).not.toBe('');
});
