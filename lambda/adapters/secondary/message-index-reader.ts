/**
 * The list API's reads of the messages table: Query on one partition of one index (keys only) and
 * BatchGetItem of the items those keys name. Never a Scan. The query Lambda's role allows exactly these.
 */
import {
  BatchGetItemCommand,
  QueryCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MESSAGES_TABLE } from '../../domain/contract';
import { toMessageRecord, type MessageRecord } from '../../domain/message';
import { StoreUnavailableError, type IndexKey, type ListStore } from '../../use-cases/ports';

/** BatchGetItem takes at most 100 keys. */
const BATCH_SIZE = 100;
/** Rounds for the keys DynamoDB leaves unprocessed under load before the page fails with 503. */
const MAX_BATCH_ROUNDS = 5;

export class MessageIndexReader implements ListStore {
  /** Read capacity consumed so far, counted only with `countCapacity` (the benchmark reads it per page). */
  consumedReadUnits = 0;
  private readonly returnConsumedCapacity: 'TOTAL' | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { countCapacity?: boolean } = {},
  ) {
    this.returnConsumedCapacity = options.countCapacity ? 'TOTAL' : undefined;
  }

  async queryKeys(
    query: Parameters<ListStore['queryKeys']>[0],
  ): Promise<{ keys: IndexKey[]; more: boolean }> {
    const { from, to } = query.range;
    const values: Record<string, AttributeValue> = { ':pk': { S: query.partition } };
    let condition = '#pk = :pk';
    // One condition on the sort key at most: BETWEEN is inclusive, the exact bounds are checked on items.
    if (from !== undefined) values[':from'] = { S: from };
    if (to !== undefined) values[':to'] = { S: to };
    if (from !== undefined && to !== undefined) condition += ' AND #sk BETWEEN :from AND :to';
    else if (from !== undefined) condition += ' AND #sk >= :from';
    else if (to !== undefined) condition += ' AND #sk < :to';
    const start = query.startAfter && {
      [MESSAGES_TABLE.partitionKey]: { S: query.startAfter.messageSid },
      [query.partitionKey]: { S: query.partition },
      [query.sortKey]: { S: query.startAfter.sortKey },
    };
    try {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: query.index,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: {
            '#pk': query.partitionKey,
            ...(from !== undefined || to !== undefined ? { '#sk': query.sortKey } : {}),
          },
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: query.limit,
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: this.returnConsumedCapacity,
        }),
      );
      this.count(result.ConsumedCapacity);
      const keys = (result.Items ?? []).map((item) => ({
        sortKey: item[query.sortKey]?.S ?? '',
        messageSid: item[MESSAGES_TABLE.partitionKey]?.S ?? '',
      }));
      return { keys, more: result.LastEvaluatedKey !== undefined };
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  async getMessages(messageSids: string[]): Promise<MessageRecord[]> {
    const found: MessageRecord[] = [];
    for (let i = 0; i < messageSids.length; i += BATCH_SIZE) {
      let keys = messageSids.slice(i, i + BATCH_SIZE).map((sid) => ({
        [MESSAGES_TABLE.partitionKey]: { S: sid },
      }));
      for (let round = 0; keys.length > 0; round++) {
        if (round === MAX_BATCH_ROUNDS) throw new StoreUnavailableError(new Error('keys left unprocessed'));
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
        try {
          const result = await this.client.send(
            new BatchGetItemCommand({
              RequestItems: { [this.tableName]: { Keys: keys } },
              ReturnConsumedCapacity: this.returnConsumedCapacity,
            }),
          );
          for (const capacity of result.ConsumedCapacity ?? []) this.count(capacity);
          for (const item of result.Responses?.[this.tableName] ?? [])
            found.push(toMessageRecord(unmarshall(item)));
          keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
        } catch (error) {
          throw new StoreUnavailableError(error);
        }
      }
    }
    return found;
  }

  private count(capacity: ConsumedCapacity | undefined): void {
    this.consumedReadUnits += capacity?.CapacityUnits ?? 0;
  }
}
