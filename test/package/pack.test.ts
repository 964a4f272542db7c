/**
 * The package as another CDK app gets it: `npm pack` (prepack compiles lib/ and builds the bundles),
 * then a fresh app in a temporary directory installs the tarball with aws-cdk-lib and constructs only,
 * uses the construct from plain JavaScript and synthesises with neither esbuild nor Docker reachable.
 * The status-callback function's asset from that cloud assembly is then run as Lambda would run it.
 *
 * Needs npm and its cache (the registry is asked only for what the cache lacks); no Java, no DynamoDB.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { callbackEvent } from '../support/callbacks';

const ROOT = path.resolve(__dirname, '..', '..');

/** The consuming app: one file of plain JavaScript, nothing from this repository but the package. */
const APP_SOURCE = `
const { App, Stack } = require('aws-cdk-lib');
const { StatusTracker } = require('twilio-status-tracker');

const app = new App({ outdir: process.argv[2], analyticsReporting: false });
const stack = new Stack(app, 'Consumer');
new StatusTracker(stack, 'Tracker', {});
app.synth();
`;

/** The versions this repository is tested with, so the app installs what the tests ran against. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (status ${result.status}, signal ${result.signal}):\n${result.stdout}\n${result.stderr}`.slice(
        -6000,
      ),
    );
  }
  return result.stdout;
}

interface TemplateFunction {
  Type: string;
  Properties: {
    Handler?: string;
    Code?: { S3Key?: unknown };
    Environment?: { Variables?: Record<string, unknown> };
  };
}

let work: string;
const timings: string[] = [];

function timed<T>(label: string, step: () => T): T {
  const started = performance.now();
  const result = step();
  timings.push(`${label} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-pack-'));
});
afterAll(() => {
  console.log(`package test: ${timings.join(', ')}`);
  fs.rmSync(work, { recursive: true, force: true });
});

it('installs from npm pack and synthesises without esbuild or Docker; the callback bundle answers', () => {
  const started = performance.now();

  // 1. The tarball, exactly as `npm publish` would upload it.
  const packDir = path.join(work, 'pack');
  fs.mkdirSync(packDir);
  timed('npm pack', () => run('npm', ['pack', '--pack-destination', packDir], { cwd: ROOT }));
  const tarballs = fs.readdirSync(packDir).filter((file) => file.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  const tarball = path.join(packDir, tarballs[0]!);

  // 2. A fresh app that depends on the tarball and on the CDK only.
  const appDir = path.join(work, 'app');
  fs.mkdirSync(appDir);
  fs.writeFileSync(
    path.join(appDir, 'package.json'),
    JSON.stringify({ name: 'consumer-app', version: '0.0.0', private: true }, null, 2),
  );
  fs.writeFileSync(path.join(appDir, 'app.js'), APP_SOURCE);
  timed('npm install', () =>
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        tarball,
        `aws-cdk-lib@${lockedVersion('aws-cdk-lib')}`,
        `constructs@${lockedVersion('constructs')}`,
      ],
      { cwd: appDir },
    ),
  );
  const installed = path.join(appDir, 'node_modules', 'twilio-status-tracker');
  expect(fs.existsSync(path.join(installed, 'dist', 'bundles', 'status-callback', 'index.mjs'))).toBe(true);
  // Only compiled output ships: no TypeScript sources, tests or build scripts.
  for (const absent of ['lib', 'lambda', 'test', 'scripts', 'tsconfig.json']) {
    expect(fs.existsSync(path.join(installed, absent))).toBe(false);
  }
  // The handlers' runtime packages are inside the bundles, not installed beside them.
  for (const absent of ['esbuild', 'twilio', '@aws-sdk/client-dynamodb', '@aws-lambda-powertools/logger']) {
    expect(fs.existsSync(path.join(appDir, 'node_modules', absent))).toBe(false);
  }

  // 3. Synthesis with a PATH holding only `node`: no esbuild, no docker, no npx to fetch either.
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const assemblyDir = path.join(work, 'cdk.out');
  timed('synth', () =>
    run(path.join(bin, 'node'), ['app.js', assemblyDir], {
      cwd: appDir,
      // CDK_DOCKER names the Docker binary CDK would run; pointing it nowhere makes any attempt fail.
      env: { PATH: bin, HOME: work, CDK_DOCKER: path.join(work, 'no-docker') },
    }),
  );

  // 4. The status-callback function in that assembly and its asset. Its logical id is made from its
  // construct path (…StatusCallback…Function…); the path itself is only in the metadata under the CLI.
  const functions: Array<[string, TemplateFunction]> = [];
  for (const file of fs.readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8')) as {
      Resources: Record<string, TemplateFunction>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type === 'AWS::Lambda::Function') functions.push([logicalId, resource]);
    }
  }
  const callbacks = functions.filter(([logicalId]) => logicalId.includes('StatusCallback'));
  expect(callbacks.map(([logicalId]) => logicalId)).toHaveLength(1);
  const callback = callbacks[0]![1];
  expect(callback.Properties.Handler).toBe('index.handler');
  const s3Key = callback.Properties.Code?.S3Key;
  if (typeof s3Key !== 'string') throw new Error('the callback function has no asset S3Key');
  const bundle = path.join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
  expect(fs.existsSync(bundle)).toBe(true);
  expect(fs.existsSync(`${bundle}.map`)).toBe(true);

  // 5. The bundle in a fresh Node.js process with what Lambda provides: the function's own environment
  // (references replaced by names), a region and role credentials. A GET is refused before any
  // credential or table is touched, so no network is needed.
  const variables = callback.Properties.Environment?.Variables ?? {};
  const env: NodeJS.ProcessEnv = {
    PATH: bin,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAPACKTEST',
    AWS_SECRET_ACCESS_KEY: 'pack-test',
    AWS_SESSION_TOKEN: 'pack-test',
    AWS_LAMBDA_FUNCTION_NAME: 'pack-test-status-callback',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    EVENT: JSON.stringify(callbackEvent({ params: [], method: 'GET', signature: null })),
  };
  for (const [key, value] of Object.entries(variables)) {
    env[key] = typeof value === 'string' ? value : `pack-test-${key.toLowerCase()}`;
  }
  // No --enable-source-maps: the map beside the bundle (checked above) is read on the error path only.
  expect(env.NODE_OPTIONS).toBeUndefined();
  expect(env.TABLE_NAME).toBeDefined();
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const response = await handler(JSON.parse(process.env.EVENT));
    process.stdout.write('\\nRESULT ' + JSON.stringify(response));`;
  const output = timed('bundle run', () =>
    run(path.join(bin, 'node'), ['--input-type=module', '-e', script], { cwd: work, env }),
  );
  const response = JSON.parse(output.split('\nRESULT ').pop()!) as { statusCode: number };
  expect(response).toMatchObject({ statusCode: 405 });

  timings.push(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}, 480_000);

it('a plain `npm pack` writes its tarball under dist/ (git-ignored), not into the working tree', () => {
  const destination = run('npm', ['config', 'get', 'pack-destination'], { cwd: ROOT }).trim();
  expect(destination).toBe('dist');
  const ignored = run('git', ['check-ignore', 'dist/twilio-status-tracker-9.9.9.tgz'], { cwd: ROOT }).trim();
  expect(ignored).toBe('dist/twilio-status-tracker-9.9.9.tgz');
});
