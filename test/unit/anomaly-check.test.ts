/**
 * The AWS anomaly check's use case (the scheduled Lambda's work): it asks for the latest settled bucket
 * in Athena's dialect, judges it with the domain's code, puts one `Delivery Anomaly` per new episode
 * (retrying entries the bus refused, failing the run when they stay refused), and answers the overall
 * rate and baseline the DeliveryRate alarm compares.
 */
import {
  ANOMALY_SETTLE_MS,
  DEFAULT_ANOMALY_SETTINGS,
  type DeliveryAnomalyDetail,
} from '../../lambda/domain/history/anomaly';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HistoryQueryRows } from '../../lambda/domain/history/report';
import { AnomaliesNotPublished, checkDeliveryAnomalies } from '../../lambda/use-cases/check-anomalies';

const BUCKET = DEFAULT_ANOMALY_SETTINGS.bucketMs;
const JUDGED = Date.UTC(2026, 11, 7, 10, 0);
// The run at 10:17:00: 10:00-10:15 ended 2 minutes ago, so it is the bucket judged.
const NOW = JUDGED + BUCKET + ANOMALY_SETTLE_MS;

/** 24 calm buckets (95 of 100 delivered per country), then the judged one with country 44 at 20 of 100. */
function rows(): HistoryQueryRows {
  const out: HistoryQueryRows = [];
  for (let i = DEFAULT_ANOMALY_SETTINGS.baselineBuckets; i >= 0; i--) {
    for (const country of ['1', '44', '49']) {
      const delivered = i === 0 && country === '44' ? 20 : 95;
      out.push({
        bucket_ms: JUDGED - i * BUCKET,
        to_country: country,
        from_hash: 'h1',
        channel: 'sms',
        error_code: null,
        delivered,
        failed: 0,
      });
      out.push({
        bucket_ms: JUDGED - i * BUCKET,
        to_country: country,
        from_hash: 'h1',
        channel: 'sms',
        error_code: 30007,
        delivered: 0,
        failed: 100 - delivered,
      });
    }
  }
  return out;
}

it('judges the latest settled bucket from the Athena query and puts one event for the country', async () => {
  const sql: string[] = [];
  const puts: DeliveryAnomalyDetail[][] = [];
  let refuse = true;
  const result = await checkDeliveryAnomalies({
    query: async (text) => {
      sql.push(text);
      return rows();
    },
    source: '"db"."status_history"',
    publisher: {
      put: async (anomalies) => {
        puts.push([...anomalies]);
        // The first put's entry is refused once (throttled): retried, not dropped.
        const failed = refuse ? [0] : [];
        refuse = false;
        return { failed };
      },
    },
    now: () => NOW,
  });
  expect(sql).toHaveLength(1);
  expect(sql[0]).toContain('FROM "db"."status_history"');
  expect(result.bucket).toBe('2026-12-07T10:00:00.000Z');
  expect(result.anomalies.map((a) => a.anomalyId)).toEqual(['country=44@2026-12-07T10:00:00.000Z']);
  expect(puts).toEqual([result.anomalies, result.anomalies]);
  expect(result.overall).toEqual({ sample: 300, baselineSample: 7200, rate: 0.7, baseline: 0.95 });
});

it('fails the run, naming the anomalies, when the bus keeps refusing them', async () => {
  await expect(
    checkDeliveryAnomalies({
      query: async () => rows(),
      source: '"db"."status_history"',
      publisher: { put: async (anomalies) => ({ failed: anomalies.map((_, i) => i) }) },
      now: () => NOW,
    }),
  ).rejects.toThrow(
    new AnomaliesNotPublished(
      '1 Delivery Anomaly events were not accepted by the bus: country=44@2026-12-07T10:00:00.000Z',
    ),
  );
});

it('on low traffic: no anomaly and no overall rate (the alarm stays quiet)', async () => {
  const few = rows().map((r) => ({
    ...r,
    delivered: Math.min(Number(r.delivered), 1),
    failed: Math.min(Number(r.failed), 1),
  }));
  const result = await checkDeliveryAnomalies({
    query: async () => few,
    source: '"db"."status_history"',
    publisher: { put: async () => ({ failed: [] }) },
    now: () => NOW,
  });
  expect(result.anomalies).toEqual([]);
  expect(result.overall.rate).toBeUndefined();
});

it('puts the detail docs/events.schema.json describes (definitions.DeliveryAnomaly), no field more or less', async () => {
  interface Schema {
    required?: string[];
    properties?: Record<string, Schema>;
    type?: string | string[];
  }
  const schema = (
    JSON.parse(readFileSync(path.join(__dirname, '../../docs/events.schema.json'), 'utf8')) as {
      definitions: { DeliveryAnomaly: Schema };
    }
  ).definitions.DeliveryAnomaly;
  const { anomalies } = await checkDeliveryAnomalies({
    query: async () => rows(),
    source: '"db"."status_history"',
    publisher: { put: async () => ({ failed: [] }) },
    now: () => NOW,
  });
  const check = (value: unknown, at: Schema, where: string): void => {
    if (!at.properties) return;
    const object = value as Record<string, unknown>;
    expect([where, Object.keys(object).sort()]).toEqual([where, [...(at.required ?? [])].sort()]);
    expect([where, Object.keys(at.properties).sort()]).toEqual([where, Object.keys(object).sort()]);
    for (const [key, sub] of Object.entries(at.properties)) check(object[key], sub, `${where}.${key}`);
  };
  check(anomalies[0], schema, 'detail');
});
