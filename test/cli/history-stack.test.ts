/**
 * The history report of a deployed stack: `npm run report -- --stack` and the console's charts behind
 * `npm run console -- --stack` run the named queries on Athena in the stack's workgroup. Athena cannot
 * run here, so a stand-in of its API (checking SigV4 as AWS does) answers each query with what the same
 * named query gives on DuckDB over the same rows, as Athena would send it: typed columns, values as text,
 * a header row, pages. The report made from those answers must equal DuckDB's own report of the rows.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { historyQuerySql, NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import { historyReportOf } from '../../lambda/domain/history/report';
import { historyRowOf } from '../../lambda/domain/history/row';
import { appendHistoryRows, historyTableSql, runNamedQuery } from '../../local/history/duckdb';
import { awsSandbox, startAthena, startCloudFormation, type AthenaAnswer } from '../support/aws-stand-ins';
import { eventually } from '../support/eventually';
import { exited, run, runToEnd } from '../support/processes';
import { statusChange } from '../support/history';
import type { StandIn } from '../support/stand-in';

jest.setTimeout(90_000);

const CREDENTIALS = { accessKeyId: 'AKIATRACKERTEST00003', secretAccessKey: 'history-test-secret' };
const HISTORY = {
  HistoryWorkGroupName: 'tracker-history',
  HistoryDatabaseName: 'tracker_db',
  HistoryTableName: 'status_history',
};
const WINDOW = { since: '2026-11-20T00:00:00.000Z', until: '2026-11-22T00:00:00.000Z' };
const T0 = Date.parse('2026-11-20T10:00:00Z');

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let athena: StandIn & { started: Array<{ sql: string; workGroup: string; database: string }> };
let cloudFormation: StandIn;
let aws: ReturnType<typeof awsSandbox>;
/** Queries the stand-in fails, by name. */
const failing = new Set<string>();

/** Messages of every outcome: delivered with latency, undelivered with a code, one never final, tags. */
function rows() {
  const at = (ms: number) => new Date(T0 + ms).toISOString();
  const change = (sid: string, status: string, ms: number, extra = {}) =>
    historyRowOf(statusChange(sid, status, at(ms), extra), (a) => `hash:${a}`, T0 + ms + 50);
  return [
    change('SM1', 'queued', 0, { tags: { campaign: 'spring' } }),
    change('SM1', 'sent', 1_000, { tags: { campaign: 'spring' } }),
    change('SM1', 'delivered', 3_500, { tags: { campaign: 'spring' } }),
    change('SM2', 'sent', 2_000, { messagingServiceSid: 'MG' + '1'.repeat(32) }),
    change('SM2', 'undelivered', 9_000, { errorCode: 30003, messagingServiceSid: 'MG' + '1'.repeat(32) }),
    change('SM3', 'queued', 86_400_000),
    change('SM4', 'sent', 5_000),
    change('SM4', 'delivered', 12_000),
    change('SM5', 'failed', 7_000, { errorCode: 30007 }),
  ];
}

/** Which named query an Athena text is (the renders differ), run on DuckDB, given back as Athena would. */
async function answerLikeAthena(sql: string): Promise<AthenaAnswer> {
  const source = `"${HISTORY.HistoryDatabaseName}"."${HISTORY.HistoryTableName}"`;
  const query = NAMED_HISTORY_QUERIES.find(
    ({ name }) => historyQuerySql(name, 'athena', source, WINDOW) === sql,
  );
  if (!query) throw new Error('not one of the named queries for this window');
  if (failing.has(query.name)) throw new Error('Query exhausted resources at this scale factor');
  const reader = await connection.runAndReadAll(historyQuerySql(query.name, 'duckdb', 'history', WINDOW));
  const columns = reader.columnNames().map((name, i) => ({
    name,
    type: athenaType(reader.columnTypes()[i]!.toString()),
  }));
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return { columns, rows: reader.getRowsJS().map((row) => row.map(text)) };
}

function athenaType(duckdbType: string): string {
  if (/^(BIGINT|HUGEINT|UBIGINT)$/.test(duckdbType)) return 'bigint';
  if (/^(INTEGER|SMALLINT|TINYINT)$/.test(duckdbType)) return 'integer';
  if (/^(DOUBLE|FLOAT)$/.test(duckdbType)) return 'double';
  if (duckdbType.startsWith('DECIMAL')) return 'decimal';
  if (duckdbType === 'BOOLEAN') return 'boolean';
  return 'varchar';
}

async function duckdbReport() {
  const queries: Record<string, Awaited<ReturnType<typeof runNamedQuery>>> = {};
  for (const { name } of NAMED_HISTORY_QUERIES)
    queries[name] = await runNamedQuery(connection, name, 'history', WINDOW);
  return historyReportOf(WINDOW, queries);
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(historyTableSql('history'));
  await appendHistoryRows(connection, 'history', rows());
  athena = await startAthena(CREDENTIALS, answerLikeAthena);
  cloudFormation = await startCloudFormation(CREDENTIALS, {
    'Tracker-history': {
      QueryUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/messages/{messageSid}',
      ...HISTORY,
    },
    'Tracker-plain': { QueryUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/messages/{messageSid}' },
  });
  aws = awsSandbox({ 'tracker-test': CREDENTIALS });
});

afterAll(async () => {
  await Promise.all([athena?.close(), cloudFormation?.close()]);
  aws?.remove();
  connection?.closeSync();
  instance?.closeSync();
});

const env = () =>
  aws.env({ AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url, AWS_ENDPOINT_URL_ATHENA: athena.url });
const window = ['--since', WINDOW.since, '--until', WINDOW.until];

it('npm run report -- --stack: the named queries on Athena give the report DuckDB gives', async () => {
  athena.started.length = 0;
  const result = await runToEnd(
    'local/report.ts',
    ['--stack', 'Tracker-history', '--profile', 'tracker-test', '--json', ...window],
    env(),
  );
  expect(result.code).toBe(0);
  const report = JSON.parse(result.stdout);
  expect(report).toEqual(await duckdbReport());
  expect(report).toMatchObject({ messages: 5, errorCodes: { '30003': 1, '30007': 1 } });
  expect(report.deliveryLatencyMs).toMatchObject({ messages: 2 });
  // Every named query once, in the stack's workgroup and database.
  expect(athena.started).toHaveLength(NAMED_HISTORY_QUERIES.length);
  for (const query of athena.started)
    expect(query).toMatchObject({ workGroup: 'tracker-history', database: 'tracker_db' });
});

it('says so when the stack keeps no history, or a query fails, without a stack trace', async () => {
  const plain = await runToEnd(
    'local/report.ts',
    ['--stack', 'Tracker-plain', '--profile', 'tracker-test'],
    env(),
  );
  expect(plain.code).toBe(1);
  expect(plain.output).toContain('stack Tracker-plain keeps no history');
  failing.add('delivery-latency');
  try {
    const failed = await runToEnd(
      'local/report.ts',
      ['--stack', 'Tracker-history', '--profile', 'tracker-test', ...window],
      env(),
    );
    expect(failed.code).toBe(1);
    expect(failed.output).toContain(
      'the delivery-latency query failed: Query exhausted resources at this scale factor',
    );
    expect(failed.output).not.toMatch(/\n\s+at /);
  } finally {
    failing.clear();
  }
  const mixed = await runToEnd('local/report.ts', ['--stack', 'Tracker-history', '--dir', '/tmp'], env());
  expect(mixed.code).toBe(2);
});

it("the console's charts against a stack: GET /history/report through the proxy, by Athena", async () => {
  const proxy = run(
    'local/cli.ts',
    ['console', '--stack', 'Tracker-history', '--profile', 'tracker-test'],
    env(),
  );
  try {
    const printed = /http:\/\/127\.0\.0\.1:\d+\/#token=\S+/;
    await eventually(
      async () => proxy.stdout(),
      (out) => expect(out).toMatch(printed),
      30_000,
    );
    const url = new URL(printed.exec(proxy.stdout())![0]);
    const token = url.hash.slice('#token='.length);
    const query = `since=${encodeURIComponent(WINDOW.since)}&until=${encodeURIComponent(WINDOW.until)}`;
    const refused = await fetch(`${url.origin}/history/report?${query}`);
    expect(refused.status).toBe(403);
    const answer = await fetch(`${url.origin}/history/report?${query}`, {
      headers: { 'x-console-token': token },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(await duckdbReport());
    const bad = await fetch(`${url.origin}/history/report?since=yesterday`, {
      headers: { 'x-console-token': token },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/since/);
  } finally {
    proxy.child.kill('SIGTERM');
    await exited(proxy.child);
  }
});
