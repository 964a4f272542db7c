/**
 * What a user types: `npm start` (serves, answers, stops cleanly on Ctrl-C, leaves nothing running when
 * killed, names whatever holds its ports), `npm run send` and `npm run status` against it (as processes
 * too: exit codes, stdout), each command's `--help` through npm, and `npm run demo` (checks every final
 * status against the simulator).
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { runCli } from '../../local/cli';
import { isPortFree, startDynamoDbLocal } from '../../local/dynamodb-local';
import { freePort } from '../../local/free-port';
import { listeningProcess, processInfo } from '../../local/processes';
import { exited, ROOT, run, runToEnd } from '../support/processes';
import { captureIo } from '../support/stand-in';

const execFileAsync = promisify(execFile);

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `npm start` on free ports, once it says it is ready. */
async function startApp(): Promise<ReturnType<typeof run> & { port: number; dynamodbPort: number }> {
  const port = await freePort();
  const dynamodbPort = await freePort();
  // History has its own tests (e2e/history.test.ts): keep these runs out of the developer's .local-data/history.
  const started = run('local/start.ts', [], {
    PORT: String(port),
    DYNAMODB_PORT: String(dynamodbPort),
    HISTORY: 'off',
  });
  await waitFor(() => started.output().includes('Ctrl-C stops everything'), 'npm start to be ready');
  return { ...started, port, dynamodbPort };
}

describe('npm start, send and status', () => {
  let start: Awaited<ReturnType<typeof startApp>>;
  let url: string;
  const lines: string[] = [];
  const record = (line: string) => void lines.push(line);
  const cli = (args: string[]) => runCli([...args, '--url', url], { out: record, err: record });

  beforeAll(async () => {
    start = await startApp();
    url = `http://127.0.0.1:${start.port}`;
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

  it('finds the message with `npm run messages`: by reference, by recipient and as CSV', async () => {
    lines.length = 0;
    expect(await cli(['messages', '--ref', 'cli-test', '--since', '1h'])).toBe(0);
    expect(lines[0]).toMatch(/^SID\s+STATUS/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^SM[0-9a-f]{32}\s+\w+.*\+14155550100.*cli-test$/);
    lines.length = 0;
    expect(await cli(['messages', '--to', '+14155550100', '--csv'])).toBe(0);
    expect(lines[0]).toMatch(/^messageSid,status,final,createdAt,/);
    expect(lines.join('\n')).toContain(",'+14155550100,");
    lines.length = 0;
    expect(await cli(['messages', '--ref', 'no-such-reference'])).toBe(0);
    expect(lines).toEqual(['no messages match']);
    lines.length = 0;
    expect(await cli(['messages', '--status', 'delivred'])).toBe(2);
    expect(lines.join('\n')).toContain('did you mean "delivered"?');
  });

  it('sends to WhatsApp as the README writes it, from the default number on WhatsApp', async () => {
    lines.length = 0;
    expect(await cli(['send', '--to', 'whatsapp:+14155550100', '--body', 'hello'])).toBe(0);
    const sid = /^(SM[0-9a-f]{32}) queued$/.exec(lines[0] ?? '')?.[1];
    lines.length = 0;
    expect(await cli(['status', sid!])).toBe(0);
    expect(lines).toContain('  to whatsapp:+14155550100  from whatsapp:+15017250604');
  });

  it('runs as a process: results on stdout, exit 1 for a refusal, TRACKER_URL honoured', async () => {
    const missing = await runToEnd('local/cli.ts', ['status', `SM${'0'.repeat(32)}`], { TRACKER_URL: url });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.output).toContain(`not found: no message SM${'0'.repeat(32)}`);
    const typo = await runToEnd('local/cli.ts', ['send', '--to', '+14155550100', '--bdy', 'x', '--url', url]);
    expect(typo.code).toBe(2);
    expect(typo.output).toContain('error: unknown option --bdy for send; did you mean --body?');
  });

  it('says what was wrong with bad input, without a stack trace', async () => {
    lines.length = 0;
    // The sender's own rule, checked before any request: a mistyped value, exit 2.
    expect(await cli(['send', '--to', '4155550100', '--body', 'x'])).toBe(2);
    expect(lines[0]).toMatch(/^error: --to: .*E\.164/);
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
    const { io, err } = captureIo();
    expect(await runCli(['status', `SM${'0'.repeat(32)}`, '--url', url], io)).toBe(1);
    expect(err).toEqual([
      `error: cannot reach ${url}/messages/SM${'0'.repeat(32)} (ECONNREFUSED); is \`npm start\` running? ` +
        'Or pass --url, or --stack for a deployed stack',
    ]);
  });
});

describe('npm start killed with SIGKILL', () => {
  // Should a test fail, what it meant to stop must not outlive it (and keep Jest waiting on its output).
  const leftovers: number[] = [];
  afterEach(() => {
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
  });

  /** Both ports free again and DynamoDB Local's process gone: what the next `npm start` needs. */
  async function released(app: { port: number; dynamodbPort: number }, dynamodbPid: number): Promise<void> {
    await waitFor(
      async () =>
        (await isPortFree(app.port)) &&
        (await isPortFree(app.dynamodbPort)) &&
        processInfo(dynamodbPid) === undefined,
      'the ports to be released',
      15_000,
    );
  }

  it('leaves neither the server nor DynamoDB Local running when its launcher (tsx, npm) is killed', async () => {
    const app = await startApp();
    const dynamodb = listeningProcess(app.dynamodbPort);
    expect(dynamodb?.command).toContain('DynamoDBLocal.jar');
    leftovers.push(dynamodb!.pid, dynamodb!.ppid);
    app.child.kill('SIGKILL');
    await released(app, dynamodb!.pid);
    expect(app.output()).toContain('which started this one, has gone');
  });

  it('takes DynamoDB Local with it when the server process itself is killed', async () => {
    const app = await startApp();
    const dynamodb = listeningProcess(app.dynamodbPort)!;
    leftovers.push(dynamodb.pid);
    process.kill(dynamodb.ppid, 'SIGKILL');
    if (process.platform === 'linux') {
      // The kernel's parent-death signal (setpriv --pdeathsig): nothing is left for a next start to trip on.
      await released(app, dynamodb.pid);
    } else {
      // No parent-death signal here: the next start names the leftover and says how to stop it.
      const next = run('local/start.ts', [], {
        PORT: String(await freePort()),
        DYNAMODB_PORT: String(app.dynamodbPort),
      });
      expect(await exited(next.child)).toBe(1);
      expect(next.output()).toContain(`DynamoDB Local (pid ${dynamodb.pid})`);
    }
  });
});

describe("npm start's tag index and dead-number policy (TAG_INDEX_KEY, DEAD_NUMBER_POLICY)", () => {
  it.each([
    [
      { DEAD_NUMBER_POLICY: 'ignore' },
      'npm start: DEAD_NUMBER_POLICY must be "refuse" or "warn", got "ignore"',
    ],
    [
      { TAG_INDEX_KEY: 'no spaces' },
      'npm start: Environment variable TAG_INDEX_KEY: "tagIndexKey" must be a tag key',
    ],
  ])('refuses %j before starting anything, saying what was wrong', async (env, message) => {
    const start = run('local/start.ts', [], { PORT: String(await freePort()), HISTORY: 'off', ...env });
    expect(await exited(start.child)).toBe(1);
    expect(start.output()).toContain(message);
    expect(start.output()).not.toMatch(/\n\s+at /);
    expect(start.output()).not.toContain('DynamoDB Local at');
  });

  it('says which it runs with, and answers a list by that tag', async () => {
    const port = await freePort();
    const start = run('local/start.ts', [], {
      PORT: String(port),
      DYNAMODB_PORT: String(await freePort()),
      HISTORY: 'off',
      TAG_INDEX_KEY: 'campaign',
      DEAD_NUMBER_POLICY: 'warn',
    });
    try {
      await waitFor(() => start.output().includes('Ctrl-C stops everything'), 'npm start to be ready');
      expect(start.output()).toContain('a list by tag "campaign" reads the byTag index (TAG_INDEX_KEY)');
      expect(start.output()).toContain('sent with a warning (DEAD_NUMBER_POLICY=warn)');
      const response = await fetch(`http://127.0.0.1:${port}/messages?tag.campaign=spring`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { messages: unknown[] }).messages).toEqual([]);
    } finally {
      start.child.kill('SIGINT');
      expect(await exited(start.child)).toBe(0);
    }
  });
});

describe('npm start when a port is taken', () => {
  it('names the DynamoDB Local holding DYNAMODB_PORT, with its PID and how to stop it', async () => {
    const dynamodbPort = await freePort();
    const other = await startDynamoDbLocal({ port: dynamodbPort });
    try {
      const pid = listeningProcess(dynamodbPort)?.pid;
      const start = run('local/start.ts', [], {
        PORT: String(await freePort()),
        DYNAMODB_PORT: String(dynamodbPort),
      });
      expect(await exited(start.child)).toBe(1);
      expect(start.output()).toContain(
        `npm start: Port ${dynamodbPort} is in use by DynamoDB Local (pid ${pid})`,
      );
      expect(start.output()).toContain(`Stop it with \`kill ${pid}\``);
      expect(start.output()).not.toMatch(/\n\s+at /);
    } finally {
      await other.stop();
    }
  });

  it('names the process holding PORT and how to stop it', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const start = run('local/start.ts', [], { PORT: String(port) });
      expect(await exited(start.child)).toBe(1);
      expect(start.output()).toContain(`npm start: port ${port} is in use by pid ${process.pid} (`);
      expect(start.output()).toContain(`stop it with \`kill ${process.pid}\`, or set PORT to a free port`);
    } finally {
      server.close();
    }
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
  const mixed = await runToEnd('local/demo.ts', ['--url', 'http://127.0.0.1:9', '--seed', '5']);
  expect(mixed.code).toBe(2);
  expect(mixed.output).toContain("--seed shapes the demo's own simulator; with --url the tracker's decides");
  const nobody = await runToEnd('local/demo.ts', ['--url', 'http://127.0.0.1:9', '--messages', '1']);
  expect(nobody.code).toBe(1);
  expect(nobody.output).toContain('demo: cannot reach http://127.0.0.1:9/events');
  expect(nobody.output).toContain('is npm start running?');
});

it.each([
  [
    'send',
    [
      '--to NUMBER',
      '--body TEXT',
      '--media URL',
      '--from SENDER',
      '--service MG...',
      '--ref REF',
      '--key KEY',
    ],
  ],
  ['status', ['--json']],
  [
    'messages',
    [
      '--status LIST',
      '--final true|false',
      '--error-code N',
      '--since TIME',
      '--until TIME',
      '--to NUMBER',
      '--from SENDER',
      '--service MG...',
      '--account AC...',
      '--ref REF',
      '--tag KEY=VALUE',
      '--limit N',
      '--cursor C',
      '--all',
      '--json',
      '--csv',
    ],
  ],
])('npm run %s -- --help lists its options', async (command, options) => {
  const { stdout } = await execFileAsync('npm', ['run', '--silent', command, '--', '--help'], { cwd: ROOT });
  expect(stdout).toContain(`usage: npm run ${command} -- `);
  for (const option of [
    ...options,
    '--url URL',
    '--stack NAME',
    '--region REGION',
    '--profile PROFILE',
    '--help',
  ])
    expect(stdout).toContain(option);
});

it.each([
  ['local/start.ts', 'start', ['--persist', '--verbose'], '--persit', '--persist'],
  [
    'local/demo.ts',
    'demo',
    ['--messages N', '--seed N', '--accounts K', '--url URL'],
    '--mesages',
    '--messages',
  ],
  [
    'local/report.ts',
    'report',
    ['--dir DIR', '--since TIME', '--json', '--stack NAME'],
    '--sinse',
    '--since',
  ],
  [
    'scripts/backfill.ts',
    'backfill',
    ['--table NAME', '--region REGION', '--profile PROFILE', '--endpoint URL'],
    '--tabel',
    '--table',
  ],
])(
  '%s: --help lists its options and an example; a mistyped option exits 2 naming the closest',
  async (script, name, options, typo, meant) => {
    const help = await runToEnd(script, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`usage: npm run ${name} -- `);
    for (const option of options) expect(help.stdout).toContain(option);
    expect(help.stdout).toContain('examples:');
    const mistyped = await runToEnd(script, [typo]);
    expect(mistyped.code).toBe(2);
    expect(mistyped.output).toContain(`unknown option ${typo} for ${name}; did you mean ${meant}?`);
    expect(mistyped.output).not.toMatch(/\n\s+at /);
  },
);

it('help texts name the URL the commands use, from PORT or TRACKER_URL', async () => {
  const byPort = await runToEnd('local/cli.ts', ['send', '--help'], { PORT: '3300', TRACKER_URL: undefined });
  expect(byPort.stdout).toContain('default: http://127.0.0.1:3300');
  const overview = await runToEnd('local/cli.ts', ['--help'], { TRACKER_URL: 'http://127.0.0.1:4400' });
  expect(overview.stdout).toContain('(http://127.0.0.1:4400;');
  const demo = await runToEnd('local/demo.ts', ['--help'], { PORT: '3300', TRACKER_URL: undefined });
  expect(demo.stdout).toContain('--url http://127.0.0.1:3300');
});
