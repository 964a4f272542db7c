/** A fresh messages table per suite in the shared DynamoDB Local. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '../../lambda/adapters/secondary/dynamodb';
import { MessageStore } from '../../lambda/adapters/secondary/message-store';
import type { ApplyOptions } from '../../lambda/domain/apply-observation';
import { STORE_DEFAULTS } from '../../lambda/domain/contract';
import { recordingThrough, type RecordingStore } from '../../lambda/use-cases/record-observation';

/** The app's MessageStore with the apply rule on it, as every recording path gets it. */
export type TrackerStore = RecordingStore<MessageStore>;

/** A MessageStore on `client` that records through the apply rule (with `options`, else the defaults). */
export function trackerStore(
  client: DynamoDBClient,
  tableName: string,
  options: ApplyOptions = STORE_DEFAULTS,
): TrackerStore {
  return recordingThrough(new MessageStore(client, tableName), options);
}
import { ensureMessagesTable, localClient, localDocumentClient } from '../../local/dynamodb-local';

export interface TestTable {
  tableName: string;
  /** The client the app's MessageStore runs on (as in the Lambdas). */
  dynamo: DynamoDBClient;
  /** A document client for reading items back in assertions. */
  client: DynamoDBDocumentClient;
  drop(): Promise<void>;
}

export function dynamoEndpoint(): string {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      'DYNAMODB_ENDPOINT is not set: only the dynamodb project starts DynamoDB Local; ' +
        'add this suite to DYNAMODB_SUITES in jest.config.js',
    );
  }
  return endpoint;
}

export async function createTestTable(prefix = 'messages'): Promise<TestTable> {
  const endpoint = dynamoEndpoint();
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureMessagesTable(endpoint, tableName);
  const dynamo = createDynamoClient({ endpoint });
  const client = localDocumentClient(endpoint);
  return {
    tableName,
    dynamo,
    client,
    drop: async () => {
      const admin = localClient(endpoint);
      await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      admin.destroy();
      client.destroy();
      dynamo.destroy();
    },
  };
}

/**
 * A fresh table and the app's MessageStore on it (with `options`, else the defaults) for every test of
 * the file or describe block: created in beforeAll, dropped in afterAll. Read `table` and `store` inside
 * tests and hooks, once beforeAll has run.
 */
export function useMessageStore(
  prefix: string,
  options?: ApplyOptions,
): {
  readonly table: TestTable;
  readonly store: TrackerStore;
  /** The same table behind an endpoint where no DynamoDB answers. */
  unreachableStore(): TrackerStore;
} {
  let created: { table: TestTable; store: TrackerStore } | undefined;
  beforeAll(async () => {
    const table = await createTestTable(prefix);
    created = { table, store: trackerStore(table.dynamo, table.tableName, options) };
  });
  afterAll(() => created?.table.drop());
  const ready = () => {
    if (!created) throw new Error('the test table is made in beforeAll: use it inside a test or hook');
    return created;
  };
  return {
    get table() {
      return ready().table;
    },
    get store() {
      return ready().store;
    },
    unreachableStore: () =>
      // Port 9 (discard) has no listener here; one attempt, so the test sees the failure at once.
      trackerStore(
        createDynamoClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
        ready().table.tableName,
        options,
      ),
  };
}
