/**
 * The DynamoDB side of the message item: the conditional write the domain plans (the rule that plans it,
 * and the second write, are domain/apply-observation.ts, run by use-cases/record-observation.ts), the
 * pending index, and the read the query API needs. Nothing else in the code base writes the table.
 *
 * It speaks to the plain DynamoDBClient and marshals values itself rather than going through the
 * document client (lib-dynamodb): the document client cannot run with `cacheMiddleware`, so every call
 * would rebuild the SDK's middleware stack. On the callback path that is CPU the Lambda pays per
 * message (bench/ measures the difference).
 */
import {
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { MESSAGES_TABLE } from '../../domain/contract';
import type { MessageWriter, WriteResult } from '../../domain/apply-observation';
import type { UpdatePlan } from '../../domain/update-expression';
import { toMessageRecord, type MessageRecord } from '../../domain/message';
import { PRICE_MICROS_ATTRIBUTE, priceAttemptPlan, priceWritePlan } from '../../domain/message-price';
import type { Price } from '../../domain/price';
import {
  StoreUnavailableError,
  type PageCursor,
  type PendingEntry,
  type PriceStore,
  type ReconcilerStore,
} from '../../use-cases/ports';

/** Where a page of the pending index ended: DynamoDB's LastEvaluatedKey. */
type PageKey = Record<string, AttributeValue>;

const MARSHALL_OPTIONS = { removeUndefinedValues: true } as const;

/** What the reconciler needs of the table besides recording: its pending index and its two reads. */
export type PendingIndex = Omit<ReconcilerStore, 'apply'>;

export class MessageStore implements MessageWriter, PendingIndex, PriceStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async write(plan: UpdatePlan): Promise<WriteResult> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { messageSid: { S: plan.messageSid } },
          UpdateExpression: plan.updateExpression,
          ConditionExpression: plan.conditionExpression,
          ExpressionAttributeNames: plan.names,
          ExpressionAttributeValues: marshall(plan.values, MARSHALL_OPTIONS),
          ReturnValues: plan.returnPrevious ? 'ALL_OLD' : 'NONE',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true, previous: result.Attributes && unmarshall(result.Attributes) };
    } catch (error) {
      if (isConditionFailure(error)) {
        const item = (error as { Item?: Record<string, AttributeValue> }).Item;
        return { written: false, current: item && unmarshall(item) };
      }
      throw new StoreUnavailableError(error);
    }
  }

  /**
   * Whether the table answers: an eventually consistent read of a key no message has (half a read
   * unit). The sender calls it before Twilio, so nothing is sent that could not be recorded.
   */
  async checkReachable(): Promise<void> {
    try {
      await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [MESSAGES_TABLE.partitionKey]: { S: REACHABILITY_KEY } },
          ProjectionExpression: '#key',
          ExpressionAttributeNames: { '#key': MESSAGES_TABLE.partitionKey },
        }),
      );
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  /** The account a message belongs to, as recorded (a reconciler read: the pending index keeps keys only). */
  async accountOf(messageSid: string): Promise<string | undefined> {
    // Only the one attribute: a run reads this for every pending message it polls.
    try {
      const result = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [MESSAGES_TABLE.partitionKey]: { S: messageSid } },
          ProjectionExpression: '#account',
          ExpressionAttributeNames: { '#account': ACCOUNT_ATTRIBUTE },
          ConsistentRead: true,
        }),
      );
      return result.Item?.[ACCOUNT_ATTRIBUTE]?.S;
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  /** Messages in one shard of the pending index that have been pending since before `olderThan`, oldest first. */
  async queryPending(
    shard: string,
    olderThan: string,
    limit: number,
    startKey?: PageCursor,
  ): Promise<{ entries: PendingEntry[]; nextKey?: PageCursor }> {
    const { pendingIndex } = MESSAGES_TABLE;
    try {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: pendingIndex.name,
          KeyConditionExpression: '#shard = :shard AND #since < :olderThan',
          ExpressionAttributeNames: { '#shard': pendingIndex.partitionKey, '#since': pendingIndex.sortKey },
          ExpressionAttributeValues: { ':shard': { S: shard }, ':olderThan': { S: olderThan } },
          Limit: limit,
          // Only this method makes cursors (from LastEvaluatedKey), so one handed back is a PageKey.
          ExclusiveStartKey: startKey as PageKey | undefined,
        }),
      );
      return {
        entries: (result.Items ?? []).map((item) => ({
          messageSid: item.messageSid?.S ?? '',
          pendingSince: item.pendingSince?.S ?? '',
        })),
        nextKey: result.LastEvaluatedKey,
      };
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  /**
   * Gives up on a message that stayed unfinished past the reconciler's horizon: marks it `unresolved` and
   * takes it out of the pending index, unless it became final meanwhile. True when it was marked.
   */
  async markUnresolved(messageSid: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { messageSid: { S: messageSid } },
          UpdateExpression: 'SET #unresolved = :true, #updatedAt = :at REMOVE #shard, #since',
          ConditionExpression:
            'attribute_exists(#shard) AND (attribute_not_exists(#final) OR #final = :false)',
          ExpressionAttributeNames: {
            '#unresolved': 'unresolved',
            '#updatedAt': 'updatedAt',
            '#shard': MESSAGES_TABLE.pendingIndex.partitionKey,
            '#since': MESSAGES_TABLE.pendingIndex.sortKey,
            '#final': 'final',
          },
          ExpressionAttributeValues: { ':true': { BOOL: true }, ':false': { BOOL: false }, ':at': { S: at } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new StoreUnavailableError(error);
    }
  }

  /** The message's account and whether it has a price: one consistent read of two attributes. */
  async priceStateOf(messageSid: string): Promise<{ accountSid?: string; priced: boolean } | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [MESSAGES_TABLE.partitionKey]: { S: messageSid } },
          ProjectionExpression: '#key, #account, #price',
          ExpressionAttributeNames: {
            '#key': MESSAGES_TABLE.partitionKey,
            '#account': ACCOUNT_ATTRIBUTE,
            '#price': PRICE_MICROS_ATTRIBUTE,
          },
          ConsistentRead: true,
        }),
      );
      if (!result.Item) return undefined;
      const accountSid = result.Item[ACCOUNT_ATTRIBUTE]?.S;
      return { ...(accountSid ? { accountSid } : {}), priced: PRICE_MICROS_ATTRIBUTE in result.Item };
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  /** Records the price unless the item has one (or does not exist): true when it was written. */
  async recordPrice(messageSid: string, price: Price, attempts: number, at: string): Promise<boolean> {
    return (await this.write(priceWritePlan(messageSid, price, attempts, at))).written;
  }

  /** Counts a read of the Messages API that found no price yet (nothing once a price is stored). */
  async notePriceAttempt(messageSid: string, attempts: number): Promise<void> {
    await this.write(priceAttemptPlan(messageSid, attempts));
  }

  async get(messageSid: string): Promise<MessageRecord | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { messageSid: { S: messageSid } },
          ConsistentRead: true,
        }),
      );
      return result.Item ? toMessageRecord(unmarshall(result.Item)) : undefined;
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }
}

/** Not a message SID (SM/MM and 32 hex), so no message is ever stored under it. */
const REACHABILITY_KEY = 'reachability-check';

/** The stored attribute of MessageRecord.accountSid. */
const ACCOUNT_ATTRIBUTE = 'accountSid' satisfies keyof MessageRecord;

/** By name rather than instanceof: the SDK may hand back an exception class from another copy of itself. */
function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
