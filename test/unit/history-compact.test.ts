/**
 * Compaction of the local history (local/history/compact.ts), with real DuckDB over real files: many
 * flushes leave many files, compaction leaves one per day with exactly the same rows and the same
 * report; a `.tmp` is never read and is deleted at start; compaction while flushes land loses nothing;
 * compacting a compacted day again changes nothing, and a crash's duplicate rows are merged away.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createPseudonymiser } from '../../lambda/adapters/secondary/pseudonymiser';
import { compactHistory, compactPartition } from '../../local/history/compact';
import { parquetSource, queryRows } from '../../local/history/duckdb';
import { computeHistoryReport } from '../../local/history/report';
import { startHistoryWriter, type HistoryWriter } from '../../local/history/writer';
import { statusChange } from '../support/history';

const pseudonymise = createPseudonymiser('test-history-key-0123456789abcdef0123456789');
const STATUSES = ['queued', 'sent', 'delivered'];
const PAST = '2000-01-02';
const today = () => new Date().toISOString().slice(0, 10);
const WINDOW = { since: '2000-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' };

let root: string;
let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'history-compact-'));
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const freshDir = () => path.join(root, `run-${++n}`);

let writer: HistoryWriter | undefined;
afterEach(() => writer?.stop());

/** Every row of a history folder, as a reader in another process sees them, in one order. */
const allRows = (dir: string) =>
  queryRows(connection, `SELECT * FROM ${parquetSource(dir)} ORDER BY event_id, recorded_at_ms`);

const filesOf = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.includes('.parquet'))
    .sort();

/** Writes `flushes` files, each with the three statuses of one message, with compaction as asked. */
async function flushMany(dir: string, flushes: number, maxFilesPerDay = 1_000_000): Promise<HistoryWriter> {
  writer = await startHistoryWriter({ dir, pseudonymise, flushEveryMs: 3_600_000, maxFilesPerDay });
  for (let i = 0; i < flushes; i++) {
    for (const status of STATUSES)
      writer.write(
        statusChange(`SM${i}`, status, new Date().toISOString(), { tags: { batch: `b${i % 3}` } }),
      );
    await writer.flush();
  }
  return writer;
}

/** Moves the first `count` files of today's partition to a day that is over. */
function moveToPast(dir: string, count: number): void {
  const from = path.join(dir, `dt=${today()}`);
  const to = path.join(dir, `dt=${PAST}`);
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from).sort().slice(0, count))
    renameSync(path.join(from, file), path.join(to, file));
}

describe('history compaction', () => {
  it('leaves one file per day with exactly the same rows and report', async () => {
    const dir = freshDir();
    await (await flushMany(dir, 100)).stop();
    moveToPast(dir, 30);
    expect(filesOf(dir)).toHaveLength(100);
    const rows = await allRows(dir);
    const report = await computeHistoryReport(dir, WINDOW);
    expect(rows).toHaveLength(300);

    expect(await compactHistory(connection, dir, { maxFiles: 64 })).toBe(100);

    expect(filesOf(dir)).toEqual([
      expect.stringMatching(new RegExp(`^dt=${PAST}/compact-\\d+-\\d+\\.parquet$`)),
      expect.stringMatching(new RegExp(`^dt=${today()}/compact-\\d+-\\d+\\.parquet$`)),
    ]);
    expect(await allRows(dir)).toEqual(rows);
    expect(await computeHistoryReport(dir, WINDOW)).toEqual(report);
  });

  it('compacts today only above the threshold, a day that is over whenever it has two files', async () => {
    const dir = freshDir();
    await (await flushMany(dir, 6)).stop();
    moveToPast(dir, 2);
    expect(await compactPartition(connection, dir, today(), { maxFiles: 4 })).toBe(0);
    expect(await compactPartition(connection, dir, PAST, { maxFiles: 4 })).toBe(2);
    expect(await compactPartition(connection, dir, today(), { maxFiles: 3 })).toBe(4);
    expect(filesOf(dir)).toHaveLength(2);
  });

  it('compacting a compacted day again changes nothing', async () => {
    const dir = freshDir();
    await (await flushMany(dir, 10)).stop();
    moveToPast(dir, 10);
    await compactHistory(connection, dir);
    const [file] = filesOf(dir);
    const modified = statSync(path.join(dir, file!)).mtimeMs;
    const rows = await allRows(dir);

    expect(await compactHistory(connection, dir)).toBe(0);
    expect(filesOf(dir)).toEqual([file]);
    expect(statSync(path.join(dir, file!)).mtimeMs).toBe(modified);
    expect(await allRows(dir)).toEqual(rows);
  });

  it("merges away the duplicate rows of a crash between a compaction's rename and its deletes", async () => {
    const dir = freshDir();
    await (await flushMany(dir, 10)).stop();
    moveToPast(dir, 10);
    const rows = await allRows(dir);
    const report = await computeHistoryReport(dir, WINDOW);
    await compactHistory(connection, dir);
    // The crash: the compacted file is in place, and one input (a copy of the rows) is not yet deleted.
    const [file] = filesOf(dir);
    copyFileSync(path.join(dir, file!), path.join(dir, `dt=${PAST}`, 'part-1-1.parquet'));
    const duplicated = await computeHistoryReport(dir, WINDOW);
    // Only the raw row count sees the duplicates; every other figure counts distinct messages.
    expect(duplicated.queries.summary).toEqual([{ messages: 10, history_rows: 60 }]);
    expect({ ...duplicated, queries: { ...duplicated.queries, summary: undefined } }).toEqual({
      ...report,
      queries: { ...report.queries, summary: undefined },
    });

    expect(await compactHistory(connection, dir)).toBe(2);
    expect(filesOf(dir)).toHaveLength(1);
    expect(await allRows(dir)).toEqual(rows);
  });

  it('never reads a leftover .tmp, and the writer deletes it at start, compacting leftover days', async () => {
    const dir = freshDir();
    await (await flushMany(dir, 5)).stop();
    moveToPast(dir, 5);
    const rows = await allRows(dir);
    const leftover = path.join(dir, `dt=${PAST}`, 'part-9-9.parquet.tmp');
    writeFileSync(leftover, 'half a Parquet file');
    expect(await allRows(dir)).toEqual(rows);
    expect(await compactPartition(connection, dir, PAST)).toBe(5);
    expect(filesOf(dir)).toContain(`dt=${PAST}/part-9-9.parquet.tmp`);

    const compacted = filesOf(dir)[0]!;
    copyFileSync(path.join(dir, compacted), path.join(dir, `dt=${PAST}`, 'part-1-1.parquet'));
    writer = await startHistoryWriter({ dir, pseudonymise, flushEveryMs: 3_600_000 });
    expect(filesOf(dir)).not.toContain(`dt=${PAST}/part-9-9.parquet.tmp`);
    await writer.flush();
    expect(filesOf(dir)).toEqual([expect.stringMatching(new RegExp(`^dt=${PAST}/compact-`))]);
    expect(writer.stats().compacted).toBe(2);
    expect(await allRows(dir)).toEqual(rows);
  });

  it('loses nothing when the writer compacts between its flushes', async () => {
    const dir = freshDir();
    const running = await flushMany(dir, 40, 4);
    expect(running.stats()).toMatchObject({ written: 120, files: 40 });
    expect(running.stats().compacted).toBeGreaterThanOrEqual(32);
    await running.stop();
    expect(filesOf(dir).length).toBeLessThanOrEqual(5);
    const rows = await queryRows(
      connection,
      `SELECT count(*) AS n, count(DISTINCT event_id) AS events FROM ${parquetSource(dir)}`,
    );
    expect(rows).toEqual([{ n: 120, events: 120 }]);
  });

  /** Flushes while a report runs: each writes a file and compacts the day (~50 ms alone, 400 ms when busy). */
  const FLUSHES = 300;

  it(
    'a report elsewhere while the writer compacts never fails nor misses a message',
    async () => {
      const dir = freshDir();
      writer = await startHistoryWriter({ dir, pseudonymise, flushEveryMs: 3_600_000, maxFilesPerDay: 2 });
      const running = writer;
      running.write(statusChange('SM-first', 'sent', new Date().toISOString()));
      await running.flush();
      let flushing = true;
      const flushes = (async () => {
        for (let i = 0; i < FLUSHES; i++) {
          running.write(statusChange(`SM${i}`, 'sent', new Date().toISOString()));
          await running.flush();
        }
        flushing = false;
      })();
      let seen = 0;
      let reports = 0;
      try {
        while (flushing) {
          const report = await computeHistoryReport(dir, WINDOW);
          expect(report.messages).toBeGreaterThanOrEqual(seen);
          seen = report.messages;
          reports++;
        }
      } finally {
        await flushes;
      }
      expect(reports).toBeGreaterThan(1);
      expect(running.stats().compacted).toBeGreaterThan(200);
      expect((await computeHistoryReport(dir, WINDOW)).messages).toBe(FLUSHES + 1);
    },
    30_000 + FLUSHES * 400,
  );

  it('loses nothing when another process compacts while flushes land', async () => {
    const dir = freshDir();
    writer = await startHistoryWriter({
      dir,
      pseudonymise,
      flushEveryMs: 3_600_000,
      maxFilesPerDay: 1_000_000,
    });
    const running = writer;
    let flushing = true;
    const flushes = (async () => {
      for (let i = 0; i < 60; i++) {
        running.write(statusChange(`SM${i}`, 'sent', new Date().toISOString()));
        await running.flush();
      }
      flushing = false;
    })();
    // A second engine, as `npm run report` or another tool would be: compacts whatever is there.
    const other = await DuckDBInstance.create(':memory:');
    const compactor = await other.connect();
    let compactions = 0;
    let seen = 0;
    try {
      while (flushing) {
        await new Promise((resolve) => setImmediate(resolve));
        if (!filesOf(dir).some((f) => f.endsWith('.parquet'))) continue;
        if ((await compactPartition(compactor, dir, today(), { maxFiles: 2 })) > 0) compactions++;
        const [now] = await queryRows(
          compactor,
          `SELECT count(DISTINCT event_id) AS events FROM ${parquetSource(dir)}`,
        );
        // A reader never sees a row disappear.
        expect(now!.events).toBeGreaterThanOrEqual(seen);
        seen = Number(now!.events);
      }
      await compactPartition(compactor, dir, today(), { maxFiles: 0 });
    } finally {
      await flushes;
      compactor.closeSync();
      other.closeSync();
    }
    expect(compactions).toBeGreaterThan(0);
    expect(filesOf(dir)).toHaveLength(1);
    const rows = await queryRows(
      connection,
      `SELECT count(*) AS n, count(DISTINCT event_id) AS events FROM ${parquetSource(dir)}`,
    );
    expect(rows).toEqual([{ n: 60, events: 60 }]);
  });
});
