/**
 * `npm run bench` (tsx bench/run.ts): the measured qualities the README reports, each against a baseline
 * measured in the same run. Figures, not pass/fail timings: nothing here fails on a number.
 *
 *   cold      the deployed Lambda bundles (dist/bundles), imported in fresh processes, vs bare node, a
 *             DynamoDB-only floor and a naive bundle
 *   cost      DynamoDB requests per callback, counted at the wire, vs a naive read-then-write store
 *   throughput callbacks/s through the local server vs DynamoDB Local's raw UpdateItem rate, both on the
 *             full table (stream + every index), and the same UpdateItem on the table without indexes
 *   events    write -> status-change event on GET /events (p50/p99) under load, and events per message,
 *             vs a bare reader of the same DynamoDB Local stream
 *
 * Environment: BENCH_ONLY=cold,cost,throughput,events (default all), BENCH_COLD_RUNS (15), BENCH_COST_MESSAGES
 * (2000), BENCH_THROUGHPUT_REQUESTS (2000), BENCH_THROUGHPUT_DOC=1 (add the document-client leg), BENCH_EVENTS_MESSAGES (1000), BENCH_CONCURRENCY (32), BENCH_SEED (20261123),
 * DYNAMODB_ENDPOINT (use a running DynamoDB Local instead of starting one). Ends with one Markdown table
 * per benchmark, also written to bench/results.md (a partial run, BENCH_ONLY, writes
 * bench/results.<names>.md instead), formatted with the repository's Prettier settings so
 * `prettier --check .` stays clean.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { runColdStartBenchmark } from './cold-start';
import { runDynamoDbCostBenchmark } from './dynamodb-cost';
import { runThroughputBenchmark } from './throughput';
import { runEventsBenchmark } from './events';
import { startBenchDynamoDb, type BenchDynamoDb } from './support/dynamodb';
import type { BenchmarkReport } from './support/stats';

const BENCHMARKS = ['cold', 'cost', 'throughput', 'events'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const only = (process.env.BENCH_ONLY ?? BENCHMARKS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of only) {
    if (!(BENCHMARKS as readonly string[]).includes(name)) {
      throw new Error(`BENCH_ONLY: unknown benchmark "${name}" (known: ${BENCHMARKS.join(', ')})`);
    }
  }
  const selected = new Set(only as BenchmarkName[]);
  const seed = intEnv('BENCH_SEED', 20261123);
  const concurrency = intEnv('BENCH_CONCURRENCY', 32);
  const started = Date.now();
  const reports: BenchmarkReport[] = [];

  const print = (report: BenchmarkReport) => {
    console.log(`\n## ${report.title}\n\n${report.table}\n`);
    for (const note of report.notes) console.log(`- ${note}`);
    console.log('');
  };

  if (selected.has('cold')) {
    const report = await runColdStartBenchmark({ runs: intEnv('BENCH_COLD_RUNS', 15) });
    print(report);
    reports.push(report);
  }

  // The benchmarks that run on DynamoDB Local, in order; one DynamoDB Local serves them all.
  const onDynamo: Array<[BenchmarkName, (dynamo: BenchDynamoDb) => Promise<BenchmarkReport>]> = [
    [
      'cost',
      (dynamo) => runDynamoDbCostBenchmark({ dynamo, messages: intEnv('BENCH_COST_MESSAGES', 2000), seed }),
    ],
    [
      'throughput',
      (dynamo) =>
        runThroughputBenchmark({
          dynamo,
          requests: intEnv('BENCH_THROUGHPUT_REQUESTS', 2000),
          withDocumentClient: process.env.BENCH_THROUGHPUT_DOC === '1',
          concurrency,
          seed,
        }),
    ],
    [
      'events',
      (dynamo) =>
        runEventsBenchmark({ dynamo, messages: intEnv('BENCH_EVENTS_MESSAGES', 1000), concurrency, seed }),
    ],
  ];
  const wanted = onDynamo.filter(([name]) => selected.has(name));
  let dynamo: BenchDynamoDb | undefined;
  try {
    if (wanted.length > 0) {
      console.log('starting DynamoDB Local ...');
      dynamo = await startBenchDynamoDb();
      console.log(`DynamoDB at ${dynamo.endpoint}`);
    }
    for (const [, run] of wanted) {
      const report = await run(dynamo!);
      print(report);
      reports.push(report);
    }
  } finally {
    await dynamo?.stop();
  }

  const header = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString()} with \`npm run bench\` on Node.js ${process.version}, ` +
      `${process.platform}/${process.arch}, ${cpus().length} CPUs. ` +
      'Every ratio compares against a baseline measured in the same run.',
  ].join('\n');
  const body = reports
    .map((r) => [`## ${r.title}`, '', r.table, '', ...r.notes.map((n) => `- ${n}`)].join('\n'))
    .join('\n\n');
  // Formatted the way the repository formats Markdown, so `prettier --check .` stays clean.
  const formatted = await formatMarkdown(`${header}\n\n${body}\n`);
  // A partial run (BENCH_ONLY) writes its own file, so it never overwrites the full results.
  const file =
    selected.size === BENCHMARKS.length ? 'results.md' : `results.${[...selected].sort().join('-')}.md`;
  writeFileSync(path.join(__dirname, file), formatted);

  console.log('\n==================== Markdown (paste into the README) ====================\n');
  console.log(formatted.slice(formatted.indexOf('## ')));
  console.log(`\nwritten to bench/${file}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function formatMarkdown(markdown: string): Promise<string> {
  const file = path.join(__dirname, 'results.md');
  const config = (await resolveConfig(file)) ?? {};
  return format(markdown, { ...config, parser: 'markdown', filepath: file });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
