/**
 * The named history queries, written once: a deployed stack saves them as Athena named queries, and
 * `npm run report` / `GET /history/report` run them on DuckDB over the local Parquet files. Each query is
 * one SQL text; the few places where Athena (Trino) and DuckDB differ go through the dialect below, and
 * nowhere else.
 *
 * Where the engines differ (each one tested, test/unit/history-queries.test.ts):
 * - Percentiles: Athena has `approx_percentile(x, p)` (an approximation), DuckDB has no such function;
 *   DuckDB runs `quantile_cont(x, p)`, the exact, linearly interpolated percentile.
 * - A map's entries as rows ("by tag"): Athena `CROSS JOIN UNNEST(tags) AS t(tag_key, tag_value)`, which
 *   DuckDB cannot parse; DuckDB `unnest(map_keys(tags)), unnest(map_values(tags))` in the select list,
 *   which zips the two lists (and is several times faster there than a lateral join).
 * - Map access by key: no query needs it. It would differ: Athena's `element_at(map, key)` is the value
 *   (or null), DuckDB 1.5's is a list of values (`['x']`, or `[]`; `map_extract_value` is the value).
 * - Epoch milliseconds to text: Athena `date_format(from_unixtime(ms / 1000e0), ...)` with MySQL
 *   patterns (minutes are `%i`); DuckDB `strftime(epoch_ms(ms), ...)` with C patterns (minutes are `%M`).
 * - The current time in epoch ms: Athena `to_unixtime(current_timestamp)` (seconds, a double); DuckDB
 *   `epoch_ms(current_timestamp)`.
 * - Integer division: Athena's `bigint / bigint` truncates, DuckDB's does not; every ratio here casts its
 *   numerator to double, which both read alike.
 * - `at` is a DuckDB keyword (`SELECT at FROM t` does not parse), so no column is named `at`: times are
 *   `status_at_ms` and `recorded_at_ms`. Outputs named like keywords (`"day"`, `"final"`) are quoted.
 * - `max_by(x, rank)` (DuckDB's alias of `arg_max`) is the same text in both.
 *
 * `dt` is compared as the text `YYYY-MM-DD` (the Glue table's partition column is a string; DuckDB
 * reads the hive partition as VARCHAR: local/history/duckdb.ts).
 */
import { closestName } from '../closest-name';
import { isoInstantMs } from '../instant';
import { FAILURE_STATUSES, KNOWN_STATUSES, isFinal, rankOf } from '../lifecycle';
import { HISTORY_PARTITION } from './columns';

export type HistoryDialect = 'athena' | 'duckdb';
/**
 * The buckets of the time series (the `-over-time` queries): UTC hours or UTC days. Other queries
 * ignore it. Default: `day`, what the saved Athena queries (30 days) use.
 */
export type HistoryGranularity = 'hour' | 'day';
export const HISTORY_GRANULARITIES: readonly HistoryGranularity[] = ['hour', 'day'];
export const DEFAULT_GRANULARITY: HistoryGranularity = 'day';
const BUCKET_MS: Readonly<Record<HistoryGranularity, number>> = { hour: 3_600_000, day: 86_400_000 };
/**
 * The rows whose status time falls in [since, until) (ISO instants), or in the last n days up to now;
 * the time series in buckets of `granularity`.
 */
export type HistoryWindow = ({ since: string; until: string } | { lastDays: number }) & {
  granularity?: HistoryGranularity;
};

export interface NamedHistoryQuery {
  name: string;
  title: string;
  description: string;
}

export class HistoryQueryError extends Error {}

/** What differs between the engines, as SQL text builders. */
interface Dialect {
  /** Epoch ms (bigint expression) as `YYYY-MM-DD` (UTC). */
  dayOfMs(ms: string): string;
  /** Epoch ms as `YYYY-MM-DDTHH:MM:SSZ` (UTC). */
  timeOfMs(ms: string): string;
  /** Now, epoch ms (bigint). */
  nowMs: string;
  percentile(value: string, fraction: number): string;
  /** `SELECT columns, tag_key, tag_value FROM w`: one row per tag of each row of `w` (none without tags). */
  tagRows(columns: string): string;
}

const DIALECTS: Readonly<Record<HistoryDialect, Dialect>> = {
  athena: {
    dayOfMs: (ms) => `date_format(from_unixtime(${ms} / 1000e0), '%Y-%m-%d')`,
    timeOfMs: (ms) => `date_format(from_unixtime(${ms} / 1000e0), '%Y-%m-%dT%H:%i:%sZ')`,
    nowMs: 'CAST(to_unixtime(current_timestamp) * 1000 AS bigint)',
    percentile: (value, fraction) => `approx_percentile(${value}, ${fraction})`,
    tagRows: (columns) =>
      `SELECT ${columns}, t.tag_key, t.tag_value FROM w CROSS JOIN UNNEST(w.tags) AS t(tag_key, tag_value)`,
  },
  duckdb: {
    dayOfMs: (ms) => `strftime(epoch_ms(${ms}), '%Y-%m-%d')`,
    timeOfMs: (ms) => `strftime(epoch_ms(${ms}), '%Y-%m-%dT%H:%M:%SZ')`,
    nowMs: 'epoch_ms(current_timestamp)',
    percentile: (value, fraction) => `quantile_cont(${value}, ${fraction})`,
    tagRows: (columns) =>
      `SELECT ${columns}, unnest(map_keys(tags)) AS tag_key, unnest(map_values(tags)) AS tag_value FROM w`,
  },
};

const DAY_MS = 86_400_000;
/** The most `lastDays` accepts: ten years, far beyond any retention. */
export const MAX_LAST_DAYS = 3660;

/** The time a row counts at: its status time, else (an event without one) when it was recorded. */
const ROW_TIME = 'coalesce(status_at_ms, recorded_at_ms)';

/**
 * How a status leaves a message: 2 got through (delivered, read), 1 failed (failed, undelivered,
 * canceled), 0 not final. The code never goes down as the rank goes up (lifecycle.ts; tested), so a
 * message's outcome follows from its highest rank alone: an integer max per message, far cheaper than
 * carrying the status (max_by) or comparing status strings on every row.
 */
export const OUTCOME_CODES: Readonly<Record<string, 0 | 1 | 2>> = Object.fromEntries(
  KNOWN_STATUSES.map((s) => [s, isFinal(s) ? (FAILURE_STATUSES.includes(s) ? 1 : 2) : 0]),
);
/** The lowest rank whose statuses have this outcome code. */
const lowestRankWith = (code: number) =>
  Math.min(...KNOWN_STATUSES.filter((s) => OUTCOME_CODES[s] === code).map((s) => rankOf(s)!));
const DELIVERED_FROM = lowestRankWith(2);
const FAILED_FROM = lowestRankWith(1);

interface QueryDefinition extends NamedHistoryQuery {
  /** The SELECT after `WITH w AS (the window's rows)`, in terms of the dialect and the bucket (ms). */
  body(d: Dialect, bucketMs: number): string;
}

/** Messages, and how many ended delivered / failed / neither, per group of per-message rows with `top_rank`. */
const OUTCOMES = `count(*) AS messages,
  sum(CASE WHEN top_rank >= ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS delivered,
  sum(CASE WHEN top_rank >= ${FAILED_FROM} AND top_rank < ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS failed,
  sum(CASE WHEN top_rank < ${FAILED_FROM} THEN 1 ELSE 0 END) AS not_final,
  round(CAST(sum(CASE WHEN top_rank >= ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS double) / count(*), 4) AS delivery_rate`;

/**
 * Messages per value of `columns` (each a per-message attribute: max() keeps the value when an early
 * row lacks it, as a send through a Messaging Service has no From yet), by how they ended.
 */
const breakdownBy = (columns: readonly string[]) => `WITH m AS (
  SELECT message_sid, max(status_rank) AS top_rank, ${columns.map((c) => `max(${c}) AS ${c}`).join(', ')}
  FROM w
  GROUP BY message_sid
)
SELECT ${columns.join(', ')}, ${OUTCOMES}
FROM m
GROUP BY ${columns.join(', ')}
ORDER BY messages DESC, ${columns.join(', ')}`;

/** The bucket (a whole number: epoch ms / bucket length, floored) of an epoch-ms expression. */
const bucketOf = (ms: string, bucketMs: number) => `CAST(floor(${ms} / ${bucketMs}e0) AS bigint)`;

/**
 * A message's channel, from its rows: the callback's `ChannelPrefix` (whatsapp, rcs, messenger, ...)
 * when any row has one, else `mms` for a SID starting `MM` (Twilio's prefix for a message with media),
 * else `sms`. An aggregate per message (its SID is the group's key).
 */
const CHANNEL_OF_MESSAGE = `CASE WHEN max(channel_prefix) IS NOT NULL THEN lower(max(channel_prefix)) WHEN message_sid LIKE 'MM%' THEN 'mms' ELSE 'sms' END`;

/**
 * Per bucket and per value of `columns` (name -> per-message aggregate), the messages first seen in
 * that bucket (their earliest row in the window: sent, or queued), by how they ended. A message counts
 * in one bucket only, so a bucket's rate is that of the messages sent in it.
 */
const breakdownOverTime = (
  d: Dialect,
  bucketMs: number,
  columns: ReadonlyArray<readonly [name: string, perMessage: string]>,
) => {
  const names = columns.map(([name]) => name).join(', ');
  return `WITH m AS (
  SELECT message_sid, max(status_rank) AS top_rank, ${bucketOf(`min(${ROW_TIME})`, bucketMs)} AS bucket_number,
    ${columns.map(([name, perMessage]) => `${perMessage} AS ${name}`).join(', ')}
  FROM w
  GROUP BY message_sid
)
SELECT ${d.timeOfMs(`bucket_number * ${bucketMs}`)} AS bucket, ${names}, ${OUTCOMES}
FROM m
GROUP BY bucket_number, ${names}
ORDER BY bucket_number, messages DESC, ${names}`;
};

/**
 * Per message, its first `sent` and `delivered` times in the window; statuses learnt by polling are left
 * out (their time is the poll's). The latency queries read `l`.
 */
const SENT_AND_DELIVERED = `WITH l AS (
  SELECT message_sid,
    min(CASE WHEN status = 'sent' THEN status_at_ms END) AS sent_ms,
    min(CASE WHEN status = 'delivered' THEN status_at_ms END) AS delivered_ms
  FROM w
  WHERE status IN ('sent', 'delivered') AND coalesce(source, '') <> 'poll' AND status_at_ms IS NOT NULL
  GROUP BY message_sid
)`;

/** p50 / p90 / p99 of delivered minus sent over `l`, each followed by a comma. */
const sentToDeliveredPercentiles = (d: Dialect) => `${d.percentile('delivered_ms - sent_ms', 0.5)} AS p50_ms,
  ${d.percentile('delivered_ms - sent_ms', 0.9)} AS p90_ms,
  ${d.percentile('delivered_ms - sent_ms', 0.99)} AS p99_ms,`;

const QUERIES: readonly QueryDefinition[] = [
  {
    name: 'summary',
    title: 'Messages and status changes',
    description: 'Distinct messages with a status change in the window, and the history rows read.',
    body: () => `SELECT count(DISTINCT message_sid) AS messages, count(*) AS history_rows
FROM w`,
  },
  {
    name: 'final-status',
    title: 'Final status',
    description:
      'Per message, the status of its highest-rank row in the window (non-final statuses included); messages per status.',
    body: () => `WITH s AS (
  SELECT message_sid, max_by(status, status_rank) AS status
  FROM w
  GROUP BY message_sid
)
SELECT status, count(*) AS messages
FROM s
GROUP BY status
ORDER BY messages DESC, status`,
  },
  {
    name: 'delivery-funnel-per-day',
    title: 'Delivery funnel per day',
    description: 'Per UTC day of the status time: messages that reached each status that day.',
    // Distinct (day, status, message) first, the day as a number: cheaper than counting distinct
    // messages per group and formatting every row's day.
    body: (d) => `WITH f AS (
  SELECT DISTINCT CAST(floor(${ROW_TIME} / 86400000e0) AS bigint) AS day_number, status, status_rank, message_sid
  FROM w
)
SELECT ${d.dayOfMs('day_number * 86400000')} AS "day", status, status_rank, count(*) AS messages
FROM f
GROUP BY day_number, status, status_rank
ORDER BY day_number, status_rank, status`,
  },
  {
    name: 'failures-by-error-code',
    title: 'Failure rate by error code',
    description:
      'Per Twilio error code: messages that carried it in the window, and their share of all messages in the window.',
    // One pass over the window: per code and, as the grand total (the empty grouping set), all
    // messages; referring to the window twice made DuckDB materialise it.
    body: () => `WITH e AS (
  SELECT error_code, grouping(error_code) AS is_total, count(DISTINCT message_sid) AS messages
  FROM w
  GROUP BY GROUPING SETS ((error_code), ())
)
SELECT error_code, messages,
  round(CAST(messages AS double) / (SELECT messages FROM e WHERE is_total = 1), 4) AS rate
FROM e
WHERE is_total = 0 AND error_code IS NOT NULL
ORDER BY messages DESC, error_code`,
  },
  {
    name: 'by-sender',
    title: 'By sender',
    description:
      'Per sender (keyed hash of From) and its country calling code: messages, and how many ended delivered, failed or neither.',
    body: () => breakdownBy(['from_hash', 'from_country']),
  },
  {
    name: 'by-messaging-service',
    title: 'By Messaging Service',
    description:
      'Per Messaging Service SID (null: sent from a number): messages, and how many ended delivered, failed or neither.',
    body: () => breakdownBy(['messaging_service_sid']),
  },
  {
    name: 'by-tag',
    title: 'By tag',
    description:
      'Per tag key and value: messages carrying it, and how many ended delivered, failed or neither (a message counts once per tag).',
    // Tags are unnested row by row and each (tag, message) keeps its highest rank: no map is carried
    // through a per-message grouping, which costs far more than the unnest.
    body: (d) => `WITH r AS (
  ${d.tagRows('message_sid, status_rank')}
),
m AS (
  SELECT tag_key, tag_value, message_sid, max(status_rank) AS top_rank
  FROM r
  GROUP BY tag_key, tag_value, message_sid
)
SELECT tag_key, tag_value, ${OUTCOMES}
FROM m
GROUP BY tag_key, tag_value
ORDER BY messages DESC, tag_key, tag_value`,
  },
  {
    name: 'delivery-latency',
    title: 'Time from sent to delivered',
    description:
      "Percentiles of delivered minus sent (ms), over messages with both in the window; statuses learnt by polling are left out (their time is the poll's).",
    body: (d) => `${SENT_AND_DELIVERED}
SELECT ${sentToDeliveredPercentiles(d)}
  count(*) AS messages
FROM l
WHERE sent_ms IS NOT NULL AND delivered_ms IS NOT NULL`,
  },
  {
    name: 'never-final',
    title: 'Messages never final',
    description:
      'Messages with rows in the window but no final one, per their last status, with the oldest and newest last change.',
    body: (d) => `WITH n AS (
  SELECT message_sid, max_by(status, status_rank) AS status, max(${ROW_TIME}) AS last_ms,
    max(CASE WHEN "final" THEN 1 ELSE 0 END) AS has_final
  FROM w
  GROUP BY message_sid
)
SELECT status AS last_status, count(*) AS messages, ${d.timeOfMs('min(last_ms)')} AS oldest_last_change,
  ${d.timeOfMs('max(last_ms)')} AS newest_last_change
FROM n
WHERE has_final = 0
GROUP BY status
ORDER BY messages DESC, status`,
  },
  {
    name: 'delivery-rate-by-country-over-time',
    title: 'Delivery rate by destination country over time',
    description:
      'Per hour or day (the granularity) and per country calling code of To: messages first seen in the bucket, and how many ended delivered, failed or neither.',
    body: (d, bucketMs) => breakdownOverTime(d, bucketMs, [['to_country', 'max(to_country)']]),
  },
  {
    name: 'delivery-rate-by-sender-over-time',
    title: 'Delivery rate by sender over time',
    description:
      'Per hour or day and per sender (keyed hash of From, its country calling code): messages first seen in the bucket, by how they ended.',
    body: (d, bucketMs) =>
      breakdownOverTime(d, bucketMs, [
        ['from_hash', 'max(from_hash)'],
        ['from_country', 'max(from_country)'],
      ]),
  },
  {
    name: 'delivery-rate-by-messaging-service-over-time',
    title: 'Delivery rate by Messaging Service over time',
    description:
      'Per hour or day and per Messaging Service SID (null: sent from a number): messages first seen in the bucket, by how they ended.',
    body: (d, bucketMs) =>
      breakdownOverTime(d, bucketMs, [['messaging_service_sid', 'max(messaging_service_sid)']]),
  },
  {
    name: 'delivery-rate-by-channel-over-time',
    title: 'Delivery rate by channel over time',
    description:
      "Per hour or day and per channel (sms, mms, whatsapp, rcs, ...: the callbacks' ChannelPrefix, else mms for a MM... SID, else sms): messages first seen in the bucket, by how they ended.",
    body: (d, bucketMs) => breakdownOverTime(d, bucketMs, [['channel', CHANNEL_OF_MESSAGE]]),
  },
  {
    name: 'delivery-rate-by-tag-over-time',
    title: 'Delivery rate by tag over time',
    description:
      'Per hour or day and per tag key and value: messages carrying it first seen in the bucket, by how they ended (a message counts once per tag).',
    body: (d, bucketMs) => `WITH r AS (
  ${d.tagRows(`message_sid, status_rank, ${ROW_TIME} AS row_ms`)}
),
m AS (
  SELECT tag_key, tag_value, message_sid, max(status_rank) AS top_rank, ${bucketOf('min(row_ms)', bucketMs)} AS bucket_number
  FROM r
  GROUP BY tag_key, tag_value, message_sid
)
SELECT ${d.timeOfMs(`bucket_number * ${bucketMs}`)} AS bucket, tag_key, tag_value, ${OUTCOMES}
FROM m
GROUP BY bucket_number, tag_key, tag_value
ORDER BY bucket_number, messages DESC, tag_key, tag_value`,
  },
  {
    name: 'error-codes-over-time',
    title: 'Error codes over time',
    description:
      'Per hour or day and per Twilio error code: messages that first carried it in the bucket (a message counts once per code).',
    body: (d, bucketMs) => `WITH e AS (
  SELECT error_code, message_sid, ${bucketOf(`min(${ROW_TIME})`, bucketMs)} AS bucket_number
  FROM w
  WHERE error_code IS NOT NULL
  GROUP BY error_code, message_sid
)
SELECT ${d.timeOfMs(`bucket_number * ${bucketMs}`)} AS bucket, error_code, count(*) AS messages
FROM e
GROUP BY bucket_number, error_code
ORDER BY bucket_number, messages DESC, error_code`,
  },
  {
    name: 'delivery-latency-over-time',
    title: 'Time from sent to delivered over time',
    description:
      "Per hour or day of sent: percentiles of delivered minus sent (ms), over messages with both in the window; statuses learnt by polling are left out (their time is the poll's).",
    body: (d, bucketMs) => `${SENT_AND_DELIVERED}
SELECT ${d.timeOfMs(`${bucketOf('sent_ms', bucketMs)} * ${bucketMs}`)} AS bucket,
  ${sentToDeliveredPercentiles(d)}
  count(*) AS messages
FROM l
WHERE sent_ms IS NOT NULL AND delivered_ms IS NOT NULL
GROUP BY ${bucketOf('sent_ms', bucketMs)}
ORDER BY ${bucketOf('sent_ms', bucketMs)}`,
  },
];

export const NAMED_HISTORY_QUERIES: readonly NamedHistoryQuery[] = QUERIES.map(
  ({ name, title, description }) => ({ name, title, description }),
);

/** `source` is a table expression: `"db"."table"` in Athena, `read_parquet(...)` in DuckDB. */
export function historyQuerySql(
  name: string,
  dialect: HistoryDialect,
  source: string,
  window: HistoryWindow,
): string {
  const query = QUERIES.find((q) => q.name === name);
  if (!query) {
    const closest = closestName(
      name,
      QUERIES.map((q) => q.name),
    );
    throw new HistoryQueryError(
      `no history query named "${name}"${closest ? ` (did you mean "${closest}"?)` : ''}; ` +
        `known: ${QUERIES.map((q) => q.name).join(', ')}`,
    );
  }
  const d = DIALECTS[dialect];
  if (!d) throw new HistoryQueryError(`unknown SQL dialect "${String(dialect)}": athena or duckdb`);
  const granularity = window.granularity ?? DEFAULT_GRANULARITY;
  if (!HISTORY_GRANULARITIES.includes(granularity))
    throw new HistoryQueryError(
      `granularity must be ${HISTORY_GRANULARITIES.join(' or ')}, got "${String(granularity)}"`,
    );
  const bounds = windowBounds(window, d);
  const body = query.body(d, BUCKET_MS[granularity]);
  // The window's rows first; a query with a WITH of its own continues the same WITH.
  const rest = body.startsWith('WITH ') ? `,\n${body.slice('WITH '.length)}` : `\n${body}`;
  return `WITH w AS (
  SELECT *
  FROM ${source}
  WHERE ${HISTORY_PARTITION} >= ${bounds.sinceDay}
    AND ${ROW_TIME} >= ${bounds.sinceMs}
    AND ${ROW_TIME} < ${bounds.untilMs}
)${rest}`;
}

/** The window of a report: [since, until) as ISO instants, and the buckets of its time series. */
export interface ReportWindow {
  since: string;
  until: string;
  granularity: HistoryGranularity;
}

/**
 * The window a report asks for, as instants: `since` an ISO instant, a UTC day or `Nd` (the last N days
 * before `until`; default 7d), `until` an ISO instant or day (default now), `granularity` hour or day
 * (default day). Errors name the parameter.
 */
export function reportWindowOf(
  input: { since?: string; until?: string; granularity?: string },
  nowMs: number,
): ReportWindow {
  const granularity = input.granularity ?? DEFAULT_GRANULARITY;
  if (!HISTORY_GRANULARITIES.includes(granularity as HistoryGranularity))
    throw new HistoryQueryError(
      `granularity must be ${HISTORY_GRANULARITIES.join(' or ')}, got "${granularity}"`,
    );
  const until = input.until === undefined ? nowMs : instantMs(input.until, 'until');
  const since = input.since ?? '7d';
  const days = /^(\d+)d$/.exec(since);
  let sinceMs: number;
  if (days) {
    const n = Number(days[1]);
    if (n < 1 || n > MAX_LAST_DAYS)
      throw new HistoryQueryError(`since must be from 1d to ${MAX_LAST_DAYS}d, got "${since}"`);
    sinceMs = until - n * DAY_MS;
  } else {
    sinceMs = instantMs(since, 'since', ', or 7d for the last 7 days');
  }
  if (sinceMs >= until)
    throw new HistoryQueryError(`since (${since}) must be before until (${new Date(until).toISOString()})`);
  return {
    since: new Date(sinceMs).toISOString(),
    until: new Date(until).toISOString(),
    granularity: granularity as HistoryGranularity,
  };
}

/**
 * The window as SQL: `since`/`until` as epoch-ms bounds and the first partition to read. A row is
 * recorded after its status time, and partitions are the day recorded; but Firehose names an object's
 * folder by the arrival of the oldest row in it, so a row recorded just after midnight (UTC) can sit in
 * the previous day's folder. The first partition read is therefore the day before `since`'s: one more
 * day scanned, no row of the window missed.
 */
function windowBounds(
  window: HistoryWindow,
  d: Dialect,
): { sinceMs: string; untilMs: string; sinceDay: string } {
  if ('lastDays' in window) {
    const days = window.lastDays;
    if (!Number.isInteger(days) || days < 1 || days > MAX_LAST_DAYS)
      throw new HistoryQueryError(`lastDays must be a whole number from 1 to ${MAX_LAST_DAYS}, got ${days}`);
    const sinceMs = `(${d.nowMs} - ${days * DAY_MS})`;
    return { sinceMs, untilMs: d.nowMs, sinceDay: d.dayOfMs(`(${sinceMs} - ${DAY_MS})`) };
  }
  const since = instantMs(window.since, 'since');
  const until = instantMs(window.until, 'until');
  if (since >= until)
    throw new HistoryQueryError(`since (${window.since}) must be before until (${window.until})`);
  return {
    sinceMs: String(since),
    untilMs: String(until),
    sinceDay: `'${new Date(since - DAY_MS).toISOString().slice(0, 10)}'`,
  };
}

/** An ISO 8601 instant with a time zone (`2026-01-02T03:04:05Z`) or a UTC day (`2026-01-02`), as epoch ms. */
function instantMs(value: string, name: string, alsoAccepted = ''): number {
  const ms = isoInstantMs(value);
  if (ms === undefined)
    throw new HistoryQueryError(
      `${name} must be an ISO 8601 instant such as 2026-01-02T00:00:00Z (or a UTC day, 2026-01-02${alsoAccepted}), got "${value}"`,
    );
  return ms;
}

/**
 * The `anomaly-cells` query (lambda/domain/history/anomaly.ts judges its rows): per bucket of
 * `bucketMs` (the bucket of each message's first row) and per destination country, sender (hash of
 * From), channel and error code, the final messages: delivered, failed. Only combinations that occur
 * are rows, so there are at most as many rows as final messages. `bucket_ms` is the bucket's start,
 * epoch ms: the same arithmetic in both engines.
 */
export function anomalyCellsSql(
  dialect: HistoryDialect,
  source: string,
  window: { since: string; until: string },
  bucketMs: number,
): string {
  if (!Number.isInteger(bucketMs) || bucketMs < 60_000 || bucketMs > DAY_MS)
    throw new HistoryQueryError(
      `the anomaly bucket must be whole ms from 1 minute to 1 day, got ${bucketMs}`,
    );
  const d = DIALECTS[dialect];
  if (!d) throw new HistoryQueryError(`unknown SQL dialect "${String(dialect)}": athena or duckdb`);
  const bounds = windowBounds(window, d);
  return `WITH w AS (
  SELECT *
  FROM ${source}
  WHERE ${HISTORY_PARTITION} >= ${bounds.sinceDay}
    AND ${ROW_TIME} >= ${bounds.sinceMs}
    AND ${ROW_TIME} < ${bounds.untilMs}
),
m AS (
  SELECT message_sid, max(status_rank) AS top_rank, ${bucketOf(`min(${ROW_TIME})`, bucketMs)} AS bucket_number,
    max(to_country) AS to_country, max(from_hash) AS from_hash, ${CHANNEL_OF_MESSAGE} AS channel,
    max(error_code) AS error_code
  FROM w
  GROUP BY message_sid
)
SELECT bucket_number * ${bucketMs} AS bucket_ms, to_country, from_hash, channel, error_code,
  sum(CASE WHEN top_rank >= ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS delivered,
  sum(CASE WHEN top_rank < ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS failed
FROM m
WHERE top_rank >= ${FAILED_FROM}
GROUP BY bucket_number, to_country, from_hash, channel, error_code
ORDER BY bucket_number, to_country, from_hash, channel, error_code`;
}
