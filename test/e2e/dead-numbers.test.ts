/**
 * Dead numbers end to end, against DynamoDB Local and the Twilio simulator through the local server:
 * a recipient whose messages fail for good is recorded with its reason, the next send to it is refused
 * (422, nothing sent), the API lists and clears it, and transient failures block nothing.
 */
import { runCli } from '../../local/cli';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { dynamoEndpoint } from '../support/dynamodb';

/** Twilio's magic test number that answers 21610 (unsubscribed) at create time. */
const UNSUBSCRIBED = '+15005550004';
const LANDLINE = '+14155550106';
const UNREACHABLE = '+14155550103';
const UNKNOWN = '+14155550105';

/** The fields the tests read from the send and dead-numbers answers. */
interface Answer {
  error: { type: string; code?: number; message: string; reason?: number };
  deadNumbers: Array<{ recipient: string; reason: number }>;
  nextCursor: string | null;
  messageSid?: string;
  warning?: string;
}

function pipelineWith(policy: 'refuse' | 'warn', suffix: string) {
  return startLocalPipeline({
    port: 0,
    authToken: 'dead-numbers-token',
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `dead-${suffix}-${Date.now()}`,
    events: false,
    console: false,
    logLevel: 'SILENT',
    deadNumberPolicy: policy,
    twilio: {
      simulator: {
        seed: 7,
        outOfOrderRate: 0,
        duplicateRate: 0.5,
        stepDelayMs: [1, 5],
        outcomes: { delivered: 1, undelivered: 0, failed: 0, sentNoReceipt: 0 },
        undeliveredTo: { [LANDLINE]: 30006, [UNREACHABLE]: 30003, [UNKNOWN]: 30005 },
      },
    },
  });
}

async function send(pipeline: LocalPipeline, to: string) {
  const response = await fetch(`${pipeline.url}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to, body: 'hello' }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

async function listDead(pipeline: LocalPipeline, query = '') {
  const response = await fetch(`${pipeline.url}/dead-numbers${query}`);
  return { status: response.status, body: (await response.json()) as Answer };
}

describe('with the default policy (refuse)', () => {
  let pipeline: LocalPipeline;
  beforeAll(async () => {
    pipeline = await pipelineWith('refuse', 'refuse');
  }, 60_000);
  afterAll(() => pipeline.stop());

  it('an unsubscribed number (21610) is recorded, refused with its reason, listed, cleared, then sent to', async () => {
    const first = await send(pipeline, UNSUBSCRIBED);
    expect(first.status).toBe(422);
    expect(first.body.error.code).toBe(21610);

    const created = pipeline.simulator!.stats().messages;
    const refused = await send(pipeline, UNSUBSCRIBED);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      type: 'DeadNumber',
      reason: 21610,
      clear: 'DELETE /dead-numbers/%2B15005550004',
      retryable: false,
    });
    expect(refused.body.error.message).toContain('opted out');
    // Twilio was not called for the refused send.
    expect(pipeline.simulator!.stats().messages).toBe(created);

    const listed = await listDead(pipeline);
    expect(listed.status).toBe(200);
    expect(listed.body.deadNumbers).toEqual([
      expect.objectContaining({ recipient: UNSUBSCRIBED, reason: 21610 }),
    ]);
    expect(listed.body.nextCursor).toBeNull();

    const cleared = await fetch(`${pipeline.url}/dead-numbers/${encodeURIComponent(UNSUBSCRIBED)}`, {
      method: 'DELETE',
    });
    expect(cleared.status).toBe(200);
    expect((await listDead(pipeline)).body.deadNumbers).toEqual([]);
    // Cleared: the send reaches Twilio again (which answers 21610 again: the number is still opted out).
    const again = await send(pipeline, UNSUBSCRIBED);
    expect(again.body.error.type).toBe('TwilioRejected');
    const missing = await fetch(`${pipeline.url}/dead-numbers/${encodeURIComponent('+14155550199')}`, {
      method: 'DELETE',
    });
    expect(missing.status).toBe(404);
    await fetch(`${pipeline.url}/dead-numbers/${encodeURIComponent(UNSUBSCRIBED)}`, { method: 'DELETE' });
  }, 60_000);

  it('a landline (30006 in a callback) is recorded once its callback arrives; the next send is refused', async () => {
    const first = await send(pipeline, LANDLINE);
    expect(first.status).toBe(201);
    await pipeline.simulator!.idle();
    // idle: every callback was answered, so every write it made is done.
    expect((await listDead(pipeline)).body.deadNumbers).toContainEqual(
      expect.objectContaining({ recipient: LANDLINE, reason: 30006 }),
    );
    const refused = await send(pipeline, LANDLINE);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ type: 'DeadNumber', reason: 30006 });
  }, 60_000);

  it('a transient failure (30003) blocks nothing, however often it happens', async () => {
    for (let i = 0; i < 3; i++) {
      const sent = await send(pipeline, UNREACHABLE);
      expect(sent.status).toBe(201);
      await pipeline.simulator!.idle();
    }
    expect((await send(pipeline, UNREACHABLE)).status).toBe(201);
    const { body } = await listDead(pipeline);
    expect(body.deadNumbers.map((d) => d.recipient)).not.toContain(UNREACHABLE);
  }, 60_000);

  it('an unknown destination (30005) is dead only after three distinct messages, duplicates not counted', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await send(pipeline, UNKNOWN)).status).toBe(201);
      await pipeline.simulator!.idle();
    }
    // Two messages (their callbacks duplicated half the time): not dead yet.
    expect((await listDead(pipeline)).body.deadNumbers).not.toContainEqual(
      expect.objectContaining({ recipient: UNKNOWN }),
    );
    expect((await send(pipeline, UNKNOWN)).status).toBe(201);
    await pipeline.simulator!.idle();
    expect((await listDead(pipeline)).body.deadNumbers).toContainEqual(
      expect.objectContaining({ recipient: UNKNOWN, reason: 30005 }),
    );
    expect((await send(pipeline, UNKNOWN)).body.error).toMatchObject({ type: 'DeadNumber', reason: 30005 });
  }, 60_000);

  it('the command line lists and clears dead numbers; a mistyped action exits 2', async () => {
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['dead-numbers', ...args, '--url', pipeline.url], {
        out: (line) => out.push(line),
        err: (line) => err.push(line),
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const listed = await cli();
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${LANDLINE}  30006:`);
    expect(await cli('clear', LANDLINE)).toMatchObject({ code: 0, out: `cleared ${LANDLINE}` });
    expect((await cli()).out).not.toContain(LANDLINE);
    expect((await cli('clear', LANDLINE)).code).toBe(1);
    expect(await cli('clera', LANDLINE)).toMatchObject({ code: 2, err: expect.stringContaining('"clear"') });
    expect((await cli('--help')).code).toBe(0);
    expect((await send(pipeline, LANDLINE)).status).toBe(201);
  }, 60_000);

  it('a bad list parameter is a 400 naming it', async () => {
    expect(await listDead(pipeline, '?limit=0')).toMatchObject({ status: 400, body: { parameter: 'limit' } });
    expect(await listDead(pipeline, '?cursor=nope')).toMatchObject({
      status: 400,
      body: { parameter: 'cursor' },
    });
    expect(await listDead(pipeline, '?limt=5')).toMatchObject({ status: 400, body: { parameter: 'limt' } });
  });
});

describe('with the warn policy', () => {
  let pipeline: LocalPipeline;
  beforeAll(async () => {
    pipeline = await pipelineWith('warn', 'warn');
  }, 60_000);
  afterAll(() => pipeline.stop());

  it('a send to a dead number goes through with a warning naming the reason', async () => {
    expect((await send(pipeline, LANDLINE)).status).toBe(201);
    await pipeline.simulator!.idle();
    expect((await listDead(pipeline)).body.deadNumbers).toHaveLength(1);
    const warned = await send(pipeline, LANDLINE);
    expect(warned.status).toBe(201);
    expect(warned.body.messageSid).toMatch(/^SM/);
    expect(warned.body.warning).toContain('30006');
  }, 60_000);
});
