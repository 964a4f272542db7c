/**
 * One history query on Athena: start it in the workgroup, wait for it, read every page of its answer
 * into rows typed by column (Athena answers text; numbers and booleans become what DuckDB gives), so the
 * rows are those the domain's report and anomaly check read from DuckDB. `npm run report -- --stack`,
 * the console proxy (local/history/athena-report.ts) and the anomaly-check Lambda run queries this way.
 */
import type { HistoryQueryRows, HistoryQueryValue } from '../../domain/history/report';

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

export async function runAthenaQuery(
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
