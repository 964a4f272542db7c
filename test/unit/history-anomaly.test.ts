/**
 * Delivery anomalies: a storm (test/support/storm.ts) in which one country's carrier starts filtering
 * (every message there undelivered with 30007) halfway through. The local check, run over the history
 * folder for every bucket as time passes, must raise exactly one `Delivery Anomaly`, naming that
 * country, within the documented delay (two buckets plus the settle time); no sender, channel or error
 * code alerts, and the same storm without the filtering alerts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPseudonymiser } from '../../lambda/adapters/secondary/pseudonymiser';
import {
  DEFAULT_ANOMALY_SETTINGS,
  deliveryAnomalies,
  wilson,
  type AnomalyCell,
  type DeliveryAnomalyDetail,
} from '../../lambda/domain/history/anomaly';
import { anomalyCellsSql, HistoryQueryError } from '../../lambda/domain/history/queries';
import {
  checkAnomaliesAt,
  DEFAULT_SETTLE_MS,
  startAnomalyMonitor,
} from '../../local/history/anomaly-monitor';
import { startHistoryWriter } from '../../local/history/writer';
import { historyStorm } from '../support/storm';

const KEY = 'test-history-key-0123456789abcdef0123456789';
const BUCKET = DEFAULT_ANOMALY_SETTINGS.bucketMs;
const HOUR = 3_600_000;
// 12 hours of traffic ending 1 hour ago, one message every 4 s (about 56 per country per bucket).
const START = Math.floor(Date.now() / BUCKET) * BUCKET - 13 * HOUR;
const FILTERING_FROM = START + 6 * HOUR + 7 * 60_000;
/** What docs/history.md promises: two buckets plus the settle time after the filtering starts. */
const DELAY_MS = 2 * BUCKET + DEFAULT_SETTLE_MS;

let root: string;
beforeAll(() => (root = mkdtempSync(path.join(tmpdir(), 'history-anomaly-'))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function stormFolder(name: string, filtering: boolean): Promise<string> {
  const dir = path.join(root, name);
  const writer = await startHistoryWriter({
    dir,
    pseudonymise: createPseudonymiser(KEY),
    flushEveryMs: 3_600_000,
  });
  const storm = historyStorm({
    startMs: START,
    messages: (12 * HOUR) / 4000,
    everyMs: 4000,
    ...(filtering ? { filtering: { country: '44', fromMs: FILTERING_FROM, errorCode: 30007 } } : {}),
  });
  for (const detail of storm.details) writer.write(detail);
  await writer.stop();
  return dir;
}

/** Every bucket judged once, in order, as the monitor does: what was raised, and when it could be. */
async function replay(dir: string): Promise<Array<{ anomaly: DeliveryAnomalyDetail; knownAt: number }>> {
  const raised: Array<{ anomaly: DeliveryAnomalyDetail; knownAt: number }> = [];
  for (let bucket = START + 7 * BUCKET; bucket < START + 12 * HOUR; bucket += BUCKET)
    for (const anomaly of await checkAnomaliesAt(dir, bucket))
      raised.push({ anomaly, knownAt: bucket + BUCKET + DEFAULT_SETTLE_MS });
  return raised;
}

describe('a carrier starts filtering one country halfway through a storm', () => {
  it('raises one Delivery Anomaly naming that country, within two buckets plus the settle time', async () => {
    const raised = await replay(await stormFolder('filtering', true));
    expect(raised.map((r) => r.anomaly.segment)).toEqual([{ dimension: 'country', value: '44' }]);
    const [{ anomaly, knownAt }] = raised as [(typeof raised)[number]];
    expect(knownAt - FILTERING_FROM).toBeLessThanOrEqual(DELAY_MS);
    expect(anomaly).toMatchObject({
      metric: 'delivery_rate',
      baseline: { buckets: 24 },
      observed: { failed: expect.any(Number) },
    });
    expect(anomaly.baseline.value).toBeGreaterThan(0.85);
    expect(anomaly.baseline.sample).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_SETTINGS.minBaselineSample);
    expect(anomaly.observed.sample).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_SETTINGS.minSample);
    expect(anomaly.observed.value).toBeLessThan(anomaly.baseline.value - 0.1);
    expect(anomaly.observed.bound).toBeLessThan(anomaly.baseline.value);
    expect(anomaly.anomalyId).toBe(`country=44@${anomaly.bucket.start}`);
  }, 120_000);

  it('the same storm without the filtering raises nothing', async () => {
    expect(await replay(await stormFolder('calm', false))).toEqual([]);
  }, 120_000);

  it('the monitor publishes each settled bucket once, as its clock passes them', async () => {
    const dir = await stormFolder('monitor', true);
    let now = FILTERING_FROM - BUCKET;
    const published: DeliveryAnomalyDetail[] = [];
    const monitor = startAnomalyMonitor({ dir, publish: (a) => published.push(a), now: () => now });
    try {
      for (; now < FILTERING_FROM + 3 * HOUR; now += 5 * 60_000) await monitor.check();
      await monitor.check();
    } finally {
      await monitor.stop();
    }
    expect(published.map((a) => a.segment)).toEqual([{ dimension: 'country', value: '44' }]);
  }, 120_000);
});

describe('the judgement, on cells', () => {
  const cell = (bucket: number, extra: Partial<AnomalyCell>): AnomalyCell => ({
    bucketMs: START + bucket * BUCKET,
    country: '1',
    sender: 'a',
    channel: 'sms',
    errorCode: null,
    delivered: 0,
    failed: 0,
    ...extra,
  });
  const baseline = Array.from({ length: 24 }, (_, b) =>
    cell(b, { delivered: 95, failed: 5, errorCode: 30003 }),
  );

  it('keeps quiet below the minimum sample, however bad the rate', () => {
    const few = [...baseline, cell(24, { delivered: 10, failed: 39, errorCode: 30003 })];
    expect(deliveryAnomalies(few, START + 24 * BUCKET)).toEqual([]);
    const enough = [...baseline, cell(24, { delivered: 10, failed: 40, errorCode: 30003 })];
    expect(deliveryAnomalies(enough, START + 24 * BUCKET).map((a) => a.segment.dimension)).toEqual([
      'country',
    ]);
  });

  it('alerts once per episode: not again while it lasts, again after a bucket back to normal', () => {
    const bad = (b: number) => cell(b, { delivered: 20, failed: 80, errorCode: 30003 });
    const good = (b: number) => cell(b, { delivered: 95, failed: 5, errorCode: 30003 });
    const cells = [...baseline, bad(24), bad(25), good(26), bad(27)];
    const at = (b: number) => deliveryAnomalies(cells, START + b * BUCKET).length;
    expect([at(24), at(25), at(26), at(27)]).toEqual([1, 0, 0, 1]);
  });

  it('an error code alerts when no country, sender or channel explains it', () => {
    // Spread thinly: ten countries, senders and channels of 20 messages a bucket, each below the
    // minimum sample alone; together, 200 messages, 15% of them failing with 21610 from nothing.
    const spread = Array.from({ length: 10 }, (_, i) => ({
      country: `c${i}`,
      sender: `s${i}`,
      channel: `ch${i}`,
    })).flatMap((where) => [
      ...Array.from({ length: 24 }, (_, b) => cell(b, { ...where, delivered: 20 })),
      cell(24, { ...where, delivered: 17 }),
      cell(24, { ...where, failed: 3, errorCode: 21610 }),
    ]);
    const found = deliveryAnomalies(spread, START + 24 * BUCKET);
    expect(found.map((a) => [a.segment, a.metric, a.observed.sample, a.observed.failed])).toEqual([
      [{ dimension: 'error_code', value: '21610' }, 'failure_share', 200, 30],
    ]);
  });

  it('the Wilson interval: the textbook figures', () => {
    const { low, high } = wilson(81, 263, 1.96);
    expect(low).toBeCloseTo(0.2553, 4);
    expect(high).toBeCloseTo(0.3662, 4);
    expect(wilson(0, 50, 3.29).low).toBe(0);
  });

  it('the cells query: the same text on Athena and DuckDB, a bucket of 1 minute to 1 day', () => {
    const window = { since: '2026-11-20T00:00:00Z', until: '2026-11-21T00:00:00Z' };
    expect(anomalyCellsSql('athena', 't', window, BUCKET)).toBe(
      anomalyCellsSql('duckdb', 't', window, BUCKET),
    );
    expect(anomalyCellsSql('athena', 't', window, BUCKET)).toContain(
      'CAST(floor(min(coalesce(status_at_ms, recorded_at_ms)) / 900000e0) AS bigint) AS bucket_number',
    );
    expect(() => anomalyCellsSql('athena', 't', window, 1000)).toThrow(HistoryQueryError);
  });
});
