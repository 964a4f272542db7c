/**
 * Cold start: the Lambda bundles exactly as they are deployed, imported in fresh Node.js processes.
 *
 * 1. scripts/bundle.ts builds every handler into dist/bundles/<name>/index.mjs, as `npm run bundle`
 *    does. TrackerFunction deploys those directories unchanged (lambda.Code.fromAsset), so these files
 *    are the deployed code; no synth is needed to find them.
 * 2. Three bundles are built here for comparison: the floor (only DynamoDBClient + UpdateItemCommand,
 *    bench/floor/dynamodb-update-only.ts, with the deployed bundles' own settings from scripts/bundle.ts:
 *    the least a callback could import), the naive baseline (the same callback handler, but validating
 *    through `import twilio from 'twilio'`, bundled the plain way: CommonJS, no minify, esbuild's default
 *    main fields) and, to tell the import from the bundling settings apart, the real handler bundled the
 *    same plain way.
 * 3. Every bundle is imported N times in a fresh `node` (rounds interleaved, so all share the machine's
 *    noise) with a Lambda-like environment holding every variable a handler reads at module scope, so
 *    module init runs and nothing touches the network. Import overhead = median(bundle) - median(bare
 *    `node -e ""`).
 * 4. Sizes: bytes a cold start reads (index.mjs and the chunks it imports statically, not those behind
 *    an `import()`); for the API-route bundles, which packages those bytes come from,
 *    read from the bundle's own source map (bench/support/source-map.ts), so the analysis is of what is
 *    deployed. Twilio content of every bundle: the twilio files among the source map's `sources`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { TRACKER_BASE_ENVIRONMENT } from '../lib/constructs/tracker-function';
import {
  bundleHandlers,
  bundleModules,
  coldStartBytes,
  coldStartFiles,
  lambdaBuildOptions,
} from '../scripts/bundle';
import { bytesByPackage } from './support/source-map';
import { kb, markdownTable, median, ms, percentile, ratio, type BenchmarkReport } from './support/stats';
import { LIST_INDEX_NAMES } from '../lambda/domain/contract';

const ROOT = path.resolve(__dirname, '..');
/** The budget for the bundles behind API routes (callback, query): 400 KiB. */
const API_ROUTE_LIMIT_BYTES = 400 * 1024;
const TARGET_OVERHEAD_RATIO = 0.4;
const API_ROUTE_FUNCTIONS = new Set(['StatusCallback', 'Query']);

export interface ColdStartOptions {
  /** Timed imports per bundle (after one discarded warm-up round). Default 15. */
  runs?: number;
  log?: (line: string) => void;
}

interface Variant {
  name: string;
  /** What the row is: the baseline, a deployed bundle, the floor, the naive bundle or a comparison. */
  kind: 'bare' | 'stack' | 'floor' | 'naive' | 'comparison';
  file?: string;
  env: Record<string, string>;
  bytes?: number;
  mapBytes?: number;
  twilio?: TwilioContent;
  times: number[];
}

interface TwilioContent {
  files: number;
  /** twilio/lib/rest/* modules outside api/v2010 Message and messaging/v1 Service. */
  otherRestModules: number;
  otherRestDomains: string[];
  wholePackage: boolean;
}

export async function runColdStartBenchmark(options: ColdStartOptions = {}): Promise<BenchmarkReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const runs = options.runs ?? 15;
  const work = mkdtempSync(path.join(tmpdir(), 'bench-cold-start-'));
  try {
    log('cold start: npm run bundle (scripts/bundle.ts) ...');
    const bundleStarted = performance.now();
    const functions = deployedBundles(await bundleHandlers());
    log(`cold start: bundling took ${((performance.now() - bundleStarted) / 1000).toFixed(1)} s`);

    const callback = functions.find((f) => f.name === 'StatusCallback');
    if (!callback) throw new Error('no status-callback bundle');

    log('cold start: building the floor with the same settings ...');
    const floor = await buildFloor(path.join(work, 'floor', 'index.mjs'));
    log('cold start: building the naive and plain-bundled callback handlers with esbuild ...');
    const naive = await buildPlainCallback(path.join(work, 'naive', 'index.js'), true);
    const plain = await buildPlainCallback(path.join(work, 'plain', 'index.js'), false);

    const bare: Variant = { name: 'bare `node -e ""`', kind: 'bare', env: baseEnv(), times: [] };
    const variants: Variant[] = [
      bare,
      ...functions,
      {
        name: 'floor: DynamoDBClient + UpdateItemCommand only (same settings)',
        kind: 'floor',
        file: floor.file,
        env: callback.env,
        bytes: floor.bytes,
        times: [],
      },
      {
        name: 'naive callback (whole `twilio`, CJS, no minify)',
        kind: 'naive',
        file: naive.file,
        env: callback.env,
        bytes: naive.bytes,
        twilio: naive.twilio,
        times: [],
      },
      {
        name: 'callback, narrow import, plain bundling (CJS, no minify)',
        kind: 'comparison',
        file: plain.file,
        env: callback.env,
        bytes: plain.bytes,
        twilio: plain.twilio,
        times: [],
      },
      {
        name: 'StatusCallback with --enable-source-maps (not deployed)',
        kind: 'comparison',
        file: callback.file,
        env: withSourceMaps(callback.env),
        bytes: callback.bytes,
        times: [],
      },
    ];

    log(`cold start: ${variants.length} bundles x ${runs} fresh processes (plus a warm-up round) ...`);
    for (let round = -1; round < runs; round++) {
      // Rotate the order each round so no bundle always runs right after the same neighbour.
      const offset = (round + 1) % variants.length;
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(i + offset) % variants.length]!;
        const time = importOnce(variant);
        if (round >= 0) variant.times.push(time);
      }
    }

    const bareMedian = median(bare.times);
    const overhead = (v: Variant) => median(v.times) - bareMedian;
    const naiveVariant = variants.find((v) => v.kind === 'naive')!;
    const floorVariant = variants.find((v) => v.kind === 'floor')!;
    const callbackVariant = variants.find((v) => v.name === 'StatusCallback')!;
    const overheadRatio = overhead(callbackVariant) / overhead(naiveVariant);
    const floorRatio = overhead(callbackVariant) / overhead(floorVariant);

    const rows = variants.map((v) => {
      const limit =
        v.kind === 'stack' && API_ROUTE_FUNCTIONS.has(v.name)
          ? `${v.bytes! <= API_ROUTE_LIMIT_BYTES ? 'within' : 'OVER'} 400 KB (${((v.bytes! / API_ROUTE_LIMIT_BYTES) * 100).toFixed(0)}%)`
          : '';
      return [
        v.kind === 'stack' ? `**${v.name}**` : v.name,
        v.bytes === undefined ? '' : `${v.bytes.toLocaleString('en-US')} B (${kb(v.bytes)})`,
        ms(median(v.times)),
        ms(percentile(v.times, 90)),
        v.kind === 'bare' ? '(baseline)' : ms(overhead(v)),
        v.kind === 'bare' ? '' : ratio(overhead(v) / overhead(naiveVariant)),
        v.kind === 'bare' ? '' : ratio(overhead(v) / overhead(floorVariant)),
        v.twilio ? describeTwilio(v.twilio) : '',
        limit,
      ];
    });
    const table = markdownTable(
      [
        'Bundle',
        'index size',
        'import median',
        'import p90',
        'overhead vs bare node',
        'overhead / naive',
        'overhead / floor',
        'twilio in bundle',
        'API-route budget',
      ],
      rows,
    );

    const apiRoutes = variants.filter((v) => v.kind === 'stack' && API_ROUTE_FUNCTIONS.has(v.name));
    const overBudget = apiRoutes.filter((v) => v.bytes! > API_ROUTE_LIMIT_BYTES);
    const notes = [
      `${runs} imports per bundle in fresh processes, rounds interleaved; Node.js ${process.version} on ${process.platform}/${process.arch} (Lambda runs Node.js 24 on arm64: absolute times differ, ratios carry over).`,
      `The deployed bundles are dist/bundles/<handler>/ from scripts/bundle.ts, the files TrackerFunction deploys; bytes are what a cold start reads (index.mjs and the chunks it imports statically; the chunks behind an import(), such as the twilio client in the sender, are read at first use). Each import runs with a Lambda-like environment: what TrackerFunction gives every function (${describeBaseEnvironment()}), placeholders for every variable a handler reads at module scope, and AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, as on Node.js 22+ where the SDK prints no warning.`,
      `Callback import overhead / naive overhead = ${ratio(overheadRatio)} (target <= ${TARGET_OVERHEAD_RATIO}): ${overheadRatio <= TARGET_OVERHEAD_RATIO ? 'met' : 'MISSED'}.`,
      `Callback import overhead / floor overhead = ${ratio(floorRatio)}: ${ms(overhead(callbackVariant))} vs ${ms(overhead(floorVariant))} for the floor (${floor.bytes.toLocaleString('en-US')} B: DynamoDBClient + UpdateItemCommand only, bundled with the same settings, the one client a callback cannot do without). The difference, ${ms(overhead(callbackVariant) - overhead(floorVariant))}, is what the callback's other imports (Powertools, the signature check, the secret client, its own code) cost.`,
      `API-route bundles vs 400 KB (409,600 B): ${apiRoutes.map((v) => `${v.name} ${v.bytes!.toLocaleString('en-US')} B`).join(', ')}: ${overBudget.length === 0 ? 'met' : `MISSED by ${overBudget.map((v) => `${v.name} (+${(v.bytes! - API_ROUTE_LIMIT_BYTES).toLocaleString('en-US')} B)`).join(', ')}`}.`,
      ...apiRoutes.map((v) => {
        const parts = mergeParts(
          coldStartFiles(v.file!).flatMap((file) => bytesByPackage(file, `${file}.map`)),
        );
        const total = parts.reduce((sum, p) => sum + p.bytes, 0);
        return `Where ${v.name}'s cold-start bytes come from (the source maps of the files it loads, ${total.toLocaleString('en-US')} characters attributed): ${parts
          .slice(0, 8)
          .map((p) => `${p.name} ${kb(p.bytes)}`)
          .join(', ')}.`;
      }),
    ];
    const figures: BenchmarkReport['figures'] = {
      runs,
      bareMedianMs: round1(bareMedian),
      overheadRatio: round3(overheadRatio),
      overheadRatioTargetMet: overheadRatio <= TARGET_OVERHEAD_RATIO,
      callbackOverFloorRatio: round3(floorRatio),
      apiRouteBudgetMet: overBudget.length === 0,
    };
    for (const v of variants) {
      if (v.kind === 'bare') continue;
      const key = v.kind === 'stack' ? v.name : v.kind === 'naive' || v.kind === 'floor' ? v.kind : v.name;
      figures[`${key}.bytes`] = v.bytes ?? 0;
      figures[`${key}.medianMs`] = round1(median(v.times));
      figures[`${key}.p90Ms`] = round1(percentile(v.times, 90));
      figures[`${key}.overheadMs`] = round1(overhead(v));
    }
    return { title: 'Cold start: bundle size and import overhead', table, notes, figures };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function describeTwilio(t: TwilioContent): string {
  if (t.files === 0) return 'none';
  const extra = t.otherRestModules
    ? `, ${t.otherRestModules} other REST modules in ${t.otherRestDomains.length} domains (${t.otherRestDomains.slice(0, 3).join(', ')}, ...)`
    : ', no other REST domains';
  return `${t.wholePackage ? 'WHOLE package' : 'subset'}: ${t.files} files${extra}`;
}

/** The deployed bundles, named like the stack's functions (status-callback -> StatusCallback). */
function deployedBundles(files: Record<string, string>): Variant[] {
  const functions = Object.entries(files).map(([bundle, file]): Variant => {
    const name = bundle.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
    const map = `${file}.map`;
    return {
      name,
      kind: 'stack',
      file,
      env: functionEnv(name),
      bytes: coldStartBytes(file),
      mapBytes: existsSync(map) ? statSync(map).size : undefined,
      twilio: existsSync(map) ? twilioContentFromMaps(bundleModules(file).map((m) => `${m}.map`)) : undefined,
      times: [],
    };
  });
  const order = ['StatusCallback', 'Query', 'Sender', 'Reconciler'];
  const rank = (n: string) => (order.indexOf(n) === -1 ? order.length : order.indexOf(n));
  functions.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return functions;
}

/** The environment of a fresh process: nothing from this shell that could change what the module does. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
}

/**
 * Placeholders for what the stack sets on its functions and a handler reads at module scope (the union
 * over all handlers: a variable a handler does not read costs nothing).
 */
const PLACEHOLDERS: Record<string, string> = {
  TABLE_NAME: 'bench-messages',
  IDEMPOTENCY_TABLE_NAME: 'bench-send-idempotency',
  SEND_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/bench-send',
  TWILIO_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:bench-twilio',
  STATUS_CALLBACK_URL: 'https://bench.execute-api.eu-west-1.amazonaws.com/message-status#rc=5&rp=ct,rt,5xx',
  RETENTION_DAYS: '400',
  PENDING_SHARDS: '16',
  EVENT_BUS_NAME: 'bench-events',
  RECONCILE_MIN_AGE_HOURS: '12',
  RECONCILE_HORIZON_HOURS: '72',
  RECONCILE_CONCURRENCY: '8',
  HISTORY_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:bench-history-key',
  HISTORY_WORKGROUP: 'bench-history',
  HISTORY_DATABASE: 'bench_history',
  HISTORY_TABLE: 'status_history',
  LIST_INDEXES: LIST_INDEX_NAMES.join(','),
  // As the stack sets it on every function that records, sends or serves the dead-numbers API.
  DEAD_NUMBERS_TABLE_NAME: 'bench-dead-numbers',
  // The callback as it runs with many Twilio accounts (accountSecretPrefix set): the account lookup loaded.
  ACCOUNT_SECRET_PREFIX: 'bench/accounts/',
  ACCOUNT_SECRET_SHARDS: '64',
};

function functionEnv(name: string): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv(),
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: `bench-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    // Never used (no request is made), but present as in Lambda so nothing looks further.
    AWS_ACCESS_KEY_ID: 'AKIABENCHPLACEHOLDER',
    AWS_SECRET_ACCESS_KEY: 'bench-placeholder-secret',
    AWS_SESSION_TOKEN: 'bench-placeholder-token',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...PLACEHOLDERS,
    ...TRACKER_BASE_ENVIRONMENT,
  };
  return env;
}

/**
 * The same environment with Node's own source-map support on, as the functions ran before their stacks
 * were mapped on the error path: the row shows what the flag costs at import.
 */
function withSourceMaps(env: Record<string, string>): Record<string, string> {
  const options = [env.NODE_OPTIONS, '--enable-source-maps'].filter(Boolean).join(' ');
  return { ...env, NODE_OPTIONS: options };
}

function describeBaseEnvironment(): string {
  const entries = Object.entries(TRACKER_BASE_ENVIRONMENT);
  if (entries.length === 0) return 'no variable of its own, in particular no NODE_OPTIONS';
  return entries.map(([key, value]) => `${key}=${value}`).join(', ');
}

/** Wall time of one fresh `node` that imports the bundle (or does nothing, for the baseline). */
function importOnce(variant: Variant): number {
  const args = variant.file
    ? ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(variant.file).href)});`]
    : ['-e', ''];
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    env: variant.env,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30_000,
  });
  const elapsed = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `importing ${variant.name} failed (status ${result.status}, signal ${result.signal}): ${result.stderr?.toString().slice(0, 2000)}`,
    );
  }
  return elapsed;
}

/** Counts twilio files in a bundle (every module it deploys) from their source maps' `sources`. */
function twilioContentFromMaps(mapFiles: readonly string[]): TwilioContent {
  const sources = mapFiles.flatMap(
    (mapFile) => (JSON.parse(readFileSync(mapFile, 'utf8')) as { sources?: string[] }).sources ?? [],
  );
  return twilioContent([...new Set(sources)]);
}

/** One list of package sizes from several files' lists, largest first. */
function mergeParts(
  parts: ReadonlyArray<{ name: string; bytes: number }>,
): Array<{ name: string; bytes: number }> {
  const byName = new Map<string, number>();
  for (const { name, bytes } of parts) byName.set(name, (byName.get(name) ?? 0) + bytes);
  return [...byName.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function twilioContent(sources: readonly string[]): TwilioContent {
  const files = sources.filter((s) => s.replace(/\\/g, '/').includes('node_modules/twilio/'));
  const rest = files
    .map((s) => /node_modules\/twilio\/lib\/rest\/(.+)$/.exec(s.replace(/\\/g, '/'))?.[1])
    .filter((s): s is string => s !== undefined);
  const allowed = (r: string) =>
    r.startsWith('api/v2010/account/message') || r.startsWith('messaging/v1/service');
  const other = rest.filter((r) => !allowed(r));
  // rest/Accounts.js, rest/AccountsBase.js and rest/accounts/v1/... are all the "accounts" domain.
  const domains = [
    ...new Set(other.map((r) => r.split('/')[0]!.replace(/\.js$/, '').replace(/Base$/, '').toLowerCase())),
  ].sort();
  return {
    files: files.length,
    otherRestModules: other.length,
    otherRestDomains: domains,
    wholePackage: other.length > 0 && files.some((f) => /twilio\/lib\/rest\/Twilio\.js$/.test(f)),
  };
}

/** Swaps the narrow signature module for one that imports the package root. */
const wholeTwilio: Plugin = {
  name: 'whole-twilio',
  setup(b) {
    b.onResolve({ filter: /twilio-signature$/ }, (args) =>
      args.importer.includes(`${path.sep}lambda${path.sep}adapters${path.sep}`)
        ? { path: path.join(ROOT, 'bench', 'naive', 'twilio-signature-whole-package.ts') }
        : undefined,
    );
  },
};

/** The floor, built with exactly the deployed bundles' settings (scripts/bundle.ts). */
async function buildFloor(outfile: string): Promise<{ file: string; bytes: number }> {
  await build(lambdaBuildOptions(path.join(ROOT, 'bench', 'floor', 'dynamodb-update-only.ts'), outfile));
  return { file: outfile, bytes: coldStartBytes(outfile) };
}

/** The callback handler bundled the plain way (CJS, no minify, default main fields). */
async function buildPlainCallback(
  outfile: string,
  naive: boolean,
): Promise<{ file: string; bytes: number; twilio: TwilioContent }> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'lambda', 'handlers', 'status-callback.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    outfile,
    metafile: true,
    logLevel: 'silent',
    plugins: naive ? [wholeTwilio] : [],
  });
  return {
    file: outfile,
    bytes: statSync(outfile).size,
    twilio: twilioContent(Object.keys(result.metafile.inputs)),
  };
}
