/**
 * Every context option the configuration page documents synthesises the way users run it, with a
 * concrete region as the CLI has from a profile (CDK_DEFAULT_REGION / AWS_REGION), offline, and cdk-nag
 * on (a finding that is not acknowledged fails the synth).
 *
 * Through the real CDK CLI (`npx cdk synth -c key=value ...`): all the options together, in two runs (the
 * options that exclude each other are split between them), so every documented key passes through the
 * CLI's parsing of `-c` and the app it starts. The first run is cdk.json's own app (bundle, then
 * bin/app.ts), the second bin/app.ts on those bundles; they run at the same time.
 *
 * Each option alone: in this process, through bin/tracker-app.ts, the module bin/app.ts builds the app
 * with, from the context the CLI would hand it (every value a string, as `-c` gives it). A CLI synth
 * costs about 8 s on an idle 2-core machine (npx and the CLI ~3 s, tsx compiling the app ~2 s, the
 * synth and cdk-nag ~3 s); in-process the synth and cdk-nag are all that is left, about 1-2 s.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { buildTrackerApp } from '../../bin/tracker-app';
import { CONTEXT_SAMPLES } from '../support/context-samples';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const REGION = 'eu-west-1';

/** The context keys of the configuration page's context table (a row may name two: `a` / `b`). */
function documentedContextKeys(): string[] {
  const page = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  const section = page.slice(page.indexOf('## Context keys'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| key')));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1] ?? ''));
}

/** Options that cannot go with the first combined run, and go with the second instead. */
const SECOND_RUN = ['defaultFrom', 'events', 'history'];
const SECOND_RUN_LEAVES_OUT = [
  'messagingServiceSid',
  'useServiceCallback',
  'historyRetentionDays',
  'historyBufferSeconds',
  'historyScanLimitBytes',
];

const keys = documentedContextKeys();
const sample = (key: string) => CONTEXT_SAMPLES[key]?.value ?? '';
const all = Object.fromEntries(keys.filter((k) => !SECOND_RUN.includes(k)).map((k) => [k, sample(k)]));
const second = Object.fromEntries(
  keys.filter((k) => !SECOND_RUN_LEAVES_OUT.includes(k)).map((k) => [k, sample(k)]),
);
const PER_SYNTH_MS = 150_000;

const describeContext = (context: Record<string, string>) =>
  `-c ${Object.entries(context)
    .map(([k, v]) => `${k}=${v}`)
    .join(' -c ')}`;

async function cliSynth(context: Record<string, string>, bundle: boolean): Promise<string | undefined> {
  const out = mkdtempSync(join(tmpdir(), 'cdk-cli-synth-'));
  const args = ['cdk', 'synth', '-q', '--no-notices', '--no-version-reporting', '--output', out];
  if (!bundle) args.push('--app', 'npx tsx bin/app.ts');
  for (const [key, value] of Object.entries(context)) args.push('-c', `${key}=${value}`);
  try {
    await execFileAsync('npx', args, {
      cwd: ROOT,
      env: {
        ...process.env,
        CDK_DEFAULT_REGION: REGION,
        AWS_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return undefined;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${describeContext(context)}\n${stderr ?? ''}${stdout ?? ''}`;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

it('every documented context option has a sample value', () => {
  expect(keys.length).toBeGreaterThan(20);
  expect(keys.filter((key) => CONTEXT_SAMPLES[key] === undefined)).toEqual([]);
});

it('the two CLI runs together pass every documented option through npx cdk synth', () => {
  expect(keys.filter((key) => !(key in all) && !(key in second))).toEqual([]);
});

it(
  'npx cdk synth is clean with all the options, in two runs',
  async () => {
    const failures = await Promise.all([cliSynth(all, true), cliSynth(second, false)]);
    expect(failures.filter((failure) => failure !== undefined)).toEqual([]);
  },
  PER_SYNTH_MS * 2,
);

describe('the app synthesises with each option alone, cdk-nag on', () => {
  const out = mkdtempSync(join(tmpdir(), 'app-synth-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(keys)('-c %s', (key) => {
    const context = { [key]: sample(key), ...CONTEXT_SAMPLES[key]?.needs };
    const app = new App({ context, outdir: join(out, key), analyticsReporting: false });
    buildTrackerApp(app, { region: REGION });
    // Throws when a cdk-nag finding is not acknowledged ("Validation failed"), as the CLI's synth does.
    expect(() => app.synth()).not.toThrow();
  });
});
