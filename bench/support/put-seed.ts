/** Seeded messages straight into a table, as fast as DynamoDB Local takes them (the list and console benches). */
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { pendingShardOf } from '../../lambda/domain/contract';
import { indexKeysOf } from '../../lambda/domain/index-keys';
import { rankOf } from '../../lambda/domain/lifecycle';
import { statusTimeAttribute } from '../../lambda/domain/message';
import { tagAttribute } from '../../lambda/domain/tags';
import type { SeededMessage } from '../../test/support/seed-messages';

/**
 * Writes the seeded messages as the store leaves them (what test/integration/list-messages.test.ts checks
 * the store writes), 25 to a BatchWriteItem: through the store, DynamoDB Local takes about 80 messages a
 * second with five indexes, which would make 100,000 a forty-minute setup.
 */
export async function putSeed(client: DynamoDBClient, tableName: string, messages: readonly SeededMessage[]) {
  const items = messages.map((m) => {
    const item: Record<string, unknown> = {
      messageSid: m.messageSid,
      status: m.status,
      statusRank: rankOf(m.status),
      final: m.final,
      createdAt: m.createdAt,
      updatedAt: m.createdAt,
      to: m.to,
      from: m.from,
      accountSid: m.accountSid,
      messagingServiceSid: m.messagingServiceSid,
      clientReference: m.clientReference,
      errorCode: m.errorCode,
      [statusTimeAttribute(m.status)]: m.createdAt,
      ...indexKeysOf(m as unknown as Record<string, unknown>),
      ...Object.fromEntries(Object.entries(m.tags).map(([k, v]) => [tagAttribute(k), v])),
    };
    if (!m.final)
      Object.assign(item, { pendingShard: pendingShardOf(m.messageSid, 16), pendingSince: m.createdAt });
    return marshall(item, { removeUndefinedValues: true });
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < items.length) {
        let batch = items.slice(next, (next += 25)).map((Item) => ({ PutRequest: { Item } }));
        while (batch.length) {
          const result = await client.send(
            new BatchWriteItemCommand({ RequestItems: { [tableName]: batch } }),
          );
          batch = (result.UnprocessedItems?.[tableName] ?? []) as typeof batch;
        }
      }
    }),
  );
}
