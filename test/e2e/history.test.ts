/**
 * History through the real local pipeline: a storm of messages (tags, a Messaging Service, WhatsApp)
 * through the sender to the Twilio simulator, whose callbacks arrive shuffled and duplicated; every
 * status-change event becomes a Parquet row. Once the pipeline stops (which flushes: the writer here
 * never flushes on its own), `npm run report -- --json` must give counts equal to the truth, computed
 * here independently: final statuses and error codes from the simulator, senders and services from the
 * store, tags from the requests, per-status times from the events read on GET /events (SSE).
 *
 * Then `npm start` itself: history under HISTORY_DIR, readable on GET /history/report within 5 s of its
 * events, and history off on request.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPseudonymiser } from '../../lambda/adapters/secondary/pseudonymiser';
import type { HistoryReport } from '../../lambda/domain/history/report';
import { countryCallingCodeOf } from '../../lambda/domain/history/row';
import type { StatusChangeDetail } from '../../lambda/domain/status-event';
import { compareWithTruth, sendBatch } from '../../local/batch';
import { settledEvents, subscribeEvents, type EventsSubscription } from '../../local/events/sse-client';
import { PipelineConfigError, startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { freePort } from '../../local/free-port';
import { dynamoEndpoint } from '../support/dynamodb';
import { STORM_SIMULATOR } from '../support/storm';
import { exited, run, runToEnd } from '../support/processes';

const MESSAGES = 300;
const KEY = 'e2e-history-key-0123456789abcdef0123456789';
const SERVICE = 'MG0123456789abcdef0123456789abcdef';
const DELIVERED = ['delivered', 'read'];
const FAILED = ['failed', 'undelivered', 'canceled'];

let root: string;
beforeAll(() => (root = mkdtempSync(path.join(tmpdir(), 'e2e-history-'))));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What message i is sent with, besides sendBatch's own fields (every 10th is WhatsApp, from its number). */
function extra(i: number): { tags: Record<string, string>; messagingServiceSid?: string } {
  return {
    tags: { cohort: `c${i % 3}`, ...(i % 4 === 0 ? { vip: 'yes' } : {}) },
    ...(i % 10 !== 0 && i % 3 === 1 ? { messagingServiceSid: SERVICE } : {}),
  };
}

/** The exact percentile, linearly interpolated between the closest ranks (what DuckDB's quantile_cont is). */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

function tally<K extends string>(keys: Iterable<K>): Record<K, number> {
  const counts = {} as Record<K, number>;
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

describe('a storm through the local pipeline, then npm run report -- --json', () => {
  let pipeline: LocalPipeline;
  let sse: EventsSubscription;
  let dir: string;
  let sids: string[];
  let report: HistoryReport;
  let details: StatusChangeDetail[];
  const outcome = new Map<string, 'delivered' | 'failed' | 'not_final'>();
  const since = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    dir = path.join(root, 'storm', 'history');
    pipeline = await startLocalPipeline({
      port: 0,
      authToken: 'e2e-history-token-0123456789',
      dynamodbEndpoint: dynamoEndpoint(),
      tableName: `e2e-history-${Date.now()}`,
      logLevel: 'ERROR',
      events: { ringSize: MESSAGES * 10 },
      // Never flushed by time: what reaches the files below was written by stop().
      history: { dir, hashKey: KEY, flushEveryMs: 3_600_000 },
      twilio: { simulator: STORM_SIMULATOR },
    });
    sse = await subscribeEvents(pipeline.url);
  }, 60_000);
  afterAll(async () => {
    sse?.close();
    await pipeline?.stop();
  });

  it('the pipeline ends every message at the simulator truth, and every event reaches the writer', async () => {
    const simulator = pipeline.simulator!;
    sids = await sendBatch({
      url: pipeline.url,
      count: MESSAGES,
      concurrency: 16,
      whatsappShare: 0.1,
      extra,
    });
    await simulator.idle();
    const truth = simulator.truth();
    const comparison = await compareWithTruth(sids, truth, (sid) => pipeline.store.get(sid));
    expect(comparison.mismatches).toEqual([]);
    const check = await settledEvents(sse, comparison.storedStatus, 30_000);
    expect(check.problems).toEqual([]);
    details = sse.events.map((e) => e.message.detail);
    for (const sid of sids) {
      const status = truth.get(sid)!.status;
      outcome.set(
        sid,
        DELIVERED.includes(status) ? 'delivered' : FAILED.includes(status) ? 'failed' : 'not_final',
      );
    }
    // The storm really was one.
    const stats = simulator.stats();
    expect(stats.callbacksReordered).toBeGreaterThan(30);
    expect(stats.callbacksDuplicated).toBeGreaterThan(30);
    expect(pipeline.counts.stale + pipeline.counts.duplicate).toBeGreaterThan(30);

    const writer = pipeline.history!.writer;
    expect(writer.stats()).toEqual({ written: 0, files: 0, pending: details.length, compacted: 0 });
    expect(readdirSync(dir)).toEqual([]);
  }, 180_000);

  it('stopping the pipeline writes every buffered row', async () => {
    await pipeline.stop();
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.parquet'),
    );
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => /^dt=\d{4}-\d{2}-\d{2}\/part-\d+-\d+\.parquet$/.test(f))).toBe(true);
  }, 60_000);

  it('npm run report -- --json: messages, final statuses and error codes equal the truth', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const result = await runToEnd('local/report.ts', [
      '--dir',
      dir,
      '--since',
      since,
      '--until',
      until,
      '--json',
    ]);
    expect(result.code).toBe(0);
    report = JSON.parse(result.stdout) as HistoryReport;
    const truth = pipeline.simulator!.truth();
    expect(report.messages).toBe(MESSAGES);
    expect(report.finalStatus).toEqual(tally(sids.map((sid) => truth.get(sid)!.status)));
    expect(report.errorCodes).toEqual(
      tally(sids.flatMap((sid) => (truth.get(sid)!.errorCode ? [String(truth.get(sid)!.errorCode)] : []))),
    );
    expect(Object.keys(report.finalStatus).length).toBeGreaterThanOrEqual(4);
    expect(report.queries.summary).toEqual([{ messages: MESSAGES, history_rows: details.length }]);
  }, 60_000);

  it('the funnel per day and the latency percentiles equal those of the events', () => {
    const funnel = new Map<string, Map<string, Set<string>>>();
    for (const d of details) {
      const day = d.at!.slice(0, 10);
      const statuses = funnel.get(day) ?? new Map<string, Set<string>>();
      statuses.set(d.status, (statuses.get(d.status) ?? new Set()).add(d.messageSid));
      funnel.set(day, statuses);
    }
    expect(report.funnel).toEqual(
      [...funnel]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([day, statuses]) => ({
          day,
          statuses: Object.fromEntries([...statuses].map(([status, set]) => [status, set.size])),
        })),
    );

    const times = new Map<string, { sent?: number; delivered?: number }>();
    for (const d of details) {
      if ((d.status !== 'sent' && d.status !== 'delivered') || d.source === 'poll' || d.at === null) continue;
      times.set(d.messageSid, { ...times.get(d.messageSid), [d.status]: Date.parse(d.at) });
    }
    const latencies = [...times.values()].flatMap((t) =>
      t.sent !== undefined && t.delivered !== undefined ? [t.delivered - t.sent] : [],
    );
    expect(latencies.length).toBeGreaterThan(50);
    const { deliveryLatencyMs } = report;
    expect(deliveryLatencyMs.messages).toBe(latencies.length);
    // DuckDB's percentiles are exact: equal up to floating point.
    expect(deliveryLatencyMs.p50).toBeCloseTo(percentile(latencies, 0.5), 3);
    expect(deliveryLatencyMs.p90).toBeCloseTo(percentile(latencies, 0.9), 3);
    expect(deliveryLatencyMs.p99).toBeCloseTo(percentile(latencies, 0.99), 3);
  });

  it('by sender, by Messaging Service, by tag and never final equal the truth', async () => {
    const hash = createPseudonymiser(KEY);
    const records = new Map(
      await Promise.all(sids.map(async (sid) => [sid, (await pipeline.store.get(sid))!] as const)),
    );
    const breakdown = (groupsOf: (sid: string, i: number) => string[][]) => {
      const groups = new Map<string, { key: string[]; counts: Record<string, number> }>();
      sids.forEach((sid, i) => {
        for (const key of groupsOf(sid, i)) {
          const id = JSON.stringify(key);
          const group = groups.get(id) ?? {
            key,
            counts: { messages: 0, delivered: 0, failed: 0, not_final: 0 },
          };
          group.counts.messages!++;
          group.counts[outcome.get(sid)!]!++;
          groups.set(id, group);
        }
      });
      return [...groups.values()];
    };
    const rowsAsGroups = (rows: HistoryReport['queries'][string], columns: string[]) =>
      rows.map((row) => ({
        key: columns.map((c) => (row[c] === null ? 'null' : String(row[c]))),
        counts: {
          messages: row.messages,
          delivered: row.delivered,
          failed: row.failed,
          not_final: row.not_final,
        },
      }));
    const sorted = <T extends { key: string[] }>(groups: T[]) =>
      [...groups].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));

    const bySender = breakdown((sid) => {
      const from = records.get(sid)!.from ?? null;
      return [[from === null ? 'null' : hash(from), countryCallingCodeOf(from) ?? 'null']];
    });
    expect(bySender.length).toBeGreaterThanOrEqual(2);
    expect(sorted(rowsAsGroups(report.queries['by-sender']!, ['from_hash', 'from_country']))).toEqual(
      sorted(bySender),
    );

    const byService = breakdown((sid) => [[records.get(sid)!.messagingServiceSid ?? 'null']]);
    expect(byService.map((g) => g.key[0])).toContain(SERVICE);
    expect(sorted(rowsAsGroups(report.queries['by-messaging-service']!, ['messaging_service_sid']))).toEqual(
      sorted(byService),
    );

    const byTag = breakdown((_, i) => Object.entries(extra(i).tags));
    expect(sorted(rowsAsGroups(report.queries['by-tag']!, ['tag_key', 'tag_value']))).toEqual(sorted(byTag));

    const truth = pipeline.simulator!.truth();
    const neverFinal = tally(
      sids.filter((sid) => outcome.get(sid) === 'not_final').map((sid) => truth.get(sid)!.status),
    );
    expect(Object.values(neverFinal).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(
      Object.fromEntries(report.queries['never-final']!.map((r) => [String(r.last_status), r.messages])),
    ).toEqual(neverFinal);
  }, 60_000);
});

describe('history and the pipeline options', () => {
  it('history needs events: a clear configuration error', async () => {
    await expect(
      startLocalPipeline({
        port: 0,
        events: false,
        history: { dir: path.join(root, 'x', 'history'), hashKey: KEY },
      }),
    ).rejects.toThrow(
      new PipelineConfigError('history is written from status-change events: turn events on, or history off'),
    );
  });
});

describe('npm start with history', () => {
  async function startApp(env: Record<string, string>) {
    const port = await freePort();
    const app = run('local/start.ts', [], {
      PORT: String(port),
      DYNAMODB_PORT: String(await freePort()),
      ...env,
    });
    const deadline = Date.now() + 60_000;
    while (!app.output().includes('Ctrl-C stops everything')) {
      if (Date.now() > deadline || app.child.exitCode !== null)
        throw new Error(`npm start did not start:\n${app.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { ...app, url: `http://127.0.0.1:${port}` };
  }
  const stopApp = async (app: Awaited<ReturnType<typeof startApp>>) => {
    if (app.child.exitCode === null) app.child.kill('SIGINT');
    return exited(app.child);
  };

  it('writes under HISTORY_DIR, readable on GET /history/report within 5 s of each event; the report command reads it after Ctrl-C', async () => {
    const dir = path.join(root, 'start', 'history');
    const app = await startApp({ HISTORY_DIR: dir });
    try {
      expect(app.output()).toContain(`history    Parquet under ${dir}`);
      const sse = await subscribeEvents(app.url);
      try {
        await sendBatch({ url: app.url, count: 5, concurrency: 5 });
        // Rows are written in delivery order: once the report counts k rows, the first k events are in.
        let visible = 0;
        let slowest = 0;
        let report: HistoryReport | undefined;
        let quietSince = Date.now();
        let seen = 0;
        while (Date.now() - quietSince < 3_000) {
          report = (await (await fetch(`${app.url}/history/report?since=1d`)).json()) as HistoryReport;
          const rows = Number(report.queries.summary?.[0]?.history_rows ?? 0);
          const now = Date.now();
          for (; visible < Math.min(rows, sse.events.length); visible++)
            slowest = Math.max(slowest, now - sse.events[visible]!.receivedAt);
          if (sse.events.length !== seen || visible < sse.events.length)
            [seen, quietSince] = [sse.events.length, now];
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(sse.events.length).toBeGreaterThanOrEqual(10);
        expect(visible).toBe(sse.events.length);
        expect(slowest).toBeLessThan(5_000);
        expect(report?.messages).toBe(5);
      } finally {
        sse.close();
      }
    } finally {
      expect(await stopApp(app)).toBe(0);
    }
    expect(app.output()).toContain('stopping...');
    const { code, stdout } = await runToEnd('local/report.ts', ['--dir', dir, '--since', '1d', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as HistoryReport).messages).toBe(5);
  }, 120_000);

  it('HISTORY=off: nothing written, and GET /history/report says history is off', async () => {
    const app = await startApp({ HISTORY: 'off', HISTORY_DIR: path.join(root, 'off', 'history') });
    try {
      expect(app.output()).toContain('history    off (HISTORY=off)');
      const response = await fetch(`${app.url}/history/report`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'history is off' });
    } finally {
      expect(await stopApp(app)).toBe(0);
    }
    expect(readdirSync(root)).not.toContain('off');
  }, 120_000);
});
