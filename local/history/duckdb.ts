/**
 * DuckDB, the local history engine: the history columns as DuckDB types, the Parquet files of a history
 * folder as a table expression, and named queries run into plain rows. The writer, the report and the
 * bench all go through here, so the local files are read one way.
 */
import { MAP, VARCHAR, mapValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import {
  HISTORY_COLUMNS,
  HISTORY_PARTITION,
  historyDayOf,
  type HistoryColumnType,
  type HistoryRow,
} from '../../lambda/domain/history/row';
import { historyQuerySql, type HistoryWindow } from '../../lambda/domain/history/queries';

const DUCKDB_TYPES: Readonly<Record<HistoryColumnType, string>> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  'map<string,string>': 'MAP(VARCHAR, VARCHAR)',
};

const TAGS_TYPE = MAP(VARCHAR, VARCHAR);

/**
 * Every history column cast to its DuckDB type, then the partition, as a SELECT list: a query shaped
 * by hand (the bench's synthetic rows) yields exactly the writer's columns, or fails.
 */
export function historyColumnsSelect(): string {
  const columns = HISTORY_COLUMNS.map((c) => `CAST(${c.name} AS ${DUCKDB_TYPES[c.type]}) AS ${c.name}`);
  return [...columns, `CAST(${HISTORY_PARTITION} AS VARCHAR) AS ${HISTORY_PARTITION}`].join(', ');
}

/** `CREATE TABLE name (every history column, then the partition as text)`. */
export function historyTableSql(table: string): string {
  const columns = HISTORY_COLUMNS.map((c) => `${c.name} ${DUCKDB_TYPES[c.type]}`);
  return `CREATE TABLE ${table} (${[...columns, `${HISTORY_PARTITION} VARCHAR`].join(', ')})`;
}

/** Appends rows to a table made by historyTableSql, each with its partition (the day it was recorded). */
export async function appendHistoryRows(
  connection: DuckDBConnection,
  table: string,
  rows: readonly HistoryRow[],
): Promise<void> {
  const appender = await connection.createAppender(table);
  try {
    for (const row of rows) {
      for (const column of HISTORY_COLUMNS) append(appender, column.type, row[column.name]);
      appender.appendVarchar(historyDayOf(row));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function append(
  appender: DuckDBAppender,
  type: HistoryColumnType,
  value: HistoryRow[keyof HistoryRow],
): void {
  if (value === null) return appender.appendNull();
  switch (type) {
    case 'string':
      return appender.appendVarchar(String(value));
    case 'int':
      return appender.appendInteger(Number(value));
    case 'bigint':
      return appender.appendBigInt(BigInt(value as number));
    case 'boolean':
      return appender.appendBoolean(value === true);
    case 'map<string,string>':
      return appender.appendMap(
        mapValue(Object.entries(value as Record<string, string>).map(([key, v]) => ({ key, value: v }))),
        TAGS_TYPE,
      );
  }
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Every Parquet file under `dir/dt=YYYY-MM-DD/`, the partition read as text (`YYYY-MM-DD`, as the Glue
 * table's string partition column), so `dt >= '2026-01-02'` prunes files in both engines alike.
 */
export function parquetSource(dir: string): string {
  const glob = `${dir.replace(/\/+$/, '')}/${HISTORY_PARTITION}=*/*.parquet`;
  return `read_parquet(${sqlString(glob)}, hive_partitioning = true, hive_types = {'${HISTORY_PARTITION}': VARCHAR})`;
}

export type QueryValue = string | number | boolean | null;
export type QueryRow = Record<string, QueryValue>;

/** Runs SQL and reads its rows as plain values: counts as numbers, anything else as text. */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<QueryRow[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((row) => {
    const plain: QueryRow = {};
    for (const [key, value] of Object.entries(row)) plain[key] = plainValue(value);
    return plain;
  });
}

function plainValue(value: unknown): QueryValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export function runNamedQuery(
  connection: DuckDBConnection,
  name: string,
  source: string,
  window: HistoryWindow,
): Promise<QueryRow[]> {
  return queryRows(connection, historyQuerySql(name, 'duckdb', source, window));
}
