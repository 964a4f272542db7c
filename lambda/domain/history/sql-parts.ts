/**
 * The pieces the named history queries share: a message's outcome from its highest rank, the
 * per-message breakdowns (in total and over time), a message's channel, and the sent-to-delivered
 * latency. Pure text builders over the window's rows `w` (window.ts) and a dialect (dialect.ts).
 */
import { FAILURE_STATUSES, KNOWN_STATUSES, isFinal, rankOf } from '../lifecycle';
import type { Dialect } from './dialect';
import { ROW_TIME } from './window';

export interface NamedHistoryQuery {
  name: string;
  title: string;
  description: string;
}

export interface QueryDefinition extends NamedHistoryQuery {
  /** The SELECT after `WITH w AS (the window's rows)`, in terms of the dialect and the bucket (ms). */
  body(d: Dialect, bucketMs: number): string;
}

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
export const DELIVERED_FROM = lowestRankWith(2);
export const FAILED_FROM = lowestRankWith(1);

/** Messages, and how many ended delivered / failed / neither, per group of per-message rows with `top_rank`. */
export const OUTCOMES = `count(*) AS messages,
  sum(CASE WHEN top_rank >= ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS delivered,
  sum(CASE WHEN top_rank >= ${FAILED_FROM} AND top_rank < ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS failed,
  sum(CASE WHEN top_rank < ${FAILED_FROM} THEN 1 ELSE 0 END) AS not_final,
  round(CAST(sum(CASE WHEN top_rank >= ${DELIVERED_FROM} THEN 1 ELSE 0 END) AS double) / count(*), 4) AS delivery_rate`;

/**
 * Messages per value of `columns` (each a per-message attribute: max() keeps the value when an early
 * row lacks it, as a send through a Messaging Service has no From yet), by how they ended.
 */
export const breakdownBy = (columns: readonly string[]) => `WITH m AS (
  SELECT message_sid, max(status_rank) AS top_rank, ${columns.map((c) => `max(${c}) AS ${c}`).join(', ')}
  FROM w
  GROUP BY message_sid
)
SELECT ${columns.join(', ')}, ${OUTCOMES}
FROM m
GROUP BY ${columns.join(', ')}
ORDER BY messages DESC, ${columns.join(', ')}`;

/** The bucket (a whole number: epoch ms / bucket length, floored) of an epoch-ms expression. */
export const bucketOf = (ms: string, bucketMs: number) => `CAST(floor(${ms} / ${bucketMs}e0) AS bigint)`;

/**
 * A message's channel, from its rows: the callback's `ChannelPrefix` (whatsapp, rcs, messenger, ...)
 * when any row has one, else `mms` for a SID starting `MM` (Twilio's prefix for a message with media),
 * else `sms`. An aggregate per message (its SID is the group's key).
 */
export const CHANNEL_OF_MESSAGE = `CASE WHEN max(channel_prefix) IS NOT NULL THEN lower(max(channel_prefix)) WHEN message_sid LIKE 'MM%' THEN 'mms' ELSE 'sms' END`;

/**
 * Per bucket and per value of `columns` (name -> per-message aggregate), the messages first seen in
 * that bucket (their earliest row in the window: sent, or queued), by how they ended. A message counts
 * in one bucket only, so a bucket's rate is that of the messages sent in it.
 */
export const breakdownOverTime = (
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
export const SENT_AND_DELIVERED = `WITH l AS (
  SELECT message_sid,
    min(CASE WHEN status = 'sent' THEN status_at_ms END) AS sent_ms,
    min(CASE WHEN status = 'delivered' THEN status_at_ms END) AS delivered_ms
  FROM w
  WHERE status IN ('sent', 'delivered') AND coalesce(source, '') <> 'poll' AND status_at_ms IS NOT NULL
  GROUP BY message_sid
)`;

/** p50 / p90 / p99 of delivered minus sent over `l`, each followed by a comma. */
export const sentToDeliveredPercentiles = (
  d: Dialect,
) => `${d.percentile('delivered_ms - sent_ms', 0.5)} AS p50_ms,
  ${d.percentile('delivered_ms - sent_ms', 0.9)} AS p90_ms,
  ${d.percentile('delivered_ms - sent_ms', 0.99)} AS p99_ms,`;
