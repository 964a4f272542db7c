/**
 * GET /health of `npm start`'s server says what answers: 200 with every check ok while the store, the
 * stream reader and the history writer all work; 503 naming the part that does not once one stops. The
 * store is a DynamoDB Local of this suite's own (the shared one serves the other suites), stopped here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../local/dynamodb-local';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { freePort } from '../../local/free-port';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

let dynamodb: RunningDynamoDb | undefined;
let pipeline: LocalPipeline | undefined;
const historyDir = mkdtempSync(path.join(tmpdir(), 'health-history-'));

beforeAll(async () => {
  dynamodb = await startDynamoDbLocal({ port: await freePort() });
  pipeline = await startLocalPipeline({
    port: 0,
    dynamodbEndpoint: dynamodb.endpoint,
    tableName: `health-${Date.now()}`,
    twilio: false,
    logLevel: 'SILENT',
    history: { dir: path.join(historyDir, 'history'), hashKey: 'health-test-hash-key-0123456789abcdef' },
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await dynamodb?.stop();
  rmSync(historyDir, { recursive: true, force: true });
});

interface Health {
  status: string;
  checks: Record<string, { status: string; reason?: string }>;
}

async function health(): Promise<{ status: number; body: Health; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${pipeline!.url}/health`);
  return { status: response.status, body: (await response.json()) as Health, ms: Date.now() - started };
}

it('is 200 with every check ok while the store, the stream reader and the history writer answer', async () => {
  // The stream reader is ok once its first round has read the stream.
  await eventually(health, (h) => expect(h.status).toBe(200));
  const answer = await health();
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({
    status: 'ok',
    checks: { store: { status: 'ok' }, streamReader: { status: 'ok' }, historyWriter: { status: 'ok' } },
  });
});

it('is 503 naming the store, within seconds, once DynamoDB stops; the stream reader goes down with it', async () => {
  await dynamodb!.stop();
  const answer = await health();
  expect(answer.status).toBe(503);
  expect(answer.body.status).toBe('unavailable');
  expect(answer.body.checks.store).toEqual({
    status: 'down',
    reason: expect.stringMatching(/^DescribeTable failed: /),
  });
  expect(answer.body.checks.historyWriter).toEqual({ status: 'ok' });
  expect(answer.ms).toBeLessThan(3_000);
  expect(JSON.stringify(answer.body)).not.toMatch(/\n\s+at /);
  // The reader's next round fails to describe the stream (it polls every few hundred ms).
  await eventually(health, (h) => expect(h.body.checks.streamReader?.status).toBe('down'));
  const later = await health();
  expect(later.status).toBe(503);
  expect(later.body.checks.streamReader?.reason).toMatch(
    /^(describing the stream|reading shard \S+) failed: .*ECONNREFUSED/,
  );
});

it('is 503 naming the history writer once it has stopped', async () => {
  await pipeline!.history!.writer.stop();
  const answer = await health();
  expect(answer.status).toBe(503);
  expect(answer.body.checks.historyWriter).toEqual({ status: 'down', reason: 'stopped' });
});
