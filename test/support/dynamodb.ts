/** A fresh messages table per suite in the shared DynamoDB Local. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '../../lambda/adapters/dynamodb';
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
