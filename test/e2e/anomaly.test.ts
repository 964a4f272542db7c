/**
 * Delivery anomalies through the local pipeline, end to end: a 12-hour history storm (the simulator's
 * seeded generator, test/support/storm.ts) goes through the events hub into the history writer (DuckDB,
 * Parquet); halfway through, one country's carrier starts filtering (30007). The pipeline's own anomaly
 * monitor, its clock stepped one check period (60 s) at a time, must raise exactly one `Delivery
 * Anomaly` naming that country within the documented delay (two buckets plus the settle time plus one
 * check period), as the named SSE event `anomaly` on GET /events and on the webhook, with the detail the
 * AWS check puts on the bus; no other segment alerts, and the anomaly is never written as a history row.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ANOMALY_DETAIL_TYPE, DEFAULT_ANOMALY_SETTINGS } from '../../lambda/domain/history/anomaly';
import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from '../../lambda/domain/status-event';
import { DEFAULT_SETTLE_MS } from '../../local/history/anomaly-monitor';
import { subscribeEvents, waitUntil, type EventsSubscription } from '../../local/events/sse-client';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { dynamoEndpoint } from '../support/dynamodb';
import { historyStorm } from '../support/storm';

const KEY = 'e2e-anomaly-key-0123456789abcdef0123456789';
const BUCKET = DEFAULT_ANOMALY_SETTINGS.bucketMs;
const HOUR = 3_600_000;
const CHECK_PERIOD = 60_000;
const START = Math.floor(Date.now() / BUCKET) * BUCKET - 13 * HOUR;
const FILTERING_FROM = START + 6 * HOUR + 7 * 60_000;
/** docs/history.md, Delivery anomalies: two buckets plus the settle time, plus one check period. */
const DELAY_MS = 2 * BUCKET + DEFAULT_SETTLE_MS + CHECK_PERIOD;

interface Posted {
  eventId: string | undefined;
  body: { source: string; 'detail-type': string; detail: unknown };
}

let root: string;
let pipeline: LocalPipeline;
let sse: EventsSubscription;
let receiver: http.Server;
const posted: Posted[] = [];
let now = FILTERING_FROM - 2 * BUCKET;
const storm = historyStorm({
  startMs: START,
  messages: (12 * HOUR) / 4000,
  everyMs: 4000,
  filtering: { country: '44', fromMs: FILTERING_FROM, errorCode: 30007 },
});

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'e2e-anomaly-'));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const eventId = req.headers['x-event-id'];
      posted.push({ eventId: Array.isArray(eventId) ? eventId[0] : eventId, body: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  pipeline = await startLocalPipeline({
    port: 0,
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `e2e-anomaly-${Date.now()}`,
    logLevel: 'ERROR',
    events: { webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` },
    history: {
      dir: path.join(root, 'history'),
      hashKey: KEY,
      flushEveryMs: 3_600_000,
      // The test's clock; the timer never fires during the test, each check below is the timer's.
      anomalies: { now: () => now, everyMs: 3_600_000 },
    },
    twilio: false,
  });
  sse = await subscribeEvents(pipeline.url);
}, 60_000);

afterAll(async () => {
  sse?.close();
  await pipeline?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

it('one carrier filtering one country: one anomaly naming it, on SSE and the webhook, within the delay', async () => {
  const hub = pipeline.events!.hub;
  const writer = pipeline.history!.writer;
  const monitor = pipeline.history!.anomalies!;
  // In chunks, each read by the SSE client and the webhook before the next: neither queue overflows.
  for (let from = 0; from < storm.details.length; from += 2_000) {
    for (const detail of storm.details.slice(from, from + 2_000))
      hub.deliver({ source: EVENT_SOURCE, detailType: EVENT_DETAIL_TYPE, detail });
    const delivered = Math.min(from + 2_000, storm.details.length);
    await waitUntil(
      () => sse.events.length === delivered && pipeline.events!.webhookStats()!.queued === 0,
      60_000,
      () => `${sse.events.length} of ${delivered} status changes on SSE`,
    );
  }
  await writer.flush();
  const rows = writer.stats().written;
  expect(rows).toBe(storm.details.length);

  const raised: Array<{ segment: unknown; at: number }> = [];
  for (; now <= FILTERING_FROM + 3 * HOUR; now += CHECK_PERIOD)
    for (const anomaly of await monitor.check()) raised.push({ segment: anomaly.segment, at: now });

  expect(raised.map((r) => r.segment)).toEqual([{ dimension: 'country', value: '44' }]);
  expect(raised[0]!.at - FILTERING_FROM).toBeLessThanOrEqual(DELAY_MS);

  // GET /events: the named event `anomaly`, after every status change, which stay unnamed.
  await waitUntil(
    () => sse.anomalies.length === 1 && sse.events.length === storm.details.length,
    30_000,
    () => `SSE: ${sse.anomalies.length} anomalies, ${sse.events.length} status changes`,
  );
  const [received] = sse.anomalies;
  expect(received!.message).toMatchObject({
    source: EVENT_SOURCE,
    'detail-type': ANOMALY_DETAIL_TYPE,
    detail: {
      segment: { dimension: 'country', value: '44' },
      metric: 'delivery_rate',
      baseline: { buckets: DEFAULT_ANOMALY_SETTINGS.baselineBuckets },
    },
  });
  const { detail } = received!.message;
  expect(detail.anomalyId).toBe(`country=44@${detail.bucket.start}`);
  expect(detail.baseline.value).toBeGreaterThan(0.85);
  expect(detail.observed.value).toBeLessThan(detail.baseline.value - DEFAULT_ANOMALY_SETTINGS.minChange);
  expect(detail.observed.sample).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_SETTINGS.minSample);
  expect(sse.events.every((e) => e.message['detail-type'] === EVENT_DETAIL_TYPE)).toBe(true);

  // The webhook: the same envelope and detail, its id the anomalyId.
  await waitUntil(
    () => posted.some((p) => p.body['detail-type'] === ANOMALY_DETAIL_TYPE),
    30_000,
    () => `webhook: ${posted.length} posts`,
  );
  const hooked = posted.filter((p) => p.body['detail-type'] === ANOMALY_DETAIL_TYPE);
  expect(hooked).toEqual([{ eventId: detail.anomalyId, body: received!.message }]);

  // An anomaly is an event, never a history row.
  await writer.flush();
  expect(writer.stats()).toMatchObject({ written: rows, pending: 0 });
}, 300_000);
