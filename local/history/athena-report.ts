/**
 * The history report of a deployed stack: every named query run by Athena in the stack's workgroup over
 * its Glue table, made into the same report object as DuckDB's (lambda/domain/history/report.ts). The
 * console's charts (`npm run console -- --stack`) and `npm run report -- --stack` read it. The SQL is
 * the named queries' own, in the Athena dialect; the queries run side by side, each billed by the bytes
 * it scans (the workgroup's scan limit applies).
 */
import { historyQuerySql, NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import { historyReportOf, type HistoryReport } from '../../lambda/domain/history/report';
import {
  runAthenaQuery,
  type AthenaHistory,
  type AthenaQueries,
  type AthenaReportOptions,
} from '../../lambda/adapters/secondary/athena-query';

export {
  AthenaReportError,
  type AthenaHistory,
  type AthenaQueries,
  type AthenaReportOptions,
  type AthenaResultPage,
} from '../../lambda/adapters/secondary/athena-query';

export async function computeAthenaHistoryReport(
  athena: AthenaQueries,
  history: AthenaHistory,
  window: HistoryReport['window'],
  options: AthenaReportOptions = {},
): Promise<HistoryReport> {
  const source = `"${history.database}"."${history.table}"`;
  const answers = await Promise.all(
    NAMED_HISTORY_QUERIES.map(async ({ name }) => {
      const sql = historyQuerySql(name, 'athena', source, window);
      return [name, await runAthenaQuery(athena, history, name, sql, options)] as const;
    }),
  );
  return historyReportOf(window, Object.fromEntries(answers));
}
