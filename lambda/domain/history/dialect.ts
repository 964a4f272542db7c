/**
 * The SQL dialects of the history queries: the few places where Athena (Trino) and DuckDB differ, as
 * text builders, and nowhere else (each one tested, test/unit/history-queries.test.ts).
 *
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
import { HistoryQueryError } from './window';

export type HistoryDialect = 'athena' | 'duckdb';

/** What differs between the engines, as SQL text builders. */
export interface Dialect {
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

/** The builders of `dialect`; an unknown dialect is a HistoryQueryError. */
export function dialectOf(dialect: HistoryDialect): Dialect {
  const d = DIALECTS[dialect];
  if (!d) throw new HistoryQueryError(`unknown SQL dialect "${String(dialect)}": athena or duckdb`);
  return d;
}
