/**
 * The dead-numbers table (DEAD_NUMBERS_TABLE in the contract): one item per recipient. Per dead-number
 * code a string set `failures_<code>` holds the SIDs of the messages that failed with it (so a replayed
 * callback adds nothing), capped at the code's threshold; `dead`, `reason`, `deadSince` and
 * `messageSid` are set once, by the failure that made it dead. Phone numbers are the key here, as `to`
 * is an attribute of the messages table; they are never logged unmasked.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DEAD_NUMBERS_TABLE } from '../../domain/contract';
import { describeTwilioError } from '../../domain/error-codes';
import type { DeadNumber } from '../../domain/dead-numbers';
import { BadCursorError, StoreUnavailableError, type DeadNumberStore } from '../../use-cases/ports';

const KEY = DEAD_NUMBERS_TABLE.partitionKey;

export class DynamoDeadNumberStore implements DeadNumberStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async countFailure(failure: {
    recipient: string;
    code: number;
    messageSid: string;
    at: string;
    cap: number;
  }): Promise<number> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [KEY]: { S: failure.recipient } },
          UpdateExpression: 'ADD #failures :sid SET #lastFailedAt = :at',
          // Bounded: once a code has counted its threshold, further messages are not kept.
          ConditionExpression:
            'attribute_not_exists(#failures) OR size(#failures) < :cap OR contains(#failures, :one)',
          ExpressionAttributeNames: {
            '#failures': `failures_${failure.code}`,
            '#lastFailedAt': 'lastFailedAt',
          },
          ExpressionAttributeValues: {
            ':sid': { SS: [failure.messageSid] },
            ':one': { S: failure.messageSid },
            ':at': { S: failure.at },
            ':cap': { N: String(failure.cap) },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return result.Attributes?.[`failures_${failure.code}`]?.SS?.length ?? 1;
    } catch (error) {
      if (isConditionFailure(error)) return failure.cap;
      throw new StoreUnavailableError(error);
    }
  }

  async markDead(dead: Omit<DeadNumber, 'reasonMessage'>): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [KEY]: { S: dead.recipient } },
          UpdateExpression: 'SET #dead = :true, #reason = :reason, #since = :since, #sid = :sid',
          ConditionExpression: 'attribute_not_exists(#dead)',
          ExpressionAttributeNames: {
            '#dead': 'dead',
            '#reason': 'reason',
            '#since': 'deadSince',
            '#sid': 'messageSid',
          },
          ExpressionAttributeValues: {
            ':true': { BOOL: true },
            ':reason': { N: String(dead.reason) },
            ':since': { S: dead.deadSince },
            ':sid': { S: dead.messageSid },
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw new StoreUnavailableError(error);
    }
  }

  async get(recipient: string): Promise<DeadNumber | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [KEY]: { S: recipient } },
          ConsistentRead: true,
        }),
      );
      return result.Item ? deadNumberOf(result.Item) : undefined;
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  async list(page: {
    limit: number;
    cursor?: string;
  }): Promise<{ deadNumbers: DeadNumber[]; nextCursor?: string }> {
    let startKey = page.cursor === undefined ? undefined : keyOfCursor(page.cursor);
    const deadNumbers: DeadNumber[] = [];
    try {
      // A Scan's Limit counts items read before the filter: read on until the page is full or the table ends.
      do {
        const result = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: '#dead = :true',
            ExpressionAttributeNames: { '#dead': 'dead' },
            ExpressionAttributeValues: { ':true': { BOOL: true } },
            Limit: page.limit - deadNumbers.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of result.Items ?? []) {
          const dead = deadNumberOf(item);
          if (dead) deadNumbers.push(dead);
        }
        startKey = result.LastEvaluatedKey;
      } while (startKey && deadNumbers.length < page.limit);
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
    const last = startKey?.[KEY]?.S;
    return last === undefined ? { deadNumbers } : { deadNumbers, nextCursor: cursorOf(last) };
  }

  async clear(recipient: string): Promise<boolean> {
    try {
      const result = await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { [KEY]: { S: recipient } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes?.dead?.BOOL === true;
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }
}

function deadNumberOf(item: Record<string, AttributeValue>): DeadNumber | undefined {
  if (item.dead?.BOOL !== true) return undefined;
  const reason = Number(item.reason?.N);
  return {
    recipient: item[KEY]?.S ?? '',
    reason,
    reasonMessage: describeTwilioError(reason).message,
    deadSince: item.deadSince?.S ?? '',
    messageSid: item.messageSid?.S ?? '',
  };
}

/** A cursor is the last key read, base64url JSON: opaque to callers, checked when handed back. */
function cursorOf(recipient: string): string {
  return Buffer.from(JSON.stringify({ r: recipient }), 'utf8').toString('base64url');
}

function keyOfCursor(cursor: string): Record<string, AttributeValue> {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { r?: unknown };
    if (typeof parsed.r === 'string' && parsed.r.length > 0) return { [KEY]: { S: parsed.r } };
  } catch {
    // falls through
  }
  throw new BadCursorError();
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
