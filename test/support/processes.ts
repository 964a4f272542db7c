/** Runs the repository's scripts as a user would: a child process through tsx, output kept. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export function run(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): { child: ChildProcess; output: () => string; stdout: () => string } {
  let output = '';
  let stdout = '';
  const child = spawn(TSX, [script, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      DYNAMODB_ENDPOINT: '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, stdout: () => stdout };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A script run to its end: exit code, all output, and stdout alone. */
export async function runToEnd(script: string, args: string[], env: Record<string, string | undefined> = {}) {
  const process = run(script, args, env);
  const code = await exited(process.child);
  return { code, output: process.output(), stdout: process.stdout() };
}
