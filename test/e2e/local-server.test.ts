/** The local server over real HTTP: routes, health, and a signed callback stored end to end. */
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { formBody, sign, statusParams, testSid } from '../support/callbacks';
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

async function postCallback(params: Array<[string, string]>, token = TOKEN) {
  const url = `${pipeline.url}/message-status`;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(token, url, params),
    },
    body: formBody(params),
  });
}

describe('local server', () => {
  it('answers /health once the store is ready', async () => {
    const response = await fetch(`${pipeline.url}/health`);
    expect(response.status).toBe(200);
  });

  it('stores a signed callback and serves the message', async () => {
    const sid = testSid();
    expect((await postCallback(statusParams(sid, 'sent'))).status).toBe(200);
    expect((await postCallback(statusParams(sid, 'queued'))).status).toBe(200);
    const response = await fetch(`${pipeline.url}/messages/${sid}`);
    expect(response.status).toBe(200);
    const record = (await response.json()) as { status: string; statusTimes: Record<string, string> };
    expect(record.status).toBe('sent');
    expect(Object.keys(record.statusTimes).sort()).toEqual(['queued', 'sent']);
    expect(pipeline.counts).toMatchObject({ advanced: 1, stale: 1 });
  });

  it('rejects a callback signed with another token (403) and stores nothing', async () => {
    const sid = testSid();
    expect((await postCallback(statusParams(sid, 'sent'), 'other-token')).status).toBe(403);
    expect((await fetch(`${pipeline.url}/messages/${sid}`)).status).toBe(404);
  });

  it('answers 404 for unknown routes and 501 for sending when no sender is configured', async () => {
    expect((await fetch(`${pipeline.url}/nope`)).status).toBe(404);
    expect((await fetch(`${pipeline.url}/messages`, { method: 'POST', body: '{}' })).status).toBe(501);
  });
});
