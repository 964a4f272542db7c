/**
 * The local history writer: every status-change event of `npm start` becomes a history row (the same
 * row Firehose writes in AWS), buffered in memory and written by an in-memory DuckDB as a new Parquet
 * file under `<dir>/dt=YYYY-MM-DD/part-<time>-<n>.parquet` at most every `flushEveryMs` (2 s) when there
 * are rows, so a row is readable within a few seconds; `stop()` writes whatever is left.
 *
 * A file appears whole or not at all: DuckDB writes it under a name readers skip (`.tmp`), then it is
 * renamed, so a report running during a flush never reads half a file.
 *
 * After a flush, the days it wrote to are compacted when due (compact.ts: more than `maxFilesPerDay`
 * files, or the day is over), and at start every day is, after the `.tmp` files of a crash are deleted.
 * Compactions go in the same queue as flushes, one day at a time, so none overlaps a flush or another.
 */
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  HISTORY_COLUMNS,
  HISTORY_PARTITION,
  historyDayAt,
  historyRowOf,
  type HistoryRow,
  type Pseudonymise,
} from '../../lambda/domain/history/row';
import type { StatusChangeDetail } from '../../lambda/domain/status-event';
import { compactPartition, DEFAULT_MAX_FILES, historyPartitions, removeLeftovers } from './compact';
import { appendHistoryRows, historyTableSql, sqlString } from './duckdb';

export interface HistoryWriterOptions {
  dir: string;
  pseudonymise: Pseudonymise;
  /** Longest a row waits in memory (2000 ms). */
  flushEveryMs?: number;
  /** More files than this in a day's partition and it is compacted into one (64). */
  maxFilesPerDay?: number;
  /** Told when a flush fails (its rows are kept and written by the next flush) or a compaction does. */
  onError?: (error: unknown) => void;
}

export interface HistoryWriterStats {
  /** Rows written to Parquet so far. */
  written: number;
  files: number;
  /** Rows waiting for the next flush. */
  pending: number;
  /** Files merged into one by compaction. */
  compacted: number;
}

export interface HistoryWriter {
  write(detail: StatusChangeDetail): void;
  /** Writes every buffered row now (after any flush under way). */
  flush(): Promise<void>;
  stats(): HistoryWriterStats;
  /**
   * Liveness, for GET /health: down once stopped, or while the last flush failed (its rows are kept
   * for the next); a failed compaction loses nothing and does not count.
   */
  health(): { ok: true } | { ok: false; reason: string };
  /** Flushes, then closes DuckDB; writes after this are refused. */
  stop(): Promise<void>;
}

const BUFFER = 'history_buffer';

export async function startHistoryWriter(options: HistoryWriterOptions): Promise<HistoryWriter> {
  mkdirSync(options.dir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(historyTableSql(BUFFER));
  removeLeftovers(options.dir);

  let pending: HistoryRow[] = [];
  let written = 0;
  let files = 0;
  let compacted = 0;
  let stopped = false;
  let flushFailure: string | undefined;
  // One flush or compaction at a time: each waits for the one before it.
  let flushing: Promise<void> = Promise.resolve();
  // The days this writer has written to and not yet seen over.
  const open = new Set<string>();

  const compactLater = (days: Iterable<string>) => {
    for (const day of days) flushing = flushing.then(() => compactDay(day));
  };
  const compactDay = async (day: string) => {
    if (stopped) return;
    try {
      compacted += await compactPartition(connection, options.dir, day, {
        maxFiles: options.maxFilesPerDay ?? DEFAULT_MAX_FILES,
      });
    } catch (error) {
      options.onError?.(error);
    }
  };

  const flushOnce = async () => {
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    try {
      const days = await writeParquet(connection, options.dir, rows, files);
      files += days.length;
      written += rows.length;
      for (const day of days) open.add(day);
      compactLater(open);
      const today = historyDayAt(Date.now());
      for (const day of open) if (day < today) open.delete(day);
      flushFailure = undefined;
    } catch (error) {
      // Kept for the next flush. A day's file written before the failure is written again then: the
      // queries count distinct messages, so only `history_rows` would see the duplicate rows (until a
      // compaction of the day merges them).
      pending = [...rows, ...pending];
      await connection.run(`DELETE FROM ${BUFFER}`).catch(() => undefined);
      flushFailure = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      options.onError?.(error);
    }
  };
  const flush = () => (flushing = flushing.then(flushOnce));
  compactLater(historyPartitions(options.dir));

  const timer = setInterval(() => void flush(), options.flushEveryMs ?? 2000);
  timer.unref();

  return {
    write: (detail) => {
      if (stopped) throw new Error('the history writer is stopped');
      pending.push(historyRowOf(detail, options.pseudonymise, Date.now()));
    },
    flush,
    stats: () => ({ written, files, pending: pending.length, compacted }),
    health: () => {
      if (stopped) return { ok: false, reason: 'stopped' };
      if (flushFailure !== undefined)
        return { ok: false, reason: `the last flush failed (${pending.length} rows kept): ${flushFailure}` };
      return { ok: true };
    },
    stop: async () => {
      if (stopped) return flushing;
      stopped = true;
      clearInterval(timer);
      await flush();
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Writes rows as one new Parquet file per day they were recorded on; answers the days. */
async function writeParquet(
  connection: DuckDBConnection,
  dir: string,
  rows: readonly HistoryRow[],
  filesSoFar: number,
): Promise<string[]> {
  await appendHistoryRows(connection, BUFFER, rows);
  const days = await connection.runAndReadAll(
    `SELECT DISTINCT ${HISTORY_PARTITION} FROM ${BUFFER} ORDER BY 1`,
  );
  const columns = HISTORY_COLUMNS.map((c) => c.name).join(', ');
  const time = Date.now();
  let n = filesSoFar;
  const written: string[] = [];
  for (const [value] of days.getRowsJS()) {
    const day = String(value);
    const folder = path.join(dir, `${HISTORY_PARTITION}=${day}`);
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `part-${time}-${++n}.parquet`);
    await connection.run(
      `COPY (SELECT ${columns} FROM ${BUFFER} WHERE ${HISTORY_PARTITION} = ${sqlString(day)} ORDER BY recorded_at_ms)
       TO ${sqlString(`${file}.tmp`)} (FORMAT parquet)`,
    );
    renameSync(`${file}.tmp`, file);
    written.push(day);
  }
  await connection.run(`DELETE FROM ${BUFFER}`);
  return written;
}
