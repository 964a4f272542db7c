/**
 * Delivery anomalies: a segment (destination country, sender, channel, error code) whose delivery rate
 * falls, or whose share of failures with one error code rises, well outside its own recent baseline.
 * Pure: the caller runs the `anomaly-cells` query (queries.ts, the same SQL on Athena and DuckDB) and
 * hands its rows here; what comes back are the `Delivery Anomaly` events to put on the bus.
 *
 * - Buckets: messages are counted in the bucket of their first row (sent, or queued), by how they
 *   ended; only final messages count (delivered vs failed), so messages still in flight bias nothing.
 * - Baseline: the pooled rate of the same segment over the previous `baselineBuckets` buckets (the
 *   segment's delivered / final messages across them all, not a mean of rates).
 * - Observed: the bucket evaluated. It is anomalous when it has at least `minSample` final messages,
 *   the baseline at least `minBaselineSample`, the rate moved by at least `minChange` (absolute), and the
 *   Wilson score interval of the observed rate at `z` lies wholly beyond the baseline (upper bound below
 *   it for a delivery rate, lower bound above it for a failure share). Wilson, not the normal
 *   approximation: rates here sit near 0 and 1, where the latter breaks down.
 * - Explaining away: one carrier filtering a country also lowers the rate of every channel and sender
 *   that sends there, and raises its error code's share. Anomalous "where" segments (country, then
 *   sender, then channel) are taken in order of excess failures (sample x drop); each one taken sets its
 *   messages aside, in the bucket and the baseline, and the others are judged again without them. Error
 *   codes are judged last, on what is left: a code only alerts when no segment explains it.
 * - Episodes: one alert per segment per episode. The last `replayBuckets` buckets are replayed in
 *   order; an episode opens at the first anomalous bucket and closes at a bucket where the segment has
 *   enough messages and is not anomalous. Only episodes opening at the bucket evaluated alert, so the
 *   check keeps no state between runs (a Lambda on a schedule, or the local runtime) and evaluating a
 *   bucket twice alerts twice at most: the event's `anomalyId` is the same both times, to dedupe on.
 */

export const ANOMALY_DETAIL_TYPE = 'Delivery Anomaly';

export type AnomalyDimension = 'country' | 'sender' | 'channel' | 'error_code';

/** One row of the `anomaly-cells` query: final messages of one bucket and one combination of values. */
export interface AnomalyCell {
  /** The bucket's start, epoch ms. */
  bucketMs: number;
  country: string | null;
  sender: string | null;
  channel: string | null;
  errorCode: number | null;
  delivered: number;
  failed: number;
}

export interface AnomalySettings {
  bucketMs: number;
  baselineBuckets: number;
  replayBuckets: number;
  minSample: number;
  minBaselineSample: number;
  z: number;
  minChange: number;
}

export const DEFAULT_ANOMALY_SETTINGS: AnomalySettings = {
  bucketMs: 15 * 60_000,
  baselineBuckets: 24,
  replayBuckets: 8,
  minSample: 50,
  minBaselineSample: 200,
  z: 4,
  minChange: 0.1,
};

/** The `detail` of a `Delivery Anomaly` event. */
export interface DeliveryAnomalyDetail {
  /** `{dimension}={value}@{bucket start}`: the same however often the bucket is checked. */
  anomalyId: string;
  segment: { dimension: AnomalyDimension; value: string };
  /** `delivery_rate` fell (country, sender, channel), or `failure_share` of the error code rose. */
  metric: 'delivery_rate' | 'failure_share';
  bucket: { start: string; end: string };
  baseline: { value: number; sample: number; buckets: number };
  observed: { value: number; sample: number; delivered: number; failed: number; bound: number };
}

const WHERE: readonly AnomalyDimension[] = ['country', 'sender', 'channel'];

interface Judged {
  dimension: AnomalyDimension;
  value: string;
  anomalous: boolean;
  enough: boolean;
  excess: number;
  detail: Omit<DeliveryAnomalyDetail, 'anomalyId' | 'bucket'>;
}

/** The anomalies whose episode opens at the bucket starting `bucketMs`, from cells covering its baseline too. */
export function deliveryAnomalies(
  cells: readonly AnomalyCell[],
  bucketMs: number,
  settings: AnomalySettings = DEFAULT_ANOMALY_SETTINGS,
): DeliveryAnomalyDetail[] {
  const open = new Set<string>();
  let alerts: DeliveryAnomalyDetail[] = [];
  for (let i = settings.replayBuckets; i >= 0; i--) {
    const at = bucketMs - i * settings.bucketMs;
    const { anomalies, cleared } = judgeBucket(cells, at, settings);
    for (const key of cleared) open.delete(key);
    alerts = [];
    for (const a of anomalies) {
      const key = `${a.dimension}=${a.value}`;
      if (open.has(key)) continue;
      open.add(key);
      alerts.push({
        anomalyId: `${key}@${new Date(at).toISOString()}`,
        ...a.detail,
        bucket: { start: new Date(at).toISOString(), end: new Date(at + settings.bucketMs).toISOString() },
      });
    }
  }
  return alerts;
}

/** The anomalous segments of one bucket (after explaining away), and the segments clearly back to normal. */
function judgeBucket(
  cells: readonly AnomalyCell[],
  at: number,
  s: AnomalySettings,
): { anomalies: Judged[]; cleared: string[] } {
  const from = at - s.baselineBuckets * s.bucketMs;
  let current = cells.filter((c) => c.bucketMs === at);
  let baseline = cells.filter((c) => c.bucketMs >= from && c.bucketMs < at);
  const aside = peerOutliers(current, s);
  const cleared = new Set<string>();
  for (const dimension of [...WHERE, 'error_code'] as const)
    for (const j of judgeAll(dimension, current, baseline, aside, s))
      if (j.enough && !j.anomalous) cleared.add(`${j.dimension}=${j.value}`);
  const anomalies: Judged[] = [];
  for (const dimensions of [WHERE, ['error_code'] as const]) {
    for (;;) {
      const worst = dimensions
        .flatMap((d) => judgeAll(d, current, baseline, aside, s))
        .filter((j) => j.anomalous)
        .sort((a, b) => b.excess - a.excess)[0];
      if (!worst) break;
      anomalies.push(worst);
      const other = (c: AnomalyCell) => valueOf(c, worst.dimension) !== worst.value;
      current = current.filter(other);
      baseline = baseline.filter(other);
    }
  }
  return { anomalies, cleared: [...cleared] };
}

type Segment = { dimension: AnomalyDimension; value: string };

/**
 * The "where" segments failing far worse than the rest of the same bucket (the same test as against a
 * baseline, with the rest's rate as the baseline), worst first. Their messages are set aside when any
 * other segment is judged: a country filtered for longer than the baseline reaches back is the new
 * normal for itself, but must not make every channel and sender that sends there look anomalous.
 */
function peerOutliers(current: readonly AnomalyCell[], s: AnomalySettings): Segment[] {
  const aside: Segment[] = [];
  let left = [...current];
  for (;;) {
    let worst: { segment: Segment; excess: number } | undefined;
    for (const dimension of WHERE)
      for (const value of new Set(left.map((c) => valueOf(c, dimension)))) {
        if (value === null) continue;
        const mine = left.filter((c) => valueOf(c, dimension) === value);
        const rest = left.filter((c) => valueOf(c, dimension) !== value);
        const d = mine.reduce((n, c) => n + c.delivered, 0);
        const n = mine.reduce((k, c) => k + c.delivered + c.failed, 0);
        const nRest = rest.reduce((k, c) => k + c.delivered + c.failed, 0);
        // No minimum sample of its own: setting aside alerts nobody, and Wilson's bound widens as n shrinks.
        if (n === 0 || nRest < s.minSample) continue;
        const pRest = rest.reduce((k, c) => k + c.delivered, 0) / nRest;
        const { change, beyond } = movedBeyond(d, n, pRest, DELIVERY_RATE.rises, s);
        if (change < s.minChange || !beyond) continue;
        const excess = n * change;
        if (!worst || excess > worst.excess) worst = { segment: { dimension, value }, excess };
      }
    if (!worst) return aside;
    const { segment } = worst;
    aside.push(segment);
    left = left.filter((c) => valueOf(c, segment.dimension) !== segment.value);
  }
}

function valueOf(cell: AnomalyCell, dimension: AnomalyDimension): string | null {
  if (dimension === 'error_code') return cell.errorCode === null ? null : String(cell.errorCode);
  return cell[dimension];
}

function judgeAll(
  dimension: AnomalyDimension,
  current: readonly AnomalyCell[],
  baseline: readonly AnomalyCell[],
  aside: readonly Segment[],
  s: AnomalySettings,
): Judged[] {
  const values = new Set(current.map((c) => valueOf(c, dimension)).filter((v) => v !== null));
  return [...values].map((value) => {
    // Every segment set aside but this one itself.
    const others = aside.filter((a) => a.dimension !== dimension || a.value !== value);
    const keep = (c: AnomalyCell) => !others.some((a) => valueOf(c, a.dimension) === a.value);
    return judge(dimension, value!, current.filter(keep), baseline.filter(keep), s);
  });
}

/**
 * How a metric reads a segment: a delivery rate is the segment's delivered over its own final
 * messages, and alerts when it falls; a failure share is the segment's failures over every final
 * message, and alerts when it rises.
 */
interface MetricReading {
  metric: DeliveryAnomalyDetail['metric'];
  counted: (c: AnomalyCell, inSegment: boolean) => number;
  hits: (c: AnomalyCell, inSegment: boolean) => number;
  /** Rising alerts, and the hits are failures (else falling alerts, and the hits are deliveries). */
  rises: boolean;
}

const DELIVERY_RATE: MetricReading = {
  metric: 'delivery_rate',
  counted: (c, inSegment) => (inSegment ? c.delivered + c.failed : 0),
  hits: (c, inSegment) => (inSegment ? c.delivered : 0),
  rises: false,
};

const FAILURE_SHARE: MetricReading = {
  metric: 'failure_share',
  counted: (c) => c.delivered + c.failed,
  hits: (c, inSegment) => (inSegment ? c.failed : 0),
  rises: true,
};

/**
 * k of n against a baseline share: how far it moved the alerting way, and whether its Wilson bound on
 * that side (low when rising, high when falling) lies beyond the baseline.
 */
function movedBeyond(
  k: number,
  n: number,
  baseline: number,
  rises: boolean,
  s: AnomalySettings,
): { share: number; change: number; bound: number; beyond: boolean } {
  const share = n === 0 ? 0 : k / n;
  const interval = wilson(k, n, s.z);
  const bound = rises ? interval.low : interval.high;
  return {
    share,
    change: rises ? share - baseline : baseline - share,
    bound,
    beyond: rises ? bound > baseline : bound < baseline,
  };
}

function judge(
  dimension: AnomalyDimension,
  value: string,
  current: readonly AnomalyCell[],
  baseline: readonly AnomalyCell[],
  s: AnomalySettings,
): Judged {
  const reading = dimension === 'error_code' ? FAILURE_SHARE : DELIVERY_RATE;
  const sum = (cells: readonly AnomalyCell[], pick: (c: AnomalyCell, inSegment: boolean) => number) =>
    cells.reduce((n, c) => n + pick(c, valueOf(c, dimension) === value), 0);
  const n = sum(current, reading.counted);
  const k = sum(current, reading.hits);
  const n0 = sum(baseline, reading.counted);
  const x0 = n0 === 0 ? 0 : sum(baseline, reading.hits) / n0;
  const { share, change, bound, beyond } = movedBeyond(k, n, x0, reading.rises, s);
  const enough = n >= s.minSample && n0 >= s.minBaselineSample;
  const [delivered, failed] = reading.rises ? [n - k, k] : [k, n - k];
  return {
    dimension,
    value,
    enough,
    anomalous: enough && change >= s.minChange && beyond,
    excess: n * change,
    detail: {
      segment: { dimension, value },
      metric: reading.metric,
      baseline: { value: round(x0), sample: n0, buckets: s.baselineBuckets },
      observed: { value: round(share), sample: n, delivered, failed, bound: round(bound) },
    },
  };
}

/** The Wilson score interval of k successes in n at `z` standard deviations. */
export function wilson(k: number, n: number, z: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** A bucket is judged once it ended this long ago, so its messages are final (the delay's last term). */
export const ANOMALY_SETTLE_MS = 120_000;

/** The start of the latest bucket that ended at least `settleMs` before `nowMs`. */
export function lastSettledBucket(nowMs: number, bucketMs: number, settleMs: number): number {
  return Math.floor((nowMs - settleMs) / bucketMs) * bucketMs - bucketMs;
}

/** What the `anomaly-cells` query must read to judge the bucket starting `bucketMs`: baseline and replay. */
export function anomalyWindow(
  bucketMs: number,
  settings: AnomalySettings = DEFAULT_ANOMALY_SETTINGS,
): { since: string; until: string } {
  return {
    since: new Date(
      bucketMs - (settings.baselineBuckets + settings.replayBuckets) * settings.bucketMs,
    ).toISOString(),
    until: new Date(bucketMs + settings.bucketMs).toISOString(),
  };
}

/** The `anomaly-cells` query's rows (DuckDB's or Athena's, typed by column) as cells. */
export function anomalyCellsOf(
  rows: ReadonlyArray<Record<string, string | number | boolean | null>>,
): AnomalyCell[] {
  return rows.map((r) => ({
    bucketMs: Number(r.bucket_ms),
    country: r.to_country === null || r.to_country === undefined ? null : String(r.to_country),
    sender: r.from_hash === null || r.from_hash === undefined ? null : String(r.from_hash),
    channel: r.channel === null || r.channel === undefined ? null : String(r.channel),
    errorCode: r.error_code === null || r.error_code === undefined ? null : Number(r.error_code),
    delivered: Number(r.delivered),
    failed: Number(r.failed),
  }));
}

/**
 * The overall delivery rate of the bucket starting `bucketMs` and of its baseline (every message, no
 * segment): what the AWS check emits as metrics for the overall-rate alarm. `rate` is undefined below
 * the minimum samples, so a quiet bucket emits nothing and the alarm stays quiet on low traffic.
 */
export function overallDeliveryRate(
  cells: readonly AnomalyCell[],
  bucketMs: number,
  settings: AnomalySettings = DEFAULT_ANOMALY_SETTINGS,
): { sample: number; baselineSample: number; rate?: number; baseline?: number } {
  const from = bucketMs - settings.baselineBuckets * settings.bucketMs;
  const tally = (keep: (c: AnomalyCell) => boolean) => {
    const mine = cells.filter(keep);
    const d = mine.reduce((n, c) => n + c.delivered, 0);
    return { d, n: mine.reduce((n, c) => n + c.delivered + c.failed, 0) };
  };
  const now = tally((c) => c.bucketMs === bucketMs);
  const before = tally((c) => c.bucketMs >= from && c.bucketMs < bucketMs);
  const enough = now.n >= settings.minSample && before.n >= settings.minBaselineSample;
  return {
    sample: now.n,
    baselineSample: before.n,
    ...(enough ? { rate: round(now.d / now.n), baseline: round(before.d / before.n) } : {}),
  };
}
