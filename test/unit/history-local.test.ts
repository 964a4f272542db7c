/**
 * Local history without DynamoDB: the writer (Parquet files by day, the history columns and types,
 * pseudonymised, flushed on stop, readable within 5 s), the hash key file, GET /history/report on the
 * local server, and `npm run report` as a user runs it (exit codes, --json, --html).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  renameSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createPseudonymiser } from '../../lambda/adapters/secondary/pseudonymiser';
import { historyReportOf, type HistoryReport } from '../../lambda/domain/history/report';
import { HISTORY_COLUMNS } from '../../lambda/domain/history/row';
import { parquetSource, queryRows } from '../../local/history/duckdb';
import { DEFAULT_HISTORY_DIR, historyDirFromEnv } from '../../local/history/defaults';
import { localHistoryReportEndpoint } from '../../local/history/endpoint';
import { historyHashKey, historyKeyFile } from '../../local/history/key';
import { computeHistoryReport } from '../../local/history/report';
import { historyReportText } from '../../local/history/text';
import { startHistoryWriter, type HistoryWriter } from '../../local/history/writer';
import { startLocalServer, type LocalServer } from '../../local/server';
import { statusChange } from '../support/history';
import { runToEnd } from '../support/processes';

const KEY = 'test-history-key-0123456789abcdef0123456789';
const pseudonymise = createPseudonymiser(KEY);

let root: string;
beforeAll(() => (root = mkdtempSync(path.join(tmpdir(), 'history-local-'))));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `run-${++n}`, 'history');

/** The rows of a history folder, as DuckDB reads them. */
async function readRows(dir: string, sql = 'SELECT * FROM h ORDER BY message_sid, status_rank') {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await queryRows(connection, sql.replace(/\bh\b/, parquetSource(dir)));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const parquetFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.parquet'))
    .sort();

describe('the history writer', () => {
  let writer: HistoryWriter | undefined;
  afterEach(() => writer?.stop());

  it('writes everything buffered when stopped, one Parquet file per day under dt=YYYY-MM-DD/', async () => {
    const dir = freshDir();
    writer = await startHistoryWriter({ dir, pseudonymise, flushEveryMs: 3_600_000 });
    writer.write(statusChange('SM1', 'queued', '2026-11-20T10:00:00.000Z', { tags: { campaign: 'spring' } }));
    writer.write(statusChange('SM1', 'delivered', '2026-11-20T10:00:05.000Z', { errorCode: null }));
    writer.write(statusChange('SM2', 'failed', '2026-11-20T10:00:01.000Z', { errorCode: 30007 }));
    expect(parquetFiles(dir)).toEqual([]);
    await writer.stop();
    const today = new Date().toISOString().slice(0, 10);
    expect(parquetFiles(dir)).toEqual([
      expect.stringMatching(new RegExp(`^dt=${today}/part-\\d+-1\\.parquet$`)),
    ]);
    const rows = await readRows(dir);
    expect(rows.map((r) => [r.message_sid, r.status, r.error_code, r.dt])).toEqual([
      ['SM1', 'queued', null, today],
      ['SM1', 'delivered', null, today],
      ['SM2', 'failed', 30007, today],
    ]);
    expect(rows[0]).toMatchObject({ tags: JSON.stringify([{ key: 'campaign', value: 'spring' }]) });
  });

  it('writes the history columns with their types, numbers only as keyed hashes', async () => {
    const dir = freshDir();
    writer = await startHistoryWriter({ dir, pseudonymise });
    writer.write(statusChange('SM1', 'sent', '2026-11-20T10:00:00.000Z', { to: 'whatsapp:+447700900123' }));
    await writer.stop();
    const columns = await readRows(dir, 'SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM h)');
    const expected: Record<string, string> = {
      string: 'VARCHAR',
      int: 'INTEGER',
      bigint: 'BIGINT',
      boolean: 'BOOLEAN',
      'map<string,string>': 'MAP(VARCHAR, VARCHAR)',
    };
    expect(columns).toEqual([
      ...HISTORY_COLUMNS.map((c) => ({ column_name: c.name, column_type: expected[c.type] })),
      { column_name: 'dt', column_type: 'VARCHAR' },
    ]);
    const [row] = await readRows(dir);
    expect(row).toMatchObject({
      to_hash: pseudonymise('whatsapp:+447700900123'),
      to_country: '44',
      from_hash: pseudonymise('+15017250604'),
      from_country: '1',
      status_at_ms: Date.parse('2026-11-20T10:00:00.000Z'),
    });
    const bytes = readFileSync(path.join(dir, parquetFiles(dir)[0]!));
    expect(bytes.includes('447700900123')).toBe(false);
    expect(bytes.includes('5017250604')).toBe(false);
  });

  it('makes a row readable within 5 s while running, without being stopped', async () => {
    const dir = freshDir();
    writer = await startHistoryWriter({ dir, pseudonymise });
    const written = Date.now();
    writer.write(statusChange('SM-soon', 'sent', new Date().toISOString()));
    let readable = 0;
    while (Date.now() - written < 10_000) {
      if (parquetFiles(dir).length > 0 && (await readRows(dir)).some((r) => r.message_sid === 'SM-soon')) {
        readable = Date.now() - written;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(readable).toBeGreaterThan(0);
    expect(readable).toBeLessThan(5_000);
    // Nothing is left half-written for a reader to trip on.
    expect(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'))).toEqual(
      [],
    );
  });

  it('refuses writes once stopped', async () => {
    writer = await startHistoryWriter({ dir: freshDir(), pseudonymise });
    await writer.stop();
    expect(() => writer!.write(statusChange('SM1', 'sent', '2026-11-20T10:00:00.000Z'))).toThrow(/stopped/);
  });
});

describe("npm start's history settings", () => {
  it('HISTORY_DIR, else the default; HISTORY=off turns history off; any other HISTORY is refused', () => {
    expect(historyDirFromEnv({})).toBe(DEFAULT_HISTORY_DIR);
    expect(historyDirFromEnv({ HISTORY_DIR: '/data/history', HISTORY: 'on' })).toBe('/data/history');
    expect(historyDirFromEnv({ HISTORY_DIR: '/data/history', HISTORY: 'off' })).toBeUndefined();
    expect(() => historyDirFromEnv({ HISTORY: 'no' })).toThrow('HISTORY must be on or off, got "no"');
  });
});

describe('the hash key', () => {
  it('is made once next to the history folder, readable by its owner alone, and reused', () => {
    const dir = freshDir();
    const key = historyHashKey(dir);
    expect(key.length).toBeGreaterThanOrEqual(32);
    const file = historyKeyFile(dir);
    expect(file).toBe(path.join(path.dirname(dir), 'history-key'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(historyHashKey(dir)).toBe(key);
    expect(historyHashKey(freshDir())).not.toBe(key);
  });

  it('comes from HISTORY_HASH_KEY when given, which must be long enough', () => {
    const dir = freshDir();
    expect(historyHashKey(dir, KEY)).toBe(KEY);
    expect(existsSync(historyKeyFile(dir))).toBe(false);
    expect(() => historyHashKey(dir, 'short')).toThrow(
      'the history hash key in HISTORY_HASH_KEY must be at least 32 characters',
    );
  });
});

/** A history folder with a few messages, written by the writer. */
async function sampleHistory(): Promise<string> {
  const dir = freshDir();
  const writer = await startHistoryWriter({ dir, pseudonymise });
  const t = Date.now() - 3_600_000;
  const at = (ms: number) => new Date(t + ms).toISOString();
  writer.write(statusChange('SM1', 'sent', at(0)));
  writer.write(statusChange('SM1', 'delivered', at(1200)));
  writer.write(statusChange('SM2', 'sent', at(0)));
  writer.write(statusChange('SM2', 'undelivered', at(500), { errorCode: 30003 }));
  writer.write(statusChange('SM3', 'sent', at(0)));
  await writer.stop();
  return dir;
}

describe('GET /history/report', () => {
  let server: LocalServer;
  let dir: string;
  const off = async () => ({ statusCode: 501 });

  beforeAll(async () => {
    dir = await sampleHistory();
    server = await startLocalServer({
      port: 0,
      statusCallback: off,
      query: off,
      historyReport: localHistoryReportEndpoint(dir),
    });
  });
  afterAll(() => server.close());

  it('answers the report as JSON', async () => {
    const response = await fetch(`${server.url}/history/report?since=1d`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as HistoryReport;
    expect(report).toMatchObject({
      messages: 3,
      finalStatus: { delivered: 1, undelivered: 1, sent: 1 },
      errorCodes: { '30003': 1 },
      deliveryLatencyMs: { p50: 1200, messages: 1 },
    });
  });

  it('answers the time series per hour or per day (the default), as asked', async () => {
    const perHour = (await (
      await fetch(`${server.url}/history/report?since=1d&granularity=hour`)
    ).json()) as HistoryReport;
    expect(perHour.window.granularity).toBe('hour');
    const perDay = (await (await fetch(`${server.url}/history/report?since=1d`)).json()) as HistoryReport;
    expect(perDay.window.granularity).toBe('day');
    const buckets = (report: HistoryReport) =>
      report.queries['delivery-rate-by-country-over-time']!.map((r) => String(r.bucket));
    expect(buckets(perHour).length).toBeGreaterThan(0);
    expect(buckets(perHour).every((b) => /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/.test(b))).toBe(true);
    expect(buckets(perDay).every((b) => /^\d{4}-\d{2}-\d{2}T00:00:00Z$/.test(b))).toBe(true);
    const messages = (report: HistoryReport) =>
      report.queries['delivery-rate-by-country-over-time']!.reduce((n, r) => n + Number(r.messages), 0);
    expect(messages(perHour)).toBe(3);
    expect(messages(perDay)).toBe(3);
  });

  it('answers 400 naming a bad parameter', async () => {
    for (const [query, named] of [
      ['since=yesterday', /^since must be/],
      ['since=1d&until=soon', /^until must be/],
      ['since=0d', /^since must be from 1d/],
      // Days the calendar does not have are refused, not rolled over into the next month.
      ['since=2026-02-30', /^since must be/],
      ['since=2026-13-01', /^since must be/],
      ['since=2026-02-01&until=2026-02-29T00:00:00Z', /^until must be/],
      ['sinse=1d', /unknown parameter "sinse"/],
      ['since=1d&granularity=week', /^granularity must be hour or day, got "week"/],
    ] as const) {
      const response = await fetch(`${server.url}/history/report?${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(named);
    }
  });

  it('answers 405 to anything but GET', async () => {
    const response = await fetch(`${server.url}/history/report`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ error: 'GET only' });
  });

  it('answers 404 when history is off', async () => {
    const offServer = await startLocalServer({
      port: 0,
      statusCallback: off,
      query: off,
      historyReport: localHistoryReportEndpoint(undefined),
    });
    try {
      const response = await fetch(`${offServer.url}/history/report`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'history is off' });
    } finally {
      await offServer.close();
    }
  });
});

describe('the report over the files', () => {
  it("reads no partition before since's day", async () => {
    const dir = await sampleHistory();
    const window = {
      since: new Date(Date.now() - 86_400_000).toISOString(),
      until: new Date().toISOString(),
    };
    const before = await computeHistoryReport(dir, window);
    // A file filed under an old day, holding a status time inside the window: the window leaves it out.
    const other = freshDir();
    const writer = await startHistoryWriter({ dir: other, pseudonymise });
    writer.write(statusChange('SM-old-partition', 'sent', new Date(Date.now() - 3_600_000).toISOString()));
    await writer.stop();
    mkdirSync(path.join(dir, 'dt=2000-01-01'));
    renameSync(
      path.join(other, parquetFiles(other)[0]!),
      path.join(dir, 'dt=2000-01-01', 'part-1-1.parquet'),
    );
    expect(await computeHistoryReport(dir, window)).toEqual(before);
    const all = await computeHistoryReport(dir, { ...window, since: '2000-01-01T00:00:00Z' });
    expect(all.messages).toBe(before.messages + 1);
  });
});

describe('the report as text', () => {
  it('shows 25 rows of a table and says how many more there are', () => {
    const senders = Array.from({ length: 30 }, (_, i) => ({ from_hash: `hash-${i}`, messages: 30 - i }));
    const window = { since: '2026-11-01T00:00:00.000Z', until: '2026-11-02T00:00:00.000Z' };
    const text = historyReportText(historyReportOf(window, { 'by-sender': senders }));
    expect(text).toContain('hash-24');
    expect(text).not.toContain('hash-25');
    expect(text).toContain('(5 more rows: --json has them all)');
    expect(text).toMatch(/Time from sent to delivered \(delivery-latency\)\n\(no rows\)/);
  });
});

describe('npm run report', () => {
  let dir: string;
  beforeAll(async () => (dir = await sampleHistory()));

  it('prints every named query as a table', async () => {
    const { code, stdout } = await runToEnd('local/report.ts', ['--dir', dir, '--since', '1d']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/: 3 messages/);
    expect(stdout).toMatch(/Final status \(final-status\)\nstatus\s+messages\n-+\s+-+\n(\w+\s+1\n){3}/);
    expect(stdout).toMatch(/error_code\s+messages\s+rate\n-+\s+-+\s+-+\n\s*30003\s+1\s+0\.3333/);
    for (const title of [
      'Delivery rate by destination country over time (delivery-rate-by-country-over-time)\nbucket  ',
      'Delivery rate by channel over time (delivery-rate-by-channel-over-time)\nbucket  ',
      'Error codes over time (error-codes-over-time)\nbucket  ',
      'Time from sent to delivered over time (delivery-latency-over-time)\nbucket  ',
    ])
      expect(stdout).toContain(title);
  });

  it('--granularity hour: the time series per UTC hour', async () => {
    const { code, stdout } = await runToEnd('local/report.ts', [
      '--dir',
      dir,
      '--since',
      '1d',
      '--granularity',
      'hour',
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as HistoryReport;
    expect(report.window.granularity).toBe('hour');
    expect(report.queries['error-codes-over-time']).toEqual([
      { bucket: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/), error_code: 30003, messages: 1 },
    ]);
  });

  it('--json prints the report object, the same as the route', async () => {
    const until = new Date().toISOString();
    const { code, stdout } = await runToEnd('local/report.ts', [
      '--dir',
      dir,
      '--since',
      '2d',
      '--until',
      until,
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as HistoryReport;
    const window = { since: new Date(Date.parse(until) - 2 * 86_400_000).toISOString(), until };
    expect(report).toEqual(await computeHistoryReport(dir, window));
    expect(report.messages).toBe(3);
  });

  it('--html writes one self-contained page with the charts', async () => {
    const file = path.join(root, 'report.html');
    const { code } = await runToEnd('local/report.ts', ['--dir', dir, '--since', '1d', '--html', file]);
    expect(code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link|<img|@import|url\(/i);
    for (const chart of ['Delivery funnel per day', 'Failures by error code', 'Time from sent to delivered'])
      expect(html).toMatch(new RegExp(`<svg [^>]*aria-label="${chart}"[^>]*>[\\s\\S]*?<rect `));
    expect(html).toContain('30003');
  });

  it('refuses bad flags with a clear message and exit code 2', async () => {
    for (const [args, message] of [
      [['--bogus'], /unknown option --bogus for report/],
      [['--sinse', '7d'], /unknown option --sinse for report; did you mean --since\?/],
      [['--since', 'last week'], /--since must be an ISO 8601 instant/],
      [['--since', '2026-11-20', '--until', '2026-11-19'], /--since \(2026-11-20\) must be before until/],
      [['--html'], /--html needs a value/],
      [['--granularity', 'week'], /--granularity must be hour or day, got "week"/],
    ] as const) {
      const result = await runToEnd('local/report.ts', ['--dir', dir, ...args]);
      expect(result.code).toBe(2);
      expect(result.output).toMatch(message);
      expect(result.output).toContain('usage: npm run report');
      expect(result.output).not.toMatch(/\n\s+at /);
    }
  });

  it('says so when the folder does not exist (exit 1)', async () => {
    const missing = path.join(root, 'nowhere');
    const result = await runToEnd('local/report.ts', ['--dir', missing]);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`no history folder at ${missing}`);
    expect(result.output).not.toMatch(/\n\s+at /);
  });

  it('reports zero messages for a folder with no file yet', async () => {
    const empty = freshDir();
    mkdirSync(empty, { recursive: true });
    const { code, stdout } = await runToEnd('local/report.ts', ['--dir', empty, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ messages: 0, finalStatus: {}, errorCodes: {}, funnel: [] });
  });
});
