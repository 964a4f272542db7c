/**
 * How local events survive trouble: a webhook receiver that is down for a while, a consumer killed
 * mid-stream and restarted from its checkpoint, and a stream record that cannot be read.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureMessagesTable } from '../../local/dynamodb-local';
import { startLocalEvents, type Delivery, type LocalEvents } from '../../local/events';
import type { StreamsApi } from '../../local/events/streams-api';
import { subscribeEvents, waitUntil } from '../../local/events/sse-client';
import { startLocalPipeline, type LocalPipeline, type PipelineOptions } from '../../local/pipeline';
import { freePort } from '../../local/free-port';
import { postCallback, statusParams, testSid } from '../support/callbacks';
import { dynamoEndpoint } from '../support/dynamodb';

const TOKEN = 'e2e-events-delivery-token';
const LIFECYCLE = ['queued', 'sent', 'delivered'];
const quiet = { warn: () => undefined, error: () => undefined };
const pipelines: LocalPipeline[] = [];

afterEach(async () => {
  for (const pipeline of pipelines.splice(0)) await pipeline.stop();
});

async function pipelineWith(events: PipelineOptions['events']): Promise<LocalPipeline> {
  const pipeline = await startLocalPipeline({
    port: 0,
    authToken: TOKEN,
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `events-delivery-${testSid().slice(-10)}`,
    logLevel: 'SILENT',
    twilio: false,
    events,
  });
  pipelines.push(pipeline);
  return pipeline;
}

/** Every message through queued, sent, delivered (per message in order, messages side by side). */
async function lifecycles(pipeline: LocalPipeline, count: number): Promise<string[]> {
  const sids = Array.from({ length: count }, () => testSid());
  await Promise.all(
    sids.map(async (sid) => {
      for (const status of LIFECYCLE)
        expect(await postCallback(pipeline.url, TOKEN, statusParams(sid, status))).toBe(200);
    }),
  );
  return sids;
}

const eventIdsOf = (sids: readonly string[]) => sids.flatMap((sid) => LIFECYCLE.map((s) => `${sid}:${s}`));

/** Per message, the statuses in the order they arrived. */
function bySid(details: ReadonlyArray<{ messageSid: string; status: string }>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { messageSid, status } of details) map.set(messageSid, [...(map.get(messageSid) ?? []), status]);
  return map;
}

const eventually = (condition: () => boolean, ms: number, what: string) =>
  waitUntil(condition, ms, () => what);

it('a webhook receiver that is down for a while, then up, gets every event, in order per message', async () => {
  const port = await freePort();
  const pipeline = await pipelineWith({
    webhookUrl: `http://127.0.0.1:${port}/hook`,
    webhookRetry: { baseMs: 50, maxMs: 300 },
  });
  const sids = await lifecycles(pipeline, 20);
  const sse = await subscribeEvents(pipeline.url, { lastEventId: '0' });
  await sse.until((events) => events.length === 60, 5_000);
  // Nothing listens on the port yet: every POST so far failed and is being retried.
  await new Promise((resolve) => setTimeout(resolve, 800));
  expect(pipeline.events!.webhookStats()).toMatchObject({ delivered: 0, dropped: 0, queued: 60 });

  // Up, but answering 503 at first (a receiver still starting), then accepting.
  const received: Array<{ messageSid: string; status: string; eventId: string }> = [];
  const upAt = Date.now();
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (Date.now() - upAt < 300) return void res.writeHead(503).end();
      received.push((JSON.parse(body) as { detail: (typeof received)[number] }).detail);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  try {
    await eventually(() => received.length >= 60, 10_000, 'webhook deliveries');
    expect(received.map((d) => d.eventId).sort()).toEqual(eventIdsOf(sids).sort());
    for (const statuses of bySid(received).values()) expect(statuses).toEqual(LIFECYCLE);
    // The receiver records an event before its answer reaches the sender, which counts it then.
    await eventually(() => pipeline.events!.webhookStats()!.queued === 0, 5_000, 'webhook answers');
    const stats = pipeline.events!.webhookStats()!;
    expect(stats).toMatchObject({ delivered: 60, dropped: 0, queued: 0 });
    expect(stats.retries).toBeGreaterThan(60);
  } finally {
    sse.close();
    await new Promise((resolve) => receiver.close(resolve));
  }
}, 30_000);

it('a consumer killed mid-stream resumes from its checkpoint on restart: nothing lost', async () => {
  const writer = await pipelineWith(false);
  const sids = await lifecycles(writer, 100);
  const streamArn = await ensureMessagesTable(dynamoEndpoint(), writer.tableName);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'events-position-')), 'position.json');
  const start = (deliveries: Delivery[], source?: (api: StreamsApi) => StreamsApi): LocalEvents =>
    startLocalEvents({
      dynamodbEndpoint: dynamoEndpoint(),
      streamArn,
      checkpointFile: file,
      logger: quiet,
      onEvent: (delivery) => deliveries.push(delivery),
      source,
    });

  // A slow reader (small pages, a pause each), so it is caught with work left.
  const first: Delivery[] = [];
  const slow = start(first, (api) => ({
    ...api,
    getRecords: async (input) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return api.getRecords({ ...input, Limit: 10 });
    },
  }));
  await eventually(() => first.length >= 150 && existsSync(file), 20_000, 'first consumer progress');
  // What a kill at this moment leaves behind: the position file as last written, no final write.
  const leftBehind = readFileSync(file, 'utf8');
  await slow.stop();
  writeFileSync(file, leftBehind);
  const resumedAfter = (JSON.parse(leftBehind) as { shards: Record<string, { sequenceNumber?: string }> })
    .shards;
  expect(Object.values(resumedAfter).some((shard) => shard.sequenceNumber)).toBe(true);

  const second: Delivery[] = [];
  const restarted = start(second);
  try {
    const all = () => new Set([...first, ...second].map((d) => d.message.detail.eventId));
    await eventually(() => all().size === 300, 20_000, 'every event after the restart');
    await restarted.consumer.caughtUp();
    expect([...all()].sort()).toEqual(eventIdsOf(sids).sort());
    // It resumed: far less than the whole stream again; what it repeats is only what followed the
    // last written position (at least once), and per message the order holds.
    expect(second.length).toBeLessThan(300 - 100);
    const repeated = second.filter((d) =>
      first.some((f) => f.message.detail.eventId === d.message.detail.eventId),
    );
    expect(repeated.length).toBeLessThan(first.length);
    for (const statuses of bySid(second.map((d) => d.message.detail)).values()) {
      const ranks = statuses.map((s) => LIFECYCLE.indexOf(s));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    }
  } finally {
    await restarted.stop();
  }
}, 60_000);

it('an unreadable record goes to the failure path and the records after it go on', async () => {
  let bad: string | undefined;
  const pipeline = await pipelineWith({
    // The boundary where such a record would come from: the stream's records, before the use case.
    source: (api) => ({
      ...api,
      getRecords: async (input) => {
        const page = await api.getRecords(input);
        for (const record of page.Records ?? []) {
          const image = record.dynamodb?.NewImage;
          if (image?.messageSid?.S === bad && image?.status?.S === 'sent')
            image.statusRank = { BOGUS: 'x' } as unknown as (typeof image)['statusRank'];
        }
        return page;
      },
    }),
  });
  const sse = await subscribeEvents(pipeline.url);
  try {
    const sids = Array.from({ length: 3 }, () => testSid());
    bad = sids[1];
    for (const sid of sids)
      for (const status of LIFECYCLE)
        expect(await postCallback(pipeline.url, TOKEN, statusParams(sid, status))).toBe(200);
    await sse.until((events) => events.length === 8, 5_000);

    const statuses = bySid(sse.events.map((e) => e.message.detail));
    expect(statuses.get(sids[0]!)).toEqual(LIFECYCLE);
    expect(statuses.get(bad!)).toEqual(['queued', 'delivered']);
    expect(statuses.get(sids[2]!)).toEqual(LIFECYCLE);
    const response = await fetch(`${pipeline.url}/events/failures`);
    const failures = (await response.json()) as {
      total: number;
      recent: Array<{ kind: string; detail: { messageSid: string; error: string; recordId: string } }>;
    };
    expect(failures.total).toBe(1);
    expect(failures.recent[0]).toMatchObject({ kind: 'record', detail: { messageSid: bad } });
    expect(failures.recent[0]!.detail.error).toMatch(/unreadable record: Unsupported type passed: BOGUS/);
  } finally {
    sse.close();
  }
});
