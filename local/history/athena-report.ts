/**
 * The history report of a deployed stack: every named query run by Athena in the stack's workgroup over
 * its Glue table, made into the same report object as DuckDB's (lambda/domain/history/report.ts). The
 * console's charts (`npm run console -- --stack`) and `npm run report -- --stack` read it. The SQL is
 * the named queries' own, in the Athena dialect; the queries run side by side, each billed by the bytes
 * it scans (the workgroup's scan limit applies).
 */
import { historyQuerySql, NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import {
  historyReportOf,
  type HistoryQueryRows,
  type HistoryQueryValue,
  type HistoryReport,
} from '../../lambda/domain/history/report';

/** Where a stack keeps its history: its outputs HistoryWorkGroupName, HistoryDatabaseName, HistoryTableName. */
export interface AthenaHistory {
  workGroup: string;
  database: string;
  table: string;
}

/** One page of a query's results: column names and types, then rows of text (null for SQL NULL). */
export interface AthenaResultPage {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Array<string | null>>;
  nextToken?: string;
}

/** The Athena calls the report makes (local/cli/aws-clients.ts implements them with the SDK). */
export interface AthenaQueries {
  start(sql: string, workGroup: string, database: string): Promise<string>;
  state(id: string): Promise<{ state: string; reason?: string }>;
  results(id: string, nextToken?: string): Promise<AthenaResultPage>;
}

export class AthenaReportError extends Error {}

export interface AthenaReportOptions {
  /** Between two looks at a running query. */
  pollMs?: number;
  /** How long one query may run before the report gives up. */
  timeoutMs?: number;
}

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
      return [name, await runQuery(athena, history, name, sql, options)] as const;
    }),
  );
  return historyReportOf(window, Object.fromEntries(answers));
}

async function runQuery(
  athena: AthenaQueries,
  history: AthenaHistory,
  name: string,
  sql: string,
  { pollMs = 500, timeoutMs = 120_000 }: AthenaReportOptions,
): Promise<HistoryQueryRows> {
  const id = await athena.start(sql, history.workGroup, history.database);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { state, reason } = await athena.state(id);
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new AthenaReportError(`the ${name} query ${state.toLowerCase()}: ${reason ?? 'no reason given'}`);
    if (Date.now() > deadline)
      throw new AthenaReportError(`the ${name} query did not finish within ${timeoutMs / 1000} s (${id})`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const rows: HistoryQueryRows = [];
  let nextToken: string | undefined;
  let first = true;
  do {
    const page = await athena.results(id, nextToken);
    // A SELECT's first page starts with the header row: the column names as text.
    const data = first ? page.rows.slice(1) : page.rows;
    for (const values of data) rows.push(rowOf(page.columns, values));
    nextToken = page.nextToken;
    first = false;
  } while (nextToken);
  return rows;
}

/** Athena answers text; the column's type says what it was (numbers and booleans as DuckDB gives them). */
function rowOf(
  columns: AthenaResultPage['columns'],
  values: Array<string | null>,
): Record<string, HistoryQueryValue> {
  return Object.fromEntries(columns.map((column, i) => [column.name, valueOf(column.type, values[i])]));
}

const NUMERIC = new Set([
  'tinyint',
  'smallint',
  'integer',
  'int',
  'bigint',
  'double',
  'float',
  'real',
  'decimal',
]);

function valueOf(type: string, text: string | null | undefined): HistoryQueryValue {
  if (text === null || text === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, '');
  if (NUMERIC.has(base)) return Number(text);
  if (base === 'boolean') return text === 'true';
  return text;
}
