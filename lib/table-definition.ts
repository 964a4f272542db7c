/**
 * The messages table, defined once: the stack builds it with CDK and local mode (npm start, tests)
 * creates the same table in DynamoDB Local from this definition.
 */
export const MESSAGES_TABLE = {
  partitionKey: 'messageSid',
  ttlAttribute: 'expiresAt',
  /**
   * Sparse index of messages that are not final: `pendingShard` and `pendingSince` exist only while a
   * message is unfinished and are removed in the write that makes it final. Sharding spreads a high
   * send rate over several partitions; the reconciler queries each shard.
   */
  pendingIndex: {
    name: 'pending',
    partitionKey: 'pendingShard',
    sortKey: 'pendingSince',
  },
} as const;

/** The sender's idempotency table: Powertools idempotency's default key and TTL attribute names. */
export const IDEMPOTENCY_TABLE = { partitionKey: 'id', ttlAttribute: 'expiration' } as const;

/** CreateTable input for DynamoDB Local, equivalent to what the stack deploys. */
export function createTableInput(tableName: string) {
  const { partitionKey, pendingIndex } = MESSAGES_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' as const },
      { AttributeName: pendingIndex.partitionKey, AttributeType: 'S' as const },
      { AttributeName: pendingIndex.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: [
      {
        IndexName: pendingIndex.name,
        KeySchema: [
          { AttributeName: pendingIndex.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: pendingIndex.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      },
    ],
  };
}
