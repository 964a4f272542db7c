/**
 * Stack traces of a bundled function point at the TypeScript source although the functions run without
 * --enable-source-maps: a fixture built with the deployed bundles' own settings (scripts/bundle.ts)
 * throws in a fresh Node.js process, and both what it logs (a described error, an Error) and what it
 * throws to the runtime name the .ts file and line of the `throw`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '../../scripts/bundle';
import { readableStack } from '../../lambda/adapters/secondary/readable-stack';

const FIXTURE = path.join(__dirname, 'fixtures', 'failing-function.ts');
const THROW_LINE =
  readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes("throw new Error('the step failed')")) + 1;

let work: string;
let output: { logs: Array<Record<string, unknown>>; thrown: string };

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'readable-stack-'));
  const bundle = path.join(work, 'failing-function', 'index.mjs');
  await build(lambdaBuildOptions(FIXTURE, bundle));
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    try { await handler({}); } catch (error) {
      process.stdout.write('\\nTHROWN ' + JSON.stringify({ stack: error.stack }));
    }`;
  // Powertools writes error lines to stderr; the script reports the thrown error on stdout.
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    // As the functions run: no NODE_OPTIONS, so no --enable-source-maps.
    env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'readable-stack-test' },
    encoding: 'utf8',
  });
  const thrown = JSON.parse(run.stdout.split('\nTHROWN ').pop()!) as { stack: string };
  output = {
    logs: `${run.stdout}\n${run.stderr}`
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    thrown: thrown.stack,
  };
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first frame of a stack (the line after the message). */
function firstFrame(stack: string): string {
  return stack.split('\n').find((line) => /^\s+at /.test(line))!;
}

it('logs a described error with a stack at the .ts file and line of the throw', () => {
  expect(THROW_LINE).toBeGreaterThan(0);
  const line = output.logs.find((l) => l.message === 'described')!;
  const error = line.error as { stack: string };
  expect(firstFrame(error.stack)).toMatch(
    new RegExp(`at failingStep \\(${escape(FIXTURE)}:${THROW_LINE}:\\d+\\)$`),
  );
  expect(error.stack).not.toContain('index.mjs');
});

it('logs an Error with its stack and location at the source', () => {
  const line = output.logs.find((l) => l.message === 'as an error')!;
  const error = line.error as { stack: string; location: string };
  expect(error.location).toBe(`${FIXTURE}:${THROW_LINE}`);
  expect(firstFrame(error.stack)).toContain(`${FIXTURE}:${THROW_LINE}:`);
});

it('throws to the runtime an error whose stack points at the source', () => {
  expect(firstFrame(output.thrown)).toContain(`${FIXTURE}:${THROW_LINE}:`);
  expect(output.thrown).toContain(path.join('lambda', 'adapters', 'primary', 'lambda-handler.ts'));
  expect(output.thrown).not.toMatch(/index\.mjs:\d+/);
});

it('leaves a stack without a source map as it is', () => {
  const stack = new Error('here').stack!;
  expect(readableStack(stack)).toBe(stack);
  const odd = 'Error: x\n    at weird (not a location)\n    at /no/such/file.mjs:1:2';
  expect(readableStack(odd)).toBe(odd);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
