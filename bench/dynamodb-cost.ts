/**
 * DynamoDB cost: requests per callback on a realistic stream (10% out of order, 5% duplicates), counted
 * at the wire. The real callback handler (createStatusCallbackHandler + MessageStore) gets signed API
 * Gateway events; its DynamoDB client talks to DynamoDB Local through local/wire-proxy.ts, which counts
 * every operation by its X-Amz-Target. Baseline, same stream, same proxy, same handler: a naive store
 * that reads the item and writes it back (GetItem + PutItem per callback).
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { localDocumentClient } from '../local/dynamodb-local';
import { MessageStore } from '../lambda/adapters/secondary/message-store';
import { recordingThrough } from '../lambda/use-cases/record-observation';
import {
  createStatusCallbackHandler,
  type CallbackResult,
  type StatusCallbackDeps,
} from '../lambda/adapters/primary/status-callback-endpoint';
import { environmentCredentials } from '../lambda/adapters/secondary/twilio-credentials';
import { toMessageRecord } from '../lambda/domain/message';
import { startWireProxy, type WireProxy } from '../local/wire-proxy';
import { ReadThenWriteStore } from './naive/read-then-write-store';
import {
  buildRealisticStream,
  runLanes,
  signedCallbackEvent,
  type CallbackStream,
} from './support/callback-stream';
import type { BenchDynamoDb } from './support/dynamodb';
import { markdownTable, median, percentile, ratio, type BenchmarkReport } from './support/stats';
import { STORE_DEFAULTS } from '../lambda/domain/contract';

const TOKEN = 'bench-cost-token-0123456789abcdef';
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['UpdateItem', 'PutItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const TARGET_WRITES_PER_CALLBACK = 1.15;
/** Messages whose callbacks run at once (each message's own callbacks stay in order). */
const LANES = 8;

export interface DynamoDbCostOptions {
  dynamo: BenchDynamoDb;
  messages: number;
  seed: number;
}

const silentLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
} as unknown as StatusCallbackDeps['logger'];

interface RunResult {
  name: string;
  reads: number;
  writes: number;
  other: number;
  operations: Record<string, number>;
  outcomes: Record<string, number>;
  mismatches: number;
  seconds: number;
}

export async function runDynamoDbCostBenchmark(options: DynamoDbCostOptions): Promise<BenchmarkReport> {
  const stream = buildRealisticStream({ messages: options.messages, seed: options.seed });
  console.log(
    `dynamodb cost: ${options.messages} messages, ${stream.callbacks} callbacks ` +
      `(${stream.reordered} out of order, ${stream.duplicates} duplicates)`,
  );
  const proxy = await startWireProxy(options.dynamo.endpoint);
  // Both stores go through the proxy: this app's on its own client, the naive one on a document client.
  const client = createDynamoClient({ endpoint: proxy.endpoint });
  const naiveClient = localDocumentClient(proxy.endpoint);
  // Reads the results back without going through the proxy, so they are not counted.
  const direct = localDocumentClient(options.dynamo.endpoint);
  try {
    const ourTable = await options.dynamo.createTable('cost');
    const naiveTable = await options.dynamo.createTable('cost-naive');
    const ours = await runStream(
      'conditional write (this app)',
      stream,
      proxy,
      direct,
      ourTable,
      (onResult) =>
        createStatusCallbackHandler({
          store: recordingThrough(new MessageStore(client, ourTable), STORE_DEFAULTS),
          credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: TOKEN })!,
          logger: silentLogger,
          onResult,
        }),
    );
    const naive = await runStream('naive read-then-write', stream, proxy, direct, naiveTable, (onResult) =>
      createStatusCallbackHandler({
        store: new ReadThenWriteStore(naiveClient, naiveTable),
        credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: TOKEN })!,
        logger: silentLogger,
        onResult,
      }),
    );
    const sizes = await itemSizes(direct, ourTable);
    const logs = await measureLogVolume(options.dynamo, options.seed);

    const n = stream.callbacks;
    const per = (x: number) => (x / n).toFixed(3);
    const requests = (r: RunResult) => r.reads + r.writes + r.other;
    const rows = [ours, naive].map((r) => [
      r.name,
      String(n),
      per(r.reads),
      per(r.writes),
      per(requests(r)),
      Object.entries(r.operations)
        .sort()
        .map(([op, count]) => `${op} ${count}`)
        .join(', '),
      `${r.outcomes.advanced ?? 0} / ${r.outcomes.stale ?? 0} / ${r.outcomes.duplicate ?? 0}`,
      r.mismatches === 0 ? 'all correct' : `${r.mismatches} WRONG`,
    ]);
    rows.push([
      'ratio (this app / naive)',
      '',
      ratio(ours.reads / Math.max(1, naive.reads)),
      ratio(ours.writes / naive.writes),
      ratio(requests(ours) / requests(naive)),
      '',
      '',
      '',
    ]);
    const table = markdownTable(
      [
        'Store',
        'callbacks',
        'reads / callback',
        'writes / callback',
        'requests / callback',
        'operations at the wire',
        'advanced / stale / duplicate',
        'final status vs truth',
      ],
      rows,
    );

    const writesPerCallback = ours.writes / n;
    const readsPerCallback = ours.reads / n;
    const notes = [
      `Stream: ${options.messages} messages from the simulator's lifecycle plans (seed ${options.seed}), ${n} callbacks, ${stream.reordered} held past the next one (${((stream.reordered / n) * 100).toFixed(1)}%), ${stream.duplicates} duplicates (${((stream.duplicates / n) * 100).toFixed(1)}%); ${LANES} messages at a time, each message's callbacks in order.`,
      `Target: zero reads and <= ${TARGET_WRITES_PER_CALLBACK} writes per callback: reads ${readsPerCallback.toFixed(3)} (${ours.reads === 0 ? 'met' : 'MISSED'}), writes ${writesPerCallback.toFixed(3)} (${writesPerCallback <= TARGET_WRITES_PER_CALLBACK ? 'met' : 'MISSED'}).`,
      `A write that fails its condition (a duplicate's advance) still costs a write request unit; the second write of a stale callback is sent only when it teaches something new.`,
      `Item size (DynamoDB's sizing rules, ${sizes.count} final items of this app): median ${sizes.median} B, p99 ${sizes.p99} B, max ${sizes.max} B: every write is 1 WRU (<= 1 KB).`,
      `Log volume of the real Lambda handler (lambda/handlers/status-callback.ts, Powertools Logger + EMF metrics), ${logs.callbacks} callbacks: ${logs.logBytesPerCallback.toFixed(0)} B of log lines and ${logs.emfBytesPerCallback.toFixed(0)} B of EMF per callback (${logs.linesPerCallback.toFixed(2)} lines), measured outside Lambda: without the Lambda context fields and the START/END/REPORT lines.`,
      `Time: this app ${ours.seconds.toFixed(1)} s, naive ${naive.seconds.toFixed(1)} s (not a throughput figure: lanes of ${LANES}).`,
    ];
    return {
      title: 'DynamoDB cost: requests per callback, counted at the wire',
      table,
      notes,
      figures: {
        callbacks: n,
        messages: options.messages,
        readsPerCallback: Number(readsPerCallback.toFixed(4)),
        writesPerCallback: Number(writesPerCallback.toFixed(4)),
        naiveReadsPerCallback: Number((naive.reads / n).toFixed(4)),
        naiveWritesPerCallback: Number((naive.writes / n).toFixed(4)),
        callbacksPerMessage: Number((n / options.messages).toFixed(3)),
        itemSizeMedianBytes: sizes.median,
        itemSizeP99Bytes: sizes.p99,
        itemSizeMaxBytes: sizes.max,
        logBytesPerCallback: Math.round(logs.logBytesPerCallback),
        emfBytesPerCallback: Math.round(logs.emfBytesPerCallback),
        targetMet: ours.reads === 0 && writesPerCallback <= TARGET_WRITES_PER_CALLBACK,
      },
    };
  } finally {
    client.destroy();
    naiveClient.destroy();
    direct.destroy();
    await proxy.close();
  }
}

async function runStream(
  name: string,
  stream: CallbackStream,
  proxy: WireProxy,
  direct: DynamoDBDocumentClient,
  tableName: string,
  makeHandler: (onResult: (result: CallbackResult) => void) => ReturnType<typeof createStatusCallbackHandler>,
): Promise<RunResult> {
  const outcomes: Record<string, number> = {};
  const handler = makeHandler((result) => {
    const key = result.kind === 'applied' ? result.result.outcome : result.kind;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  });
  proxy.resetCounts();
  const started = Date.now();
  await runLanes(
    stream.lanes,
    LANES,
    async (callback) => {
      const response = await handler(signedCallbackEvent(callback.params, TOKEN));
      if (response.statusCode !== 200) {
        throw new Error(`${name}: callback answered ${response.statusCode}: ${String(response.body)}`);
      }
    },
    600_000,
  );
  const seconds = (Date.now() - started) / 1000;
  const operations = proxy.counts();
  let reads = 0;
  let writes = 0;
  let other = 0;
  for (const [op, count] of Object.entries(operations)) {
    if (READS.has(op)) reads += count;
    else if (WRITES.has(op)) writes += count;
    else other += count;
  }
  const items = await scanAll(direct, tableName);
  let mismatches = 0;
  for (const [sid, expected] of stream.truth) {
    const item = items.get(sid);
    if (!item || item.status !== expected.status || item.errorCode !== expected.errorCode) mismatches++;
  }
  console.log(
    `dynamodb cost: ${name}: ${JSON.stringify(operations)} in ${seconds.toFixed(1)} s, ${mismatches} mismatches`,
  );
  return { name, reads, writes, other, operations, outcomes, mismatches, seconds };
}

/**
 * Bytes the real callback Lambda writes to stdout (CloudWatch Logs) per callback: its module is
 * imported with the environment it reads (TABLE_NAME, TWILIO_AUTH_TOKEN, DYNAMODB_ENDPOINT), a sample
 * of the stream goes through it, and stdout is counted (and swallowed) meanwhile.
 */
async function measureLogVolume(
  dynamo: BenchDynamoDb,
  seed: number,
): Promise<{
  callbacks: number;
  logBytesPerCallback: number;
  emfBytesPerCallback: number;
  linesPerCallback: number;
}> {
  const table = await dynamo.createTable('cost-logs');
  const saved = { ...process.env };
  Object.assign(process.env, {
    TABLE_NAME: table,
    RETENTION_DAYS: String(STORE_DEFAULTS.retentionDays),
    PENDING_SHARDS: String(STORE_DEFAULTS.pendingShards),
    TWILIO_AUTH_TOKEN: TOKEN,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: 'local',
  });
  delete process.env.PUBLIC_BASE_URL;
  delete process.env.TWILIO_SECRET_ID;
  let handler: (event: ReturnType<typeof signedCallbackEvent>) => Promise<unknown>;
  try {
    ({ handler } = await import('../lambda/handlers/status-callback'));
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  const sample = buildRealisticStream({ messages: 100, seed: seed + 7 });
  let logBytes = 0;
  let emfBytes = 0;
  let lines = 0;
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      lines++;
      if (line.includes('"_aws"')) emfBytes += Buffer.byteLength(line) + 1;
      else logBytes += Buffer.byteLength(line) + 1;
    }
    return true;
  }) as typeof process.stdout.write;
  try {
    for (const lane of sample.lanes) {
      for (const callback of lane) {
        const response = (await handler(signedCallbackEvent(callback.params, TOKEN))) as {
          statusCode: number;
        };
        if (response.statusCode !== 200)
          throw new Error(`log sample: callback answered ${response.statusCode}`);
      }
    }
  } finally {
    process.stdout.write = write;
  }
  const n = sample.callbacks;
  return {
    callbacks: n,
    logBytesPerCallback: logBytes / n,
    emfBytesPerCallback: emfBytes / n,
    linesPerCallback: lines / n,
  };
}

async function scanAll(
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<Map<string, Record<string, unknown>>> {
  const items = new Map<string, Record<string, unknown>>();
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    for (const item of result.Items ?? []) items.set(String(item.messageSid), item);
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  return items;
}

/** Item sizes by DynamoDB's documented rules (names + values; numbers by significant digits). */
async function itemSizes(
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<{ count: number; median: number; p99: number; max: number }> {
  const items = await scanAll(client, tableName);
  const sizes = [...items.values()].map(itemSize);
  // The query API's view must round-trip every stored attribute (sanity check on the scan).
  for (const item of items.values()) toMessageRecord(item);
  return {
    count: sizes.length,
    median: Math.round(median(sizes)),
    p99: percentile(sizes, 99),
    max: Math.max(...sizes),
  };
}

export function itemSize(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueSize(value);
  return bytes;
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return (
      3 + Object.entries(value).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueSize(v), 0)
    );
  }
  return 0;
}
