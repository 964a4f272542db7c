/**
 * Compaction of the local history: the writer adds a small Parquet file per flush (one every 2 s while
 * events flow), and every file costs a DuckDB reader an open, a footer read and a schedule slot, so a
 * busy day of tens of thousands of files makes `npm run report` slower with every flush. A day's
 * partition is rewritten as one file once it holds more than `maxFiles` files, or once the day is over
 * (a UTC day before today) and it holds more than one.
 *
 * Safe for a reader in another process, and across a crash at any point: the files of the partition
 * are listed first and only those are read (a flush that lands meanwhile is left for the next time);
 * DuckDB writes their distinct rows under a name readers skip (`.tmp`), which is renamed into place
 * before the inputs are deleted. Between the rename and the deletes, or after a crash there, the rows
 * are in two files: the next compaction's DISTINCT drops the copies (as it drops those a failed flush
 * wrote twice). A `.tmp` left by a crash is never read (readers glob `*.parquet`) and is deleted by
 * `removeLeftovers`, which the writer runs at start, before its first flush.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HISTORY_COLUMNS, HISTORY_PARTITION, historyDayAt } from '../../lambda/domain/history/row';
import { sqlString } from './duckdb';

/** More files than this in a day's partition and it is compacted, even on the day itself. */
export const DEFAULT_MAX_FILES = 64;

export interface CompactOptions {
  maxFiles?: number;
  /** Today, `YYYY-MM-DD` (UTC): partitions before it are over. */
  today?: string;
}

/** The `dt=YYYY-MM-DD` partitions of a history folder, oldest first. */
export function historyPartitions(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(`${HISTORY_PARTITION}=`))
    .map((entry) => entry.name.slice(HISTORY_PARTITION.length + 1))
    .sort();
}

/** Deletes every `.tmp` a crashed flush or compaction left; answers how many. */
export function removeLeftovers(dir: string): number {
  let removed = 0;
  for (const day of historyPartitions(dir)) {
    const folder = partitionFolder(dir, day);
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.tmp'))) {
      rmSync(path.join(folder, file), { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * Compacts one day's partition if it is due; answers how many files were merged (0: not due). Not to be
 * run twice at once on the same partition.
 */
export async function compactPartition(
  connection: DuckDBConnection,
  dir: string,
  day: string,
  options: CompactOptions = {},
): Promise<number> {
  const folder = partitionFolder(dir, day);
  const inputs = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.parquet')) : [];
  const over = day < (options.today ?? historyDayAt(Date.now()));
  if (inputs.length <= (over ? 1 : (options.maxFiles ?? DEFAULT_MAX_FILES))) return 0;

  const files = inputs.map((f) => sqlString(path.join(folder, f))).join(', ');
  const columns = HISTORY_COLUMNS.map((c) => c.name).join(', ');
  let target: string;
  do target = path.join(folder, `compact-${Date.now()}-${++sequence}.parquet`);
  while (existsSync(target) || existsSync(`${target}.tmp`));
  try {
    await connection.run(
      `COPY (SELECT DISTINCT ${columns} FROM read_parquet([${files}], hive_partitioning = false) ORDER BY recorded_at_ms)
       TO ${sqlString(`${target}.tmp`)} (FORMAT parquet)`,
    );
    syncToDisk(`${target}.tmp`);
    renameSync(`${target}.tmp`, target);
    syncToDisk(folder);
  } catch (error) {
    rmSync(`${target}.tmp`, { force: true });
    throw error;
  }
  for (const file of inputs) rmSync(path.join(folder, file), { force: true });
  return inputs.length;
}

/** Compacts every partition that is due, one after another; answers how many files were merged. */
export async function compactHistory(
  connection: DuckDBConnection,
  dir: string,
  options: CompactOptions = {},
): Promise<number> {
  let compacted = 0;
  for (const day of historyPartitions(dir))
    compacted += await compactPartition(connection, dir, day, options);
  return compacted;
}

let sequence = 0;

/** The inputs are deleted next: their rows must be on disk, under the new name, even after a power cut. */
function syncToDisk(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const partitionFolder = (dir: string, day: string) => path.join(dir, `${HISTORY_PARTITION}=${day}`);
