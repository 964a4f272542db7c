/**
 * The named history queries, written once: a deployed stack saves them as Athena named queries, and
 * `npm run report` / `GET /history/report` run them on DuckDB over the local Parquet files. Each query is
 * one SQL text; the few places where Athena (Trino) and DuckDB differ go through the dialect
 * (dialect.ts), and nowhere else.
 *
 * The parts: the window of rows a query reads (window.ts), the dialects (dialect.ts), the pieces the
 * queries share (sql-parts.ts), the queries by family (totals-queries.ts, over-time-queries.ts) and the
 * anomaly check's query (anomaly-cells.ts). This module names them all, so importers need only it.
 */
import { closestName } from '../closest-name';
import { dialectOf, type HistoryDialect } from './dialect';
import { OVER_TIME_QUERIES } from './over-time-queries';
import type { NamedHistoryQuery, QueryDefinition } from './sql-parts';
import { TOTALS_QUERIES } from './totals-queries';
import {
  BUCKET_MS,
  DEFAULT_GRANULARITY,
  HISTORY_GRANULARITIES,
  HistoryQueryError,
  windowRowsSql,
  type HistoryWindow,
} from './window';

export { anomalyCellsSql } from './anomaly-cells';
export type { HistoryDialect } from './dialect';
export { OUTCOME_CODES, type NamedHistoryQuery } from './sql-parts';
export {
  DEFAULT_GRANULARITY,
  HISTORY_GRANULARITIES,
  HistoryQueryError,
  MAX_LAST_DAYS,
  reportWindowOf,
  type HistoryGranularity,
  type HistoryWindow,
  type ReportWindow,
} from './window';

const QUERIES: readonly QueryDefinition[] = [...TOTALS_QUERIES, ...OVER_TIME_QUERIES];

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
  const d = dialectOf(dialect);
  const granularity = window.granularity ?? DEFAULT_GRANULARITY;
  if (!HISTORY_GRANULARITIES.includes(granularity))
    throw new HistoryQueryError(
      `granularity must be ${HISTORY_GRANULARITIES.join(' or ')}, got "${String(granularity)}"`,
    );
  const head = windowRowsSql(source, window, d);
  const body = query.body(d, BUCKET_MS[granularity]);
  // The window's rows first; a query with a WITH of its own continues the same WITH.
  const rest = body.startsWith('WITH ') ? `,\n${body.slice('WITH '.length)}` : `\n${body}`;
  return `${head}${rest}`;
}
