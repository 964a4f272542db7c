/**
 * The history report over a local history folder: every named query run by DuckDB over its Parquet
 * files, made into the report's object (lambda/domain/history/report.ts). `npm run report`,
 * GET /history/report and `npm run demo` all answer with this.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import {
  historyReportOf,
  type HistoryQueryRows,
  type HistoryReport,
} from '../../lambda/domain/history/report';
import { HISTORY_PARTITION } from '../../lambda/domain/history/row';
import { historyTableSql, parquetSource, runNamedQuery } from './duckdb';

export class HistoryDirError extends Error {}

export async function computeHistoryReport(
  dir: string,
  window: HistoryReport['window'],
): Promise<HistoryReport> {
  if (!existsSync(dir)) throw new HistoryDirError(`no history folder at ${dir}`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // No file yet (history just turned on): the same queries over an empty table, so every figure is 0.
    let source = 'empty_history';
    if (hasParquetFiles(dir)) source = parquetSource(dir);
    else await connection.run(historyTableSql(source));
    const queries: Record<string, HistoryQueryRows> = {};
    for (const { name } of NAMED_HISTORY_QUERIES)
      queries[name] = await againIfFilesVanish(() => runNamedQuery(connection, name, source, window));
    return historyReportOf(window, queries);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const FILES_MOVED = /No such file or directory|No files found that match the pattern/;

/**
 * Runs a query again when a file it listed was gone when it came to open it, or its listing caught a
 * folder mid-change and found no file at all (a directory listing is not atomic against a rename and
 * deletes in the same folder): compaction (compact.ts), maybe in `npm start` while this runs elsewhere,
 * deletes the files it merged right after their rows are in place in a new file, which the next run's
 * listing finds.
 */
async function againIfFilesVanish<T>(query: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await query();
    } catch (error) {
      if (attempt >= attempts || !FILES_MOVED.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

function hasParquetFiles(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some(
    (entry) =>
      entry.isDirectory() &&
      entry.name.startsWith(`${HISTORY_PARTITION}=`) &&
      readdirSync(path.join(dir, entry.name)).some((file) => file.endsWith('.parquet')),
  );
}
