/**
 * DynamoDB Local listens on 127.0.0.1 only, like the local server and the simulator: the one this suite
 * starts, and the shared one of the test run (test/support/global-setup.ts starts it the same way, so
 * every run checks the launcher). Seen from the kernel (/proc/net/tcp and tcp6, on Linux: every listening
 * socket on its port is bound to 127.0.0.1) and from outside (a connection to another address is refused).
 * Without javac, `npm start`'s first start says what to install.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, realpathSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { localClient, startDynamoDbLocal, type RunningDynamoDb } from '../../local/dynamodb-local';
import { freePort } from '../../local/free-port';
import { dynamoEndpoint } from '../support/dynamodb';
import { runToEnd } from '../support/processes';

jest.setTimeout(120_000);

/** The local addresses of the sockets listening on `port` (IPv4 and IPv6), as the kernel lists them. */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const [, local = '', , state] = line.trim().split(/\s+/);
      const [hex = '', portHex = ''] = local.split(':');
      // 0A is LISTEN.
      if (state === '0A' && parseInt(portHex, 16) === port) found.push(addressOf(hex));
    }
  }
  return found;
}

/** /proc/net's hex address (each 32-bit word in host order, little-endian here) as text. */
function addressOf(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

function connects(host: string, port: number): Promise<boolean | string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(3_000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

/** Addresses of this machine that are not 127.0.0.1: another loopback one, and every interface's IPv4. */
const otherAddresses = () => [
  '127.0.0.2',
  ...Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => i!.address),
];

async function expectLoopbackOnly(port: number): Promise<void> {
  // Linux lists its sockets in /proc; elsewhere only the connections below can tell.
  if (existsSync('/proc/net/tcp')) {
    const listening = listeningAddresses(port);
    expect(listening.length).toBeGreaterThan(0);
    expect([...new Set(listening)]).toEqual(['127.0.0.1']);
  }
  for (const address of otherAddresses())
    expect({ address, connects: await connects(address, port) }).toEqual({
      address,
      connects: 'ECONNREFUSED',
    });
  expect(await connects('127.0.0.1', port)).toBe(true);
}

describe('DynamoDB Local listens on 127.0.0.1 only', () => {
  let running: RunningDynamoDb | undefined;
  afterAll(() => running?.stop());

  it('when started by startDynamoDbLocal (npm start, the demo, the benchmarks), and it answers there', async () => {
    running = await startDynamoDbLocal({ port: await freePort() });
    await expectLoopbackOnly(running.port);
    const client = localClient(running.endpoint);
    await expect(client.send(new DescribeTableCommand({ TableName: 'none' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    client.destroy();
  });

  it("when it is the test run's shared one (globalSetup)", async () => {
    if (process.env.TEST_DYNAMODB_STARTED !== 'true') {
      // DYNAMODB_ENDPOINT named a DynamoDB of the user's: not ours to judge.
      console.warn('DYNAMODB_ENDPOINT was given: the shared DynamoDB Local was not started by this run');
      return;
    }
    await expectLoopbackOnly(Number(new URL(dynamoEndpoint()).port));
  });
});

it('without javac, npm start says which package to install (exit 1) and leaves nothing listening', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'no-javac-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  // node and java on the PATH, javac not; an empty launcher cache, so the start must compile it.
  for (const command of ['node', 'java'])
    symlinkSync(
      realpathSync(execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim()),
      path.join(bin, command),
    );
  const [port, dynamodbPort] = [await freePort(), await freePort()];
  try {
    const { code, output } = await runToEnd('local/start.ts', [], {
      PATH: bin,
      DYNAMODB_LOCAL_CACHE_DIR: path.join(dir, 'cache'),
      PORT: String(port),
      DYNAMODB_PORT: String(dynamodbPort),
      HISTORY: 'off',
    });
    expect({ code, output }).toEqual({
      code: 1,
      output: expect.stringMatching(/^npm start: javac was not found\..*openjdk-17-jdk-headless/m),
    });
    expect(output).not.toMatch(/\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(await connects('127.0.0.1', dynamodbPort)).toBe('ECONNREFUSED');
  expect(await connects('127.0.0.1', port)).toBe('ECONNREFUSED');
});
