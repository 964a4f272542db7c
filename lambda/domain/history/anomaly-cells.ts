/**
 * The `anomaly-cells` query (lambda/domain/history/anomaly.ts judges its rows), on Athena or DuckDB.
 */
import { dialectOf, type HistoryDialect } from './dialect';
import { CHANNEL_OF_MESSAGE, DELIVERED_FROM, FAILED_FROM, bucketOf } from './sql-parts';
import { DAY_MS, HistoryQueryError, ROW_TIME, windowRowsSql } from './window';

/**
 * Per bucket of `bucketMs` (the bucket of each message's first row) and per destination country, sender
 * (hash of From), channel and error code, the final messages: delivered, failed. Only combinations that
 * occur are rows, so there are at most as many rows as final messages. `bucket_ms` is the bucket's
 * start, epoch ms: the same arithmetic in both engines.
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
  const d = dialectOf(dialect);
  return `${windowRowsSql(source, window, d)},
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
