/**
 * What a user types: `npm start` (serves, answers, stops cleanly on Ctrl-C), `npm run send` and
 * `npm run status` against it, and `npm run demo` (checks every final status against the simulator).
 */
import { runCli } from '../../local/cli';
import { freePort } from '../../local/ports';
import { exited, run } from '../support/processes';

const QUIET = { out: () => undefined, err: () => undefined };

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start, send and status', () => {
  let start: ReturnType<typeof run>;
  let url: string;
  const lines: string[] = [];
  const record = (line: string) => void lines.push(line);
  const cli = (args: string[]) => runCli([...args, '--url', url], { out: record, err: record });

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    start = run('local/start.ts', [], { PORT: String(port), DYNAMODB_PORT: String(await freePort()) });
    await waitFor(() => start.output().includes('Ctrl-C stops everything'), 'npm start to be ready');
  });

  afterAll(async () => {
    if (start.child.exitCode === null) {
      start.child.kill('SIGKILL');
      await exited(start.child);
    }
  });

  it('prints what it serves and answers /health', async () => {
    expect(start.output()).toContain(`POST ${url}/message-status`);
    expect(start.output()).toMatch(/DynamoDB Local at http:\/\/127\.0\.0\.1:\d+ \(in memory\)/);
    expect(start.output()).toMatch(/simulator at http:\/\/127\.0\.0\.1:\d+/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('sends a message and shows its history as the callbacks arrive', async () => {
    lines.length = 0;
    expect(await cli(['send', '--to', '+14155550100', '--body', 'hello', '--ref', 'cli-test'])).toBe(0);
    const sid = /^(SM[0-9a-f]{32}) queued$/.exec(lines[0] ?? '')?.[1];
    expect(sid).toBeDefined();
    await waitFor(
      () => new RegExp(`${sid}\\s+(delivered|undelivered|failed|read|sent)\\s`).test(start.output()),
      'callbacks',
    );
    lines.length = 0;
    expect(await cli(['status', sid!])).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`^${sid}  \\w+`));
    expect(lines).toContain('  reference cli-test');
    expect(lines.join('\n')).toMatch(/history:\n\s+\S+Z {2}queued/);
  });

  it('says what was wrong with bad input, without a stack trace', async () => {
    lines.length = 0;
    expect(await cli(['send', '--to', '4155550100', '--body', 'x'])).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^send failed \(400\): .*E\.164/)]);
    lines.length = 0;
    expect(await cli(['send', '--to', '+15005550004', '--body', 'x'])).toBe(1);
    expect(lines).toEqual(['send failed (422): Twilio 21610: Attempt to send to unsubscribed recipient']);
    lines.length = 0;
    expect(await cli(['send', '--body', 'x'])).toBe(2);
    expect(await cli(['status', 'SM-nope'])).toBe(1);
    expect(await cli(['frobnicate'])).toBe(2);
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('stops cleanly on Ctrl-C', async () => {
    start.child.kill('SIGINT');
    expect(await exited(start.child)).toBe(0);
    expect(start.output()).toContain('stopping...');
    expect(await runCli(['status', `SM${'0'.repeat(32)}`, '--url', url], QUIET)).toBe(1);
  });
});

it('npm run demo checks every final status against the simulator and exits 0', async () => {
  const demo = run('local/demo.ts', ['--messages', '30', '--seed', '5'], {});
  expect(await exited(demo.child)).toBe(0);
  expect(demo.output()).toContain('OK: all 30 stored final statuses match the simulator');
  expect(demo.output()).toMatch(/final status\s+messages/);
}, 120_000);

it('npm run demo refuses a bad argument with a clear message', async () => {
  const demo = run('local/demo.ts', ['--messages', 'many'], {});
  expect(await exited(demo.child)).toBe(2);
  expect(demo.output()).toContain('--messages must be a positive whole number, got "many"');
});
