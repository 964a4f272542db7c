/** DynamoDB Local for the benchmarks: the one named by DYNAMODB_ENDPOINT, or a fresh one on a free port. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput, MESSAGES_TABLE } from '../../lambda/domain/contract';
import { ensureMessagesTable, localClient, startDynamoDbLocal } from '../../local/dynamodb-local';
import { freePort } from '../../local/free-port';

export interface BenchDynamoDb {
  endpoint: string;
  /** A fresh messages table (the stack's definition) in this DynamoDB. */
  createTable(prefix: string): Promise<string>;
  /**
   * The same table definition (key, stream) without any global secondary index: what DynamoDB Local's
   * index upkeep costs shows as the difference.
   */
  createTableWithoutIndexes(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchDynamoDb(): Promise<BenchDynamoDb> {
  const tables: string[] = [];
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  let stopLocal: (() => Promise<void>) | undefined;
  if (!endpoint) {
    const running = await startDynamoDbLocal({ port: await freePort() });
    endpoint = running.endpoint;
    stopLocal = running.stop;
  }
  const target = endpoint;
  return {
    endpoint: target,
    createTable: async (prefix) => {
      const name = `bench-${prefix}-${randomUUID().slice(0, 8)}`;
      await ensureMessagesTable(target, name);
      tables.push(name);
      return name;
    },
    createTableWithoutIndexes: async (prefix) => {
      const name = `bench-${prefix}-${randomUUID().slice(0, 8)}`;
      const input = { ...createTableInput(name, []), GlobalSecondaryIndexes: undefined };
      const admin = localClient(target);
      try {
        await admin.send(
          new CreateTableCommand({
            ...input,
            AttributeDefinitions: input.AttributeDefinitions.filter(
              (a) => a.AttributeName === MESSAGES_TABLE.partitionKey,
            ),
          }),
        );
      } finally {
        admin.destroy();
      }
      tables.push(name);
      return name;
    },
    stop: async () => {
      const admin = localClient(target);
      for (const table of tables) {
        await admin.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
      }
      admin.destroy();
      await stopLocal?.();
    },
  };
}
