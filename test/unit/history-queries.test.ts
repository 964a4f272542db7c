/**
 * The named history queries and their dialect shim. DuckDB runs here (in memory, no files): every
 * difference between the engines is rendered for both, and the DuckDB side is executed. Athena cannot run
 * here, so its text is checked for the Athena forms, and each query must be the same logical query in
 * both dialects: the Athena text with its forms swapped for DuckDB's is the DuckDB text, character for
 * character.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  HistoryQueryError,
  NAMED_HISTORY_QUERIES,
  OUTCOME_CODES,
  historyQuerySql,
  reportWindowOf,
  type HistoryDialect,
  type HistoryGranularity,
  type HistoryWindow,
} from '../../lambda/domain/history/queries';
import { HISTORY_COLUMNS, historyRowOf, type HistoryRow } from '../../lambda/domain/history/row';
import { KNOWN_STATUSES, rankOf } from '../../lambda/domain/lifecycle';
import { appendHistoryRows, historyTableSql, queryRows } from '../../local/history/duckdb';
import { statusChange } from '../support/history';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const WINDOW: HistoryWindow = { since: '2026-11-20T00:00:00Z', until: '2026-11-21T00:00:00Z' };

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let table = 0;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** The history row of a status change at `at` (epoch ms), recorded 50 ms later; `extra` overrides columns. */
function row(sid: string, status: string, at: number | null, extra: Partial<HistoryRow> = {}): HistoryRow {
  const detail = statusChange(sid, status, at === null ? null : new Date(at).toISOString());
  return { ...historyRowOf(detail, (address) => `hash:${address}`, (at ?? T0) + 50), ...extra };
}

/** A fresh table holding `rows`; its name is the source to query. */
async function tableOf(rows: HistoryRow[]): Promise<string> {
  const name = `h${++table}`;
  await connection.run(historyTableSql(name));
  await appendHistoryRows(connection, name, rows);
  return name;
}

const run = (name: string, source: string, window: HistoryWindow = WINDOW) =>
  queryRows(connection, historyQuerySql(name, 'duckdb', source, window));

/** The Athena forms, each replaced by its DuckDB form (the shim's whole list of differences). */
function athenaToDuckdbForms(sql: string): string {
  return sql
    .replace(/approx_percentile\(/g, 'quantile_cont(')
    .replace(
      /SELECT (.+), t\.tag_key, t\.tag_value FROM w CROSS JOIN UNNEST\(w\.tags\) AS t\(tag_key, tag_value\)/g,
      (_, columns: string) =>
        `SELECT ${columns}, unnest(map_keys(tags)) AS tag_key, unnest(map_values(tags)) AS tag_value FROM w`,
    )
    .replace(
      /date_format\(from_unixtime\((.+?) \/ 1000e0\), '([^']*)'\)/g,
      (_, ms: string, pattern: string) =>
        `strftime(epoch_ms(${ms}), '${pattern.replace('%i', '%M').replace('%s', '%S')}')`,
    )
    .replace(/CAST\(to_unixtime\(current_timestamp\) \* 1000 AS bigint\)/g, 'epoch_ms(current_timestamp)');
}

describe('the named history queries', () => {
  it('have unique kebab-case names, a title and a description, and cover the report', () => {
    const names = NAMED_HISTORY_QUERIES.map((q) => q.name);
    expect(new Set(names).size).toBe(names.length);
    for (const q of NAMED_HISTORY_QUERIES) {
      expect(q.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(q.title.length).toBeGreaterThan(3);
      expect(q.description.length).toBeGreaterThan(20);
    }
    expect(names).toEqual(
      expect.arrayContaining([
        'delivery-funnel-per-day',
        'failures-by-error-code',
        'by-sender',
        'by-messaging-service',
        'by-tag',
        'delivery-latency',
        'never-final',
        'final-status',
        'summary',
      ]),
    );
  });

  it('render the same logical query in both dialects, differing only in the shimmed forms', () => {
    for (const { name } of NAMED_HISTORY_QUERIES) {
      for (const window of [WINDOW, { lastDays: 7 }]) {
        const athena = historyQuerySql(name, 'athena', '"db"."history"', window);
        const duckdb = historyQuerySql(name, 'duckdb', '"db"."history"', window);
        expect(athenaToDuckdbForms(athena)).toBe(duckdb);
      }
    }
  });

  it('run on DuckDB, every one of them, over the same rows', async () => {
    const source = await tableOf([row('SM1', 'sent', T0), row('SM1', 'delivered', T0 + 900)]);
    for (const { name } of NAMED_HISTORY_QUERIES) {
      await expect(run(name, source)).resolves.toEqual(expect.any(Array));
    }
  });

  it('name an unknown query and suggest the closest one', () => {
    expect(() => historyQuerySql('by-sendr', 'duckdb', 't', WINDOW)).toThrow(/did you mean "by-sender"/);
    expect(() => historyQuerySql('by-sendr', 'duckdb', 't', WINDOW)).toThrow(HistoryQueryError);
    expect(() => historyQuerySql('nope', 'duckdb', 't', WINDOW)).toThrow(
      /no history query named "nope"; known: summary/,
    );
    expect(() => historyQuerySql('summary', 'postgres' as HistoryDialect, 't', WINDOW)).toThrow(
      /unknown SQL dialect "postgres"/,
    );
  });
});

describe('the dialect shim, one difference at a time', () => {
  it('percentiles: approx_percentile on Athena, the exact quantile_cont on DuckDB', async () => {
    expect(historyQuerySql('delivery-latency', 'athena', 't', WINDOW)).toContain(
      'approx_percentile(delivered_ms - sent_ms, 0.5)',
    );
    const duckdb = historyQuerySql('delivery-latency', 'duckdb', 't', WINDOW);
    expect(duckdb).toContain('quantile_cont(delivered_ms - sent_ms, 0.99)');
    expect(duckdb).not.toContain('approx_percentile');
    // 101 messages with latencies 0, 10, ..., 1000 ms: exact percentiles are 500, 900 and 990.
    const rows = Array.from({ length: 101 }, (_, i) => [
      row(`SM${i}`, 'sent', T0 + i),
      row(`SM${i}`, 'delivered', T0 + i + i * 10),
    ]).flat();
    const [result] = await run('delivery-latency', await tableOf(rows));
    expect(result).toEqual({ p50_ms: 500, p90_ms: 900, p99_ms: 990, messages: 101 });
  });

  it('tags as rows: UNNEST(map) AS t(k, v) on Athena, zipped unnest of keys and values on DuckDB', async () => {
    expect(historyQuerySql('by-tag', 'athena', 't', WINDOW)).toContain(
      'FROM w CROSS JOIN UNNEST(w.tags) AS t(tag_key, tag_value)',
    );
    const duckdb = historyQuerySql('by-tag', 'duckdb', 't', WINDOW);
    expect(duckdb).toContain(
      'unnest(map_keys(tags)) AS tag_key, unnest(map_values(tags)) AS tag_value FROM w',
    );
    await expect(
      queryRows(
        connection,
        "SELECT * FROM (SELECT MAP {'k': 'v'} AS tags) AS w CROSS JOIN UNNEST(w.tags) AS t(k, v)",
      ),
    ).rejects.toThrow();
    const source = await tableOf([
      row('SM1', 'sent', T0, { tags: { campaign: 'spring', team: 'growth' } }),
      row('SM1', 'delivered', T0 + 1, { tags: { campaign: 'spring', team: 'growth' } }),
      row('SM2', 'failed', T0, { tags: { campaign: 'spring' } }),
      row('SM3', 'sent', T0, { tags: { campaign: 'autumn' } }),
      row('SM4', 'delivered', T0),
    ]);
    const byTag = await run('by-tag', source);
    expect(
      byTag.map((r) => [r.tag_key, r.tag_value, r.messages, r.delivered, r.failed, r.not_final]),
    ).toEqual([
      ['campaign', 'spring', 2, 1, 1, 0],
      ['campaign', 'autumn', 1, 0, 0, 1],
      ['team', 'growth', 1, 1, 0, 0],
    ]);
  });

  it("map access by key: no query needs it (DuckDB 1.5's element_at answers a list, Athena's the value)", async () => {
    for (const { name } of NAMED_HISTORY_QUERIES)
      for (const dialect of ['athena', 'duckdb'] as const)
        expect(historyQuerySql(name, dialect, 't', WINDOW)).not.toMatch(/element_at|map_extract|tags\[/);
    const [raw] = await queryRows(
      connection,
      "SELECT element_at(MAP {'k': 'v'}, 'k') AS present, element_at(MAP {'k': 'v'}, 'x') AS absent",
    );
    expect(raw).toEqual({ present: '["v"]', absent: '[]' });
  });

  it('`at` is a DuckDB keyword, so no history column and no query uses it as a name', async () => {
    await expect(queryRows(connection, 'SELECT at FROM (SELECT 1 AS at)')).rejects.toThrow(/syntax error/);
    expect(HISTORY_COLUMNS.map((c) => c.name)).not.toContain('at');
    for (const { name } of NAMED_HISTORY_QUERIES) {
      for (const dialect of ['athena', 'duckdb'] as const)
        expect(historyQuerySql(name, dialect, 't', WINDOW)).not.toMatch(/\bat\b/i);
    }
  });

  it('epoch ms to a UTC day and time: from_unixtime / date_format on Athena, epoch_ms / strftime on DuckDB', async () => {
    const athena = historyQuerySql('never-final', 'athena', 't', WINDOW);
    expect(athena).toContain("date_format(from_unixtime(min(last_ms) / 1000e0), '%Y-%m-%dT%H:%i:%sZ')");
    expect(historyQuerySql('delivery-funnel-per-day', 'athena', 't', WINDOW)).toContain(
      'date_format(from_unixtime(day_number * 86400000 / 1000e0), \'%Y-%m-%d\') AS "day"',
    );
    const lastMsOfDay = Date.parse('2026-11-20T23:59:59.999Z');
    const source = await tableOf([
      row('SM1', 'queued', Date.parse('2026-11-20T00:00:00.000Z')),
      row('SM2', 'sent', lastMsOfDay),
      row('SM3', 'sent', Date.parse('2026-11-21T00:00:00.000Z')),
    ]);
    const funnel = await run('delivery-funnel-per-day', source, {
      since: '2026-11-20T00:00:00Z',
      until: '2026-11-22T00:00:00Z',
    });
    expect(funnel.map((r) => [r.day, r.status, r.messages])).toEqual([
      ['2026-11-20', 'queued', 1],
      ['2026-11-20', 'sent', 1],
      ['2026-11-21', 'sent', 1],
    ]);
    const neverFinal = await run('never-final', source, WINDOW);
    expect(neverFinal).toEqual([
      {
        last_status: 'queued',
        messages: 1,
        oldest_last_change: '2026-11-20T00:00:00Z',
        newest_last_change: '2026-11-20T00:00:00Z',
      },
      {
        last_status: 'sent',
        messages: 1,
        oldest_last_change: '2026-11-20T23:59:59Z',
        newest_last_change: '2026-11-20T23:59:59Z',
      },
    ]);
  });

  it("the last n days: relative to the engine's clock (to_unixtime on Athena, epoch_ms on DuckDB)", async () => {
    const athena = historyQuerySql('summary', 'athena', 't', { lastDays: 7 });
    expect(athena).toContain('(CAST(to_unixtime(current_timestamp) * 1000 AS bigint) - 604800000)');
    expect(athena).toContain(
      "dt >= date_format(from_unixtime(((CAST(to_unixtime(current_timestamp) * 1000 AS bigint) - 604800000) - 86400000) / 1000e0), '%Y-%m-%d')",
    );
    const now = Date.now();
    const day = 86_400_000;
    const source = await tableOf([
      row('SM1', 'sent', now - day),
      row('SM2', 'sent', now - 6.9 * day),
      row('SM3', 'sent', now - 7.1 * day),
      row('SM4', 'sent', now + day), // a status time ahead of the clock is not in "the last 7 days"
    ]);
    const [summary] = await run('summary', source, { lastDays: 7 });
    expect(summary).toEqual({ messages: 2, history_rows: 2 });
  });

  it('ratios divide as doubles in both engines (Athena truncates bigint / bigint)', async () => {
    for (const dialect of ['athena', 'duckdb'] as const) {
      expect(historyQuerySql('failures-by-error-code', dialect, 't', WINDOW)).toContain(
        'CAST(messages AS double) / (SELECT messages FROM e WHERE is_total = 1)',
      );
      expect(historyQuerySql('by-sender', dialect, 't', WINDOW)).toMatch(
        /CAST\(sum\(.*\) AS double\) \/ count\(\*\)/,
      );
    }
    const source = await tableOf([
      row('SM1', 'failed', T0, { error_code: 30003 }),
      row('SM2', 'delivered', T0),
      row('SM3', 'delivered', T0),
    ]);
    expect(await run('failures-by-error-code', source)).toEqual([
      { error_code: 30003, messages: 1, rate: 0.3333 },
    ]);
  });
});

describe('the window', () => {
  it('holds the rows whose status time is in [since, until), falling back to the recorded time', async () => {
    const since = Date.parse(WINDOW.since);
    const until = Date.parse(WINDOW.until);
    const source = await tableOf([
      row('SM-at-since', 'sent', since),
      row('SM-before', 'sent', since - 1),
      row('SM-at-until', 'sent', until),
      row('SM-last-ms', 'sent', until - 1),
      row('SM-no-time-in', 'sent', null, { recorded_at_ms: since + 5 }),
      row('SM-no-time-out', 'sent', null, { recorded_at_ms: until + 5 }),
    ]);
    const finals = await run('final-status', source);
    expect(finals).toEqual([{ status: 'sent', messages: 3 }]);
    const [summary] = await run('summary', source);
    expect(summary).toEqual({ messages: 3, history_rows: 3 });
  });

  it("reads partitions from the day before since's UTC day on (pruning, Firehose's folder naming)", async () => {
    const sql = historyQuerySql('summary', 'athena', '"db"."history"', {
      since: '2026-11-20T18:30:00+02:00',
      until: '2026-11-21T00:00:00Z',
    });
    expect(sql).toContain("WHERE dt >= '2026-11-19'");
    expect(sql).toContain(`>= ${Date.parse('2026-11-20T16:30:00Z')}`);
    // Firehose files a row under the arrival day of the oldest row in its object, so a row of the window
    // can sit in the previous day's folder; two days before, the filter shows it is on.
    const source = await tableOf([
      row('SM1', 'sent', T0),
      row('SM2', 'sent', T0, { recorded_at_ms: Date.parse('2026-11-19T23:59:00Z') }),
      row('SM3', 'sent', T0, { recorded_at_ms: Date.parse('2026-11-18T12:00:00Z') }),
    ]);
    expect(await run('summary', source)).toEqual([{ messages: 2, history_rows: 2 }]);
  });

  it('refuses a window that is not one, naming what is wrong', () => {
    const sql = (window: HistoryWindow) => historyQuerySql('summary', 'duckdb', 't', window);
    expect(() => sql({ since: 'yesterday', until: WINDOW.until })).toThrow(
      'since must be an ISO 8601 instant',
    );
    expect(() => sql({ since: WINDOW.since, until: '2026-11-21T00:00:00' })).toThrow(/until must be/);
    expect(() => sql({ since: WINDOW.until, until: WINDOW.since })).toThrow(/must be before until/);
    expect(() => sql({ lastDays: 0 })).toThrow(/lastDays must be a whole number/);
    expect(() => sql({ lastDays: 1.5 })).toThrow(HistoryQueryError);
    expect(sql({ since: '2026-11-20', until: '2026-11-21' })).toContain(
      `>= ${Date.parse('2026-11-20T00:00:00Z')}`,
    );
  });
});

describe('what the figures mean', () => {
  it("a message's outcome follows from its highest rank: the code never drops as the rank rises", () => {
    for (const a of KNOWN_STATUSES)
      for (const b of KNOWN_STATUSES) {
        if (rankOf(a)! < rankOf(b)!) expect(OUTCOME_CODES[a]).toBeLessThanOrEqual(OUTCOME_CODES[b]!);
        if (rankOf(a) === rankOf(b)) expect(OUTCOME_CODES[a]).toBe(OUTCOME_CODES[b]);
      }
    expect(OUTCOME_CODES).toMatchObject({
      sent: 0,
      failed: 1,
      undelivered: 1,
      canceled: 1,
      delivered: 2,
      read: 2,
    });
  });

  it('final status: per message the status of its highest-rank row in the window; duplicates count once', async () => {
    const source = await tableOf([
      row('SM1', 'queued', T0),
      row('SM1', 'sent', T0 + 1),
      row('SM1', 'sent', T0 + 1), // a redelivered event
      row('SM1', 'delivered', T0 + 2),
      row('SM2', 'queued', T0),
      row('SM2', 'undelivered', T0 + 3, { error_code: 30005 }),
      row('SM2', 'delivered', T0 + 4), // undelivered then delivered: delivered ranks higher
      row('SM3', 'queued', T0),
      row('SM4', 'delivered', T0 - 86_400_000), // delivered before the window: only its sent is in it
      row('SM4', 'sent', T0, { status_rank: rankOf('sent')! }),
    ]);
    expect(await run('final-status', source)).toEqual([
      { status: 'delivered', messages: 2 },
      { status: 'queued', messages: 1 },
      { status: 'sent', messages: 1 },
    ]);
    expect(await run('never-final', source)).toEqual([
      expect.objectContaining({ last_status: 'queued', messages: 1 }),
      expect.objectContaining({ last_status: 'sent', messages: 1 }),
    ]);
    expect(await run('failures-by-error-code', source)).toEqual([
      { error_code: 30005, messages: 1, rate: 0.25 },
    ]);
  });

  it('latency leaves out statuses learnt by polling and messages without both sent and delivered', async () => {
    const source = await tableOf([
      row('SM1', 'sent', T0),
      row('SM1', 'delivered', T0 + 1000),
      row('SM2', 'sent', T0),
      row('SM2', 'delivered', T0 + 3000),
      row('SM3', 'sent', T0),
      row('SM3', 'delivered', T0 + 90_000, { source: 'poll' }), // the poll's time, not Twilio's
      row('SM4', 'sent', T0, { source: 'poll' }),
      row('SM4', 'delivered', T0 + 80_000),
      row('SM5', 'delivered', T0 + 500), // no sent row (the jump queued -> delivered)
      row('SM6', 'sent', T0), // never delivered
    ]);
    expect(await run('delivery-latency', source)).toEqual([
      { p50_ms: 2000, p90_ms: 2800, p99_ms: 2980, messages: 2 },
    ]);
    const empty = await tableOf([row('SM1', 'sent', T0)]);
    expect(await run('delivery-latency', empty)).toEqual([
      { p50_ms: null, p90_ms: null, p99_ms: null, messages: 0 },
    ]);
  });

  it('by sender and by Messaging Service: every message once, by how it ended', async () => {
    const source = await tableOf([
      row('SM1', 'delivered', T0, { from_hash: 'a', messaging_service_sid: 'MG1' }),
      row('SM2', 'sent', T0, { from_hash: 'a', messaging_service_sid: 'MG1' }),
      row('SM2', 'failed', T0 + 1, { from_hash: 'a', messaging_service_sid: 'MG1', error_code: 30003 }),
      row('SM3', 'read', T0, { from_hash: 'b', from_country: '44' }),
    ]);
    expect(await run('by-sender', source)).toEqual([
      {
        from_hash: 'a',
        from_country: '1',
        messages: 2,
        delivered: 1,
        failed: 1,
        not_final: 0,
        delivery_rate: 0.5,
      },
      {
        from_hash: 'b',
        from_country: '44',
        messages: 1,
        delivered: 1,
        failed: 0,
        not_final: 0,
        delivery_rate: 1,
      },
    ]);
    expect(await run('by-messaging-service', source)).toEqual([
      {
        messaging_service_sid: 'MG1',
        messages: 2,
        delivered: 1,
        failed: 1,
        not_final: 0,
        delivery_rate: 0.5,
      },
      { messaging_service_sid: null, messages: 1, delivered: 1, failed: 0, not_final: 0, delivery_rate: 1 },
    ]);
  });
});

describe('the time series (the -over-time queries)', () => {
  const OVER_TIME = NAMED_HISTORY_QUERIES.map((q) => q.name).filter((n) => n.endsWith('-over-time'));

  it('cover the rates by country, sender, Messaging Service, channel and tag, error codes and latency', () => {
    expect(OVER_TIME).toEqual([
      'delivery-rate-by-country-over-time',
      'delivery-rate-by-sender-over-time',
      'delivery-rate-by-messaging-service-over-time',
      'delivery-rate-by-channel-over-time',
      'delivery-rate-by-tag-over-time',
      'error-codes-over-time',
      'delivery-latency-over-time',
    ]);
  });

  it('Athena text: buckets of whole UTC hours or days as epoch-ms arithmetic, the start as text', () => {
    const hour = historyQuerySql('delivery-rate-by-country-over-time', 'athena', '"db"."history"', {
      ...WINDOW,
      granularity: 'hour',
    });
    expect(hour).toContain(
      'CAST(floor(min(coalesce(status_at_ms, recorded_at_ms)) / 3600000e0) AS bigint) AS bucket_number',
    );
    expect(hour).toContain(
      "SELECT date_format(from_unixtime(bucket_number * 3600000 / 1000e0), '%Y-%m-%dT%H:%i:%sZ') AS bucket, to_country,",
    );
    expect(hour).toContain('GROUP BY bucket_number, to_country');
    // The default is a day, what the saved Athena queries (30 days) use.
    const day = historyQuerySql('delivery-rate-by-country-over-time', 'athena', '"db"."history"', {
      lastDays: 30,
    });
    expect(day).toContain('/ 86400000e0) AS bigint) AS bucket_number');
    expect(day).not.toContain('3600000e0');
    expect(
      historyQuerySql('delivery-latency-over-time', 'athena', 't', { ...WINDOW, granularity: 'hour' }),
    ).toContain('GROUP BY CAST(floor(sent_ms / 3600000e0) AS bigint)');
    expect(historyQuerySql('delivery-rate-by-tag-over-time', 'athena', 't', WINDOW)).toContain(
      'SELECT message_sid, status_rank, coalesce(status_at_ms, recorded_at_ms) AS row_ms, t.tag_key, t.tag_value FROM w CROSS JOIN UNNEST(w.tags) AS t(tag_key, tag_value)',
    );
    for (const name of OVER_TIME)
      for (const granularity of ['hour', 'day'] as const) {
        const athena = historyQuerySql(name, 'athena', 't', { ...WINDOW, granularity });
        expect(athenaToDuckdbForms(athena)).toBe(
          historyQuerySql(name, 'duckdb', 't', { ...WINDOW, granularity }),
        );
        // Every ratio divides doubles (Athena truncates bigint / bigint).
        if (athena.includes('delivery_rate')) expect(athena).toContain('AS double) / count(*)');
      }
  });

  it("the channel: the callbacks' ChannelPrefix, else mms for an MM SID, else sms", async () => {
    expect(historyQuerySql('delivery-rate-by-channel-over-time', 'athena', 't', WINDOW)).toContain(
      "CASE WHEN max(channel_prefix) IS NOT NULL THEN lower(max(channel_prefix)) WHEN message_sid LIKE 'MM%' THEN 'mms' ELSE 'sms' END AS channel",
    );
    const source = await tableOf([
      row('SM1', 'queued', T0),
      row('SM1', 'delivered', T0 + 1, { channel_prefix: 'whatsapp' }), // the send has no prefix, the callback has
      row('MM2', 'delivered', T0),
      row('SM3', 'failed', T0, { error_code: 30007 }),
      row('SM4', 'delivered', T0, { channel_prefix: 'rcs' }),
    ]);
    const rows = await run('delivery-rate-by-channel-over-time', source, { ...WINDOW, granularity: 'hour' });
    expect(rows.map((r) => [r.bucket, r.channel, r.messages, r.delivered, r.failed])).toEqual([
      ['2026-11-20T10:00:00Z', 'mms', 1, 1, 0],
      ['2026-11-20T10:00:00Z', 'rcs', 1, 1, 0],
      ['2026-11-20T10:00:00Z', 'sms', 1, 0, 1],
      ['2026-11-20T10:00:00Z', 'whatsapp', 1, 1, 0],
    ]);
  });

  it('a message counts in the bucket of its first row in the window, by how it ended', async () => {
    const source = await tableOf([
      row('SM1', 'queued', T0 + 3_599_000), // 10:59:59
      row('SM1', 'delivered', T0 + 3_601_000, { to_country: '44' }), // 11:00:01, the same message
      row('SM2', 'sent', T0 + 3_600_000, { to_country: '44' }),
    ]);
    const rows = await run('delivery-rate-by-country-over-time', source, { ...WINDOW, granularity: 'hour' });
    expect(rows).toEqual([
      {
        bucket: '2026-11-20T10:00:00Z',
        to_country: '44',
        messages: 1,
        delivered: 1,
        failed: 0,
        not_final: 0,
        delivery_rate: 1,
      },
      {
        bucket: '2026-11-20T11:00:00Z',
        to_country: '44',
        messages: 1,
        delivered: 0,
        failed: 0,
        not_final: 1,
        delivery_rate: 0,
      },
    ]);
  });

  it('refuses a granularity that is not hour or day, naming it', () => {
    expect(() =>
      historyQuerySql('summary', 'duckdb', 't', { ...WINDOW, granularity: 'week' as HistoryGranularity }),
    ).toThrow(new HistoryQueryError('granularity must be hour or day, got "week"'));
    expect(() => reportWindowOf({ granularity: 'minute' }, T0)).toThrow(
      'granularity must be hour or day, got "minute"',
    );
    expect(reportWindowOf({ since: '1d' }, T0)).toEqual({
      since: '2026-11-19T10:00:00.000Z',
      until: '2026-11-20T10:00:00.000Z',
      granularity: 'day',
    });
    expect(reportWindowOf({ since: '1d', granularity: 'hour' }, T0).granularity).toBe('hour');
  });
});
