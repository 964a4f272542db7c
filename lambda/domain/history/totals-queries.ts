/**
 * The named history queries over the whole window: totals, the final status, the funnel, failures by
 * error code, the breakdowns by sender, Messaging Service and tag, latency, and messages never final.
 */
import {
  SENT_AND_DELIVERED,
  breakdownBy,
  sentToDeliveredPercentiles,
  OUTCOMES,
  type QueryDefinition,
} from './sql-parts';
import { ROW_TIME } from './window';

export const TOTALS_QUERIES: readonly QueryDefinition[] = [
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
];
