/**
 * Throughput: signed status callbacks per second through the local HTTP server (the real Lambda handler
 * behind local/server.ts, `startLocalPipeline` with no sender) into DynamoDB Local, against DynamoDB
 * Local's own rate for the same conditional UpdateItem (the plan `planAdvance` builds), sent through the
 * handler's own MessageStore and DynamoDB client at the same concurrency, in the same run.
 *
 * The callbacks come from a separate, long-lived process (bench/support/http-load.ts, prepared requests
 * on keep-alive connections), as Twilio's would; the raw UpdateItems from this process. Both are warmed up, then run for a fixed number of
 * requests in alternating rounds, each bounded in time. Bodies and signatures are computed beforehand.
 *
 * Every table has the stack's full definition (the stream, the pending index and the four list indexes),
 * so the ratio compares like with like; a third table of the same definition without its indexes, written
 * the same way in the same rounds, shows what DynamoDB Local's index upkeep costs. Sized to finish in
 * under 5 minutes on a 2-core machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MessageStore } from '../lambda/adapters/secondary/message-store';
import { STORE_DEFAULTS } from '../lambda/domain/contract';
import { planAdvance } from '../lambda/domain/apply-observation';
import type { UpdatePlan } from '../lambda/domain/update-expression';
import { parseStatusCallback } from '../lambda/domain/callback';
import { localDocumentClient } from '../local/dynamodb-local';
import { startLocalPipeline } from '../local/pipeline';
import { buildRealisticStream, signParams, type StreamCallback } from './support/callback-stream';
import type { BenchDynamoDb } from './support/dynamodb';
import type { LoadPlan, LoadResult } from './support/http-load';
import {
  markdownTable,
  median,
  ms,
  percentile,
  perSecond,
  ratio,
  withTimeout,
  type BenchmarkReport,
} from './support/stats';

const TOKEN = 'bench-throughput-token-0123456789';
const TARGET_RATIO = 0.7;
/** One timed run never takes longer than this (a slow machine then measures fewer requests). */
const RUN_LIMIT_MS = 60_000;

export interface ThroughputOptions {
  dynamo: BenchDynamoDb;
  /** Requests per timed run (each side). Default 2000. */
  requests: number;
  concurrency: number;
  seed: number;
  /** Timed rounds (bare, raw, then server), after one warm-up of each. Default 5. */
  rounds?: number;
  /**
   * Requests per warm-up. Default 2000: DynamoDB Local's JIT keeps getting faster for a few thousand
   * requests; with every index on the table a longer warm-up no longer fits the time budget.
   */
  warmup?: number;
  /** Rounds start only while this lasts (ms after the warm-up). Default 150 s: the whole run stays under 5 minutes. */
  budgetMs?: number;
  /** Also measure the same UpdateItem through lib-dynamodb's document client (BENCH_THROUGHPUT_DOC=1). */
  withDocumentClient?: boolean;
}

interface RunFigures {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU of this process (the server, or the raw SDK client) in cores during the run. */
  processCores: number;
  /** The same CPU per request, in microseconds. */
  cpuPerRequestUs: number;
  /** CPU of the load generator process, in cores (server runs only). */
  loadCores?: number;
  /** Share of the whole machine's CPU time that was busy during the run (0..1). */
  machineBusy: number;
}

/** Measures this process's and the machine's CPU use around `run`. */
async function withCpu<T>(
  run: () => Promise<T>,
): Promise<{ value: T; processCores: number; machineBusy: number }> {
  const machine = () =>
    cpus().reduce(
      (acc, c) => {
        const busy = c.times.user + c.times.nice + c.times.sys + c.times.irq;
        return { busy: acc.busy + busy, total: acc.total + busy + c.times.idle };
      },
      { busy: 0, total: 0 },
    );
  const m0 = machine();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await run();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const m1 = machine();
  return {
    value,
    processCores: (c.user + c.system) / 1000 / wallMs,
    machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
  };
}

/** Callbacks of whole messages until `count` (the last message may be cut short), as lanes. */
function callbackLanes(seed: number, count: number): StreamCallback[][] {
  const stream = buildRealisticStream({ messages: Math.ceil(count / 3) + 10, seed });
  const lanes: StreamCallback[][] = [];
  let taken = 0;
  for (const lane of stream.lanes) {
    if (taken >= count) break;
    const part = lane.slice(0, count - taken);
    lanes.push(part);
    taken += part.length;
  }
  return lanes;
}

export async function runThroughputBenchmark(options: ThroughputOptions): Promise<BenchmarkReport> {
  const benchStarted = Date.now();
  const rounds = options.rounds ?? 5;
  const warmup = options.warmup ?? 2000;
  const budgetMs = options.budgetMs ?? 150_000;
  const withDoc = options.withDocumentClient ?? false;
  const work = mkdtempSync(path.join(tmpdir(), 'bench-throughput-'));
  const serverTable = await options.dynamo.createTable('throughput-server');
  const rawTable = await options.dynamo.createTable('throughput-raw');
  const pipeline = await startLocalPipeline({
    port: 0,
    authToken: TOKEN,
    dynamodbEndpoint: options.dynamo.endpoint,
    tableName: serverTable,
    twilio: false,
    logLevel: 'ERROR',
    // The callback path alone, as the raw side is a write alone: events have their own benchmark.
    events: false,
  });
  // The raw side sends the handler's own first write (planAdvance) through the handler's own store and
  // client: the same UpdateItem, marshalling and client configuration, without HTTP or the handler.
  const rawClient = createDynamoClient({ endpoint: options.dynamo.endpoint });
  const rawStore = new MessageStore(rawClient, rawTable);
  // The same write on the same definition without its global secondary indexes: the upkeep baseline.
  const bareTable = await options.dynamo.createTableWithoutIndexes('throughput-bare');
  const bareStore = new MessageStore(rawClient, bareTable);
  const bareWrite = (plan: UpdatePlan) => bareStore.write(plan);
  // For comparison only: the same UpdateItem through the SDK's document client with its defaults (what
  // the store used before), to show what the store's client saves per request.
  const docTable = await options.dynamo.createTable('throughput-doc');
  const docClient = localDocumentClient(options.dynamo.endpoint);
  const docWrite = (p: UpdatePlan) =>
    docClient
      .send(
        new UpdateCommand({
          TableName: docTable,
          Key: { messageSid: p.messageSid },
          UpdateExpression: p.updateExpression,
          ConditionExpression: p.conditionExpression,
          ExpressionAttributeNames: p.names,
          ExpressionAttributeValues: p.values,
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .catch((error: { name?: string }) => {
        if (error.name !== 'ConditionalCheckFailedException') throw error;
      });
  const load = startLoadGenerator();
  try {
    const signedUrl = `${pipeline.url}/message-status`;
    const serverRun = async (seed: number, count: number): Promise<RunFigures> => {
      const lanes = callbackLanes(seed, count).map((lane) =>
        lane.map((c) => ({
          body: new URLSearchParams(c.params).toString(),
          signature: signParams(TOKEN, signedUrl, c.params),
        })),
      );
      const plan: LoadPlan = {
        url: pipeline.url,
        concurrency: options.concurrency,
        limitMs: RUN_LIMIT_MS,
        lanes,
      };
      const file = path.join(work, `plan-${seed}.json`);
      writeFileSync(file, JSON.stringify(plan));
      const measured = await withCpu(() => withTimeout(load.run(file), RUN_LIMIT_MS + 30_000, 'HTTP load'));
      const result = measured.value;
      const ok = result.statuses['200'] ?? 0;
      return {
        requests: result.requests,
        seconds: result.elapsedMs / 1000,
        perSecond: ok / (result.elapsedMs / 1000),
        p50: result.latencyMs.p50,
        p99: result.latencyMs.p99,
        non2xx: result.requests - ok,
        processCores: measured.processCores,
        cpuPerRequestUs: (measured.processCores * result.elapsedMs * 1000) / Math.max(1, result.requests),
        loadCores: result.cpuCores,
        machineBusy: measured.machineBusy,
      };
    };

    const rawRun = async (
      seed: number,
      count: number,
      write: (plan: UpdatePlan) => Promise<unknown> = (plan) => rawStore.write(plan),
    ): Promise<RunFigures> => {
      const lanes = callbackLanes(seed, count).map((lane) =>
        lane.map((c) => {
          const parsed = parseStatusCallback(
            Object.fromEntries(c.params.map(([k, v]) => [k, [v]])),
            new Date(),
          );
          if (parsed.kind !== 'status') throw new Error('stream callback did not parse');
          return planAdvance(parsed.observation, STORE_DEFAULTS);
        }),
      );
      const latencies: number[] = [];
      let failures = 0;
      let next = 0;
      const deadline = Date.now() + RUN_LIMIT_MS;
      const started = performance.now();
      const worker = async () => {
        while (next < lanes.length && Date.now() < deadline) {
          for (const p of lanes[next++]!) {
            const t0 = performance.now();
            try {
              // A stale or duplicate update fails its condition: still a full round trip.
              await write(p);
            } catch {
              failures++;
            }
            latencies.push(performance.now() - t0);
          }
        }
      };
      const measured = await withCpu(() =>
        withTimeout(
          Promise.all(Array.from({ length: options.concurrency }, worker)),
          RUN_LIMIT_MS + 30_000,
          'raw UpdateItem run',
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      return {
        requests: latencies.length,
        seconds,
        perSecond: (latencies.length - failures) / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        non2xx: failures,
        processCores: measured.processCores,
        cpuPerRequestUs: (measured.processCores * seconds * 1_000_000) / Math.max(1, latencies.length),
        machineBusy: measured.machineBusy,
      };
    };

    console.log(`throughput: warm-up (${warmup} requests each) ...`);
    await rawRun(options.seed + 1000, warmup, bareWrite);
    await rawRun(options.seed + 1000, warmup);
    if (withDoc) await rawRun(options.seed + 1000, warmup / 2, docWrite);
    await serverRun(options.seed + 1000, warmup);

    const raw: RunFigures[] = [];
    const bare: RunFigures[] = [];
    const doc: RunFigures[] = [];
    const server: RunFigures[] = [];
    // Rounds alternate bare, raw, server, so load from elsewhere on the machine falls on all three; a
    // round starts only while the time budget lasts (at least two rounds always run).
    const budgetEnds = Date.now() + budgetMs;
    for (let round = 0; round < rounds && (round < 2 || Date.now() < budgetEnds); round++) {
      const seed = options.seed + round;
      if (withDoc) doc.push(await rawRun(seed, options.requests, docWrite));
      bare.push(await rawRun(seed, options.requests, bareWrite));
      raw.push(await rawRun(seed, options.requests));
      server.push(await serverRun(seed, options.requests));
      console.log(
        `throughput: round ${round + 1} bare UpdateItem ${perSecond(bare[round]!.perSecond)}, ` +
          `raw UpdateItem ${perSecond(raw[round]!.perSecond)}, local server ${perSecond(server[round]!.perSecond)}`,
      );
    }

    const rawRate = median(raw.map((r) => r.perSecond));
    const serverRate = median(server.map((r) => r.perSecond));
    // Each round's server run follows its raw run: the paired ratios cancel slow drifts of the machine.
    const roundRatios = server.map((s, i) => s.perSecond / raw[i]!.perSecond);
    const throughputRatio = median(roundRatios);
    const bareRate = median(bare.map((r) => r.perSecond));
    const upkeepRatios = raw.map((r, i) => r.perSecond / bare[i]!.perSecond);
    const upkeepRatio = median(upkeepRatios);
    const row = (name: string, runs: RunFigures[]) => [
      name,
      runs.map((r) => perSecond(r.perSecond)).join(', '),
      perSecond(median(runs.map((r) => r.perSecond))),
      ms(median(runs.map((r) => r.p50))),
      ms(median(runs.map((r) => r.p99))),
      String(runs.reduce((s, r) => s + r.non2xx, 0)),
      ratio(median(runs.map((r) => r.processCores))),
      `${median(runs.map((r) => r.cpuPerRequestUs)).toFixed(0)} µs`,
      runs[0]?.loadCores === undefined ? '' : ratio(median(runs.map((r) => r.loadCores ?? 0))),
      `${(median(runs.map((r) => r.machineBusy)) * 100).toFixed(0)}%`,
    ];
    const table = markdownTable(
      [
        'Path',
        'rate per round',
        'median rate',
        'latency p50',
        'latency p99',
        'errors',
        'CPU (cores) of the server / SDK client',
        'its CPU per request',
        'CPU of the load generator',
        `machine busy (${cpus().length} CPUs)`,
      ],
      [
        row(
          "DynamoDB Local, raw conditional UpdateItem (the handler's store and client), full table: stream + every index",
          raw,
        ),
        row(
          'signed callbacks through the local server (HTTP -> handler -> DynamoDB Local), same full table',
          server,
        ),
        row('the same raw UpdateItem on the same table without its indexes (stream kept)', bare),
        ...(withDoc
          ? [
              row(
                'for comparison: the same UpdateItem through the document client (lib-dynamodb defaults)',
                doc,
              ),
            ]
          : []),
        [
          'index upkeep: raw full table / raw without indexes, per round and median',
          upkeepRatios.map((r) => ratio(r)).join(', '),
          ratio(upkeepRatio),
          '',
          '',
          '',
          '',
          '',
          '',
          '',
        ],
        [
          'ratio (server / raw), per round and median',
          roundRatios.map((r) => ratio(r)).join(', '),
          ratio(throughputRatio),
          '',
          '',
          '',
          '',
          '',
          '',
          '',
        ],
      ],
    );
    const c = pipeline.counts;
    const storeUs = median(raw.map((r) => r.cpuPerRequestUs));
    const docUs = withDoc ? median(doc.map((r) => r.cpuPerRequestUs)) : NaN;
    const bareUs = median(bare.map((r) => r.cpuPerRequestUs));
    const notes = [
      `${options.requests} requests per run at concurrency ${options.concurrency}, ${server.length} alternating rounds (raw without indexes, raw on the full table, then server on its own full table) after a ${warmup}-request warm-up of each; the ratio is the median of the rounds' paired ratios (ratio of the median rates: ${ratio(serverRate / rawRate)}). The callbacks are a realistic stream (10% out of order, 5% duplicates), so the server also sends the second write of a stale callback.`,
      `Target: server / raw >= ${TARGET_RATIO}: ${ratio(throughputRatio, 3)} (${throughputRatio >= TARGET_RATIO ? 'met' : 'MISSED'}).`,
      `Callbacks answered by the server over the whole benchmark: advanced ${c.advanced}, stale ${c.stale}, duplicate ${c.duplicate}, rejected ${c.rejected}, unavailable ${c.unavailable}.`,
      `One machine runs DynamoDB Local (Java), the server and the load generator: the ratio, not the absolute rate, is the figure to compare.`,
      `Index upkeep on DynamoDB Local (SQLite on the same cores): the full table (stream, the pending index and the four list indexes) takes ${perSecond(rawRate)} raw UpdateItems against ${perSecond(bareRate)} without its indexes, ${ratio(upkeepRatio)} of the rate (median of the rounds' pairs); DynamoDB Local's own CPU is what the indexes add, the client's CPU per request is the same (${bareUs.toFixed(0)} µs without indexes). On AWS index writes are asynchronous and do not slow the table's write.`,
      `Time: ${((Date.now() - benchStarted) / 1000).toFixed(0)} s for the whole benchmark (budget ${Math.round(budgetMs / 1000)} s for the rounds).`,
      ...(withDoc
        ? [
            `SDK client CPU per UpdateItem: the store's client (plain DynamoDBClient, cacheMiddleware, own marshalling) ${storeUs.toFixed(0)} µs vs the document client with its defaults ${docUs.toFixed(0)} µs: ${ratio(storeUs / docUs)} of it. On Lambda that is billed duration on every callback; the document client rebuilds the SDK's middleware stack on every call and cannot cache it.`,
          ]
        : []),
    ];
    return {
      title: 'Throughput: callbacks per second through the local server',
      table,
      notes,
      figures: {
        concurrency: options.concurrency,
        requests: options.requests,
        rawUpdatesPerSecond: Math.round(rawRate),
        rawUpdatesWithoutIndexesPerSecond: Math.round(bareRate),
        indexUpkeepRatio: Number(upkeepRatio.toFixed(3)),
        serverCallbacksPerSecond: Math.round(serverRate),
        ratio: Number(throughputRatio.toFixed(3)),
        storeClientCpuPerUpdateUs: Math.round(storeUs),
        ...(withDoc ? { documentClientCpuPerUpdateUs: Math.round(docUs) } : {}),
        targetMet: throughputRatio >= TARGET_RATIO,
      },
    };
  } finally {
    rawClient.destroy();
    docClient.destroy();
    load.stop();
    await pipeline.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** bench/support/http-load.ts in one child process for the whole benchmark; only that child is ever killed. */
function startLoadGenerator(): { run(planFile: string): Promise<LoadResult>; stop(): void } {
  const script = path.join(__dirname, 'support', 'http-load.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let pending: { resolve(result: LoadResult): void; reject(error: Error): void } | undefined;
  const fail = (why: string) => {
    pending?.reject(new Error(`load generator ${why}: ${stderr}`));
    pending = undefined;
  };
  child.on('error', (error) => fail(error.message));
  child.on('exit', (code) => fail(`exited (${code})`));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    pending?.resolve(JSON.parse(line) as LoadResult);
    pending = undefined;
  });
  return {
    run: (planFile) =>
      new Promise<LoadResult>((resolve, reject) => {
        if (pending) throw new Error('one load run at a time');
        pending = { resolve, reject };
        child.stdin.write(`${planFile}\n`);
      }),
    stop: () => {
      child.stdin.end();
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    },
  };
}
