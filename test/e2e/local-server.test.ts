/** The local server over real HTTP: routes, health, and a signed callback stored end to end. */
import { request } from 'node:http';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { formBody, postCallback, sign, statusParams, testSid, type Params } from '../support/callbacks';
import { dynamoEndpoint } from '../support/dynamodb';

const TOKEN = 'e2e-token';
let pipeline: LocalPipeline;

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    authToken: TOKEN,
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `local-server-${Date.now()}`,
    twilio: false,
  });
});
afterAll(() => pipeline.stop());

const post = (params: Params, token = TOKEN) => postCallback(pipeline.url, token, params);

describe('local server', () => {
  it('answers /health once the store is ready', async () => {
    const response = await fetch(`${pipeline.url}/health`);
    expect(response.status).toBe(200);
    // History is off here: named so, and no reason for a 503 (test/e2e/health.test.ts has the rest).
    expect(await response.json()).toEqual({
      status: 'ok',
      checks: { store: { status: 'ok' }, streamReader: { status: 'ok' }, historyWriter: { status: 'off' } },
    });
  });

  it('stores a signed callback and serves the message', async () => {
    const sid = testSid();
    expect(await post(statusParams(sid, 'sent'))).toBe(200);
    expect(await post(statusParams(sid, 'queued'))).toBe(200);
    const response = await fetch(`${pipeline.url}/messages/${sid}`);
    expect(response.status).toBe(200);
    const record = (await response.json()) as { status: string; statusTimes: Record<string, string> };
    expect(record.status).toBe('sent');
    expect(Object.keys(record.statusTimes).sort()).toEqual(['queued', 'sent']);
    expect(pipeline.counts).toMatchObject({ advanced: 1, stale: 1 });
  });

  it('rejects a callback signed with another token (403) and stores nothing', async () => {
    const sid = testSid();
    expect(await post(statusParams(sid, 'sent'), 'other-token')).toBe(403);
    expect((await fetch(`${pipeline.url}/messages/${sid}`)).status).toBe(404);
  });

  it('answers 404 for unknown routes and 501 for sending when no sender is configured', async () => {
    expect((await fetch(`${pipeline.url}/nope`)).status).toBe(404);
    expect((await fetch(`${pipeline.url}/messages`, { method: 'POST', body: '{}' })).status).toBe(501);
  });

  it("says nosniff on every JSON and CSV answer: the handlers' and its own", async () => {
    const sid = testSid();
    expect(await post(statusParams(sid, 'sent'))).toBe(200);
    const answers: Array<[string, RequestInit | undefined, number, string]> = [
      [`/messages/${sid}`, undefined, 200, 'application/json'],
      [`/messages/${testSid()}`, undefined, 404, 'application/json'],
      ['/messages/not-a-sid', undefined, 400, 'application/json'],
      ['/messages?limit=5', undefined, 200, 'application/json'],
      ['/messages?limit=5&format=csv', undefined, 200, 'text/csv; charset=utf-8'],
      ['/messages?limit=5', { headers: { accept: 'text/csv' } }, 200, 'text/csv; charset=utf-8'],
      ['/messages?nope=1', undefined, 400, 'application/json'],
      ['/message-status', { method: 'POST', body: 'a=1' }, 415, 'application/json'],
      ['/messages', { method: 'POST', body: '{}' }, 501, 'application/json'],
      ['/health', undefined, 200, 'application/json'],
      ['/nope', undefined, 404, 'application/json'],
      ['/history/report', undefined, 404, 'application/json'],
    ];
    for (const [path, init, status, type] of answers) {
      const response = await fetch(`${pipeline.url}${path}`, init);
      const seen = {
        path,
        status: response.status,
        type: response.headers.get('content-type'),
        nosniff: response.headers.get('x-content-type-options'),
      };
      expect(seen).toEqual({ path, status, type, nosniff: 'nosniff' });
    }
    const csv = await (await fetch(`${pipeline.url}/messages?limit=5&format=csv`)).text();
    expect(csv).toContain(sid);
  });

  it('answers only requests addressed to it: another Host (DNS rebinding) or Origin is 403 and changes nothing', async () => {
    const port = new URL(pipeline.url).port;
    const sid = testSid();
    const url = `${pipeline.url}/message-status`;
    const params = statusParams(sid, 'sent');
    const signed = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(TOKEN, url, params),
    };
    const rebound = await rawRequest(
      'POST',
      '/message-status',
      { ...signed, host: `evil.example:${port}` },
      formBody(params),
    );
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error).toMatch(/^Host "evil\.example:\d+" is not this server/);
    expect((await rawRequest('GET', `/messages/${sid}`, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await fetch(`${pipeline.url}/messages/${sid}`)).status).toBe(404);

    const crossSite = await rawRequest(
      'POST',
      '/messages',
      { host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'text/plain' },
      JSON.stringify({ to: '+14155550100', body: 'hi' }),
    );
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body).error).toMatch(
      /^Origin "https:\/\/evil\.example" may not call this server/,
    );
    // Its own pages (the console) and localhost are welcome; the send route then answers as usual (501 here).
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`])
      expect((await rawRequest('POST', '/messages', { host, origin: `http://${host}` }, '{}')).status).toBe(
        501,
      );
  });
});

/** A request with exactly these headers (fetch would not let a test set Host). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; body: string }> {
  const { port } = new URL(pipeline.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
