/**
 * The time series of the history report (the `-over-time` queries), on DuckDB, against a storm with a
 * known truth (test/support/storm.ts): messages to four countries, from three senders (one a Messaging
 * Service), over SMS, MMS, WhatsApp and RCS, with tags and failures, every event redelivered at random
 * and shuffled, written by the local history writer. Every figure of every bucket must equal the one
 * computed here from the storm's truth, per hour and per day.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPseudonymiser } from '../../lambda/adapters/secondary/pseudonymiser';
import type { HistoryGranularity } from '../../lambda/domain/history/queries';
import type { HistoryQueryRows, HistoryReport } from '../../lambda/domain/history/report';
import { countryCallingCodeOf } from '../../lambda/domain/history/row';
import { computeHistoryReport } from '../../local/history/report';
import { startHistoryWriter } from '../../local/history/writer';
import { historyStorm, type StormMessage } from '../support/storm';

const KEY = 'test-history-key-0123456789abcdef0123456789';
const hash = createPseudonymiser(KEY);
const HOUR = 3_600_000;
const DAY = 86_400_000;
// Whole hours before now: every status time is in the past, and every row lands in today's partition.
const START = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
const storm = historyStorm({ startMs: START, messages: 3000, everyMs: 30_000 });
const window = { since: new Date(START).toISOString(), until: new Date(START + 27 * HOUR).toISOString() };

let root: string;
const reports = new Map<HistoryGranularity, HistoryReport>();
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'history-over-time-'));
  const dir = path.join(root, 'history');
  const writer = await startHistoryWriter({ dir, pseudonymise: hash, flushEveryMs: 3_600_000 });
  for (const detail of storm.details) writer.write(detail);
  await writer.stop();
  for (const granularity of ['hour', 'day'] as const)
    reports.set(granularity, await computeHistoryReport(dir, { ...window, granularity }));
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bucketText = (ms: number, granularity: HistoryGranularity) => {
  const size = granularity === 'hour' ? HOUR : DAY;
  return new Date(Math.floor(ms / size) * size).toISOString().replace('.000Z', 'Z');
};

const prefixOf = (m: StormMessage) =>
  m.channel === 'whatsapp' || m.channel === 'rcs' ? `${m.channel}:` : '';

/** Per bucket of the message's first row (queued) and per key, how its messages ended, as the query's rows. */
function expectedBreakdown(
  granularity: HistoryGranularity,
  columns: string[],
  keysOf: (m: StormMessage) => Array<Array<string | null>>,
): HistoryQueryRows {
  const groups = new Map<string, { bucket: string; key: Array<string | null>; counts: number[] }>();
  for (const m of storm.messages)
    for (const key of keysOf(m)) {
      const bucket = bucketText(m.queuedMs, granularity);
      const id = JSON.stringify([bucket, key]);
      const group = groups.get(id) ?? { bucket, key, counts: [0, 0, 0, 0] };
      group.counts[0]!++;
      group.counts[{ delivered: 1, failed: 2, not_final: 3 }[m.outcome]]!++;
      groups.set(id, group);
    }
  return [...groups.values()].map(({ bucket, key, counts: [messages, delivered, failed, notFinal] }) => ({
    bucket,
    ...Object.fromEntries(columns.map((c, i) => [c, key[i] ?? null])),
    messages: messages!,
    delivered: delivered!,
    failed: failed!,
    not_final: notFinal!,
    delivery_rate: Math.round((delivered! / messages!) * 10_000) / 10_000,
  }));
}

const sortRows = (rows: HistoryQueryRows) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The exact percentile, linearly interpolated between the closest ranks (DuckDB's quantile_cont). */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

describe.each(['hour', 'day'] as const)('the history storm per %s', (granularity) => {
  const rows = (name: string) => reports.get(granularity)!.queries[name]!;

  it('the storm has what the figures are about', () => {
    expect(reports.get(granularity)!.window.granularity).toBe(granularity);
    expect(storm.details.length).toBeGreaterThan(storm.messages.length * 3);
    const buckets = new Set(storm.messages.map((m) => bucketText(m.queuedMs, granularity)));
    expect(buckets.size).toBeGreaterThanOrEqual(granularity === 'hour' ? 25 : 2);
    expect(rows('delivery-rate-by-country-over-time').length).toBeGreaterThanOrEqual(buckets.size * 4);
  });

  it('delivery rate by destination country: every bucket and country equals the truth', () => {
    expect(sortRows(rows('delivery-rate-by-country-over-time'))).toEqual(
      sortRows(expectedBreakdown(granularity, ['to_country'], (m) => [[m.country]])),
    );
  });

  it('delivery rate by sender (hash of From, its country) and by Messaging Service equal the truth', () => {
    expect(sortRows(rows('delivery-rate-by-sender-over-time'))).toEqual(
      sortRows(
        expectedBreakdown(granularity, ['from_hash', 'from_country'], (m) => {
          const from = `${prefixOf(m)}${m.sender.from}`;
          return [[hash(from), countryCallingCodeOf(from)]];
        }),
      ),
    );
    expect(sortRows(rows('delivery-rate-by-messaging-service-over-time'))).toEqual(
      sortRows(
        expectedBreakdown(granularity, ['messaging_service_sid'], (m) => [
          [m.sender.messagingServiceSid ?? null],
        ]),
      ),
    );
  });

  it('delivery rate by channel: sms, mms (an MM SID), whatsapp and rcs (ChannelPrefix) equal the truth', () => {
    const byChannel = rows('delivery-rate-by-channel-over-time');
    expect(new Set(byChannel.map((r) => r.channel))).toEqual(new Set(['sms', 'mms', 'whatsapp', 'rcs']));
    expect(sortRows(byChannel)).toEqual(
      sortRows(expectedBreakdown(granularity, ['channel'], (m) => [[m.channel]])),
    );
  });

  it('delivery rate by tag: a message counts once per tag, in the bucket of its first row', () => {
    expect(sortRows(rows('delivery-rate-by-tag-over-time'))).toEqual(
      sortRows(expectedBreakdown(granularity, ['tag_key', 'tag_value'], (m) => Object.entries(m.tags))),
    );
  });

  it('error codes over time: messages per code in the bucket of the failure', () => {
    const counts = new Map<string, number>();
    for (const m of storm.messages) {
      if (m.errorCode === null) continue;
      // The failure is the last status change: the storm's undelivered comes 300 ms to 5.3 s after sent.
      const failedAt = storm.details.find((d) => d.messageSid === m.sid && d.status === 'undelivered')!.at!;
      const id = JSON.stringify([bucketText(Date.parse(failedAt), granularity), m.errorCode]);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThan(3);
    expect(sortRows(rows('error-codes-over-time'))).toEqual(
      sortRows(
        [...counts].map(([id, messages]) => {
          const [bucket, code] = JSON.parse(id) as [string, number];
          return { bucket, error_code: code, messages };
        }),
      ),
    );
  });

  it('time from sent to delivered over time: exact percentiles per bucket of sent', () => {
    const latencies = new Map<string, number[]>();
    for (const m of storm.messages) {
      if (m.deliveredMs === null || m.sentMs === null) continue;
      const bucket = bucketText(m.sentMs, granularity);
      latencies.set(bucket, [...(latencies.get(bucket) ?? []), m.deliveredMs - m.sentMs]);
    }
    const answered = rows('delivery-latency-over-time');
    expect(answered.map((r) => r.bucket)).toEqual([...latencies.keys()].sort());
    for (const row of answered) {
      const values = latencies.get(String(row.bucket))!;
      expect(row.messages).toBe(values.length);
      expect(row.p50_ms).toBeCloseTo(percentile(values, 0.5), 3);
      expect(row.p90_ms).toBeCloseTo(percentile(values, 0.9), 3);
      expect(row.p99_ms).toBeCloseTo(percentile(values, 0.99), 3);
    }
  });
});
