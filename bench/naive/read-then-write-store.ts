/**
 * The naive baseline for the DynamoDB-cost benchmark: read the item, merge the observation in memory,
 * write the whole item back (GetItem then PutItem for every callback). It follows the same lifecycle
 * rule, but it pays a read and a write per callback even for a duplicate, and without a condition two
 * concurrent callbacks of one message can overwrite each other (the benchmark runs each message's
 * callbacks one after another, so the comparison is about cost only).
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApplyResult } from '../../lambda/domain/apply-observation';
import { isFinal, rankOf } from '../../lambda/domain/lifecycle';
import { statusTimeAttribute } from '../../lambda/domain/message';
import { DESCRIPTIVE_FIELDS, type StatusObservation } from '../../lambda/domain/observation';

export class ReadThenWriteStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async apply(observation: StatusObservation): Promise<ApplyResult> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { messageSid: observation.messageSid },
        ConsistentRead: true,
      }),
    );
    const item: Record<string, unknown> = { ...(Item ?? { messageSid: observation.messageSid }) };
    let outcome: ApplyResult['outcome'] = 'duplicate';

    const timeKey = statusTimeAttribute(observation.status);
    if (item[timeKey] === undefined) {
      item[timeKey] = observation.observedAt;
      outcome = 'stale';
    }
    const rank = rankOf(observation.status);
    const storedRank = typeof item.statusRank === 'number' ? item.statusRank : undefined;
    if (rank !== undefined && (storedRank === undefined || rank > storedRank)) {
      item.status = observation.status;
      item.statusRank = rank;
      item.final = isFinal(observation.status);
      item.source = observation.source;
      if (observation.errorCode !== undefined) item.errorCode = observation.errorCode;
      else delete item.errorCode;
      outcome = 'advanced';
    }
    for (const field of DESCRIPTIVE_FIELDS) {
      if (item[field] === undefined && observation[field] !== undefined) item[field] = observation[field];
    }
    item.createdAt ??= observation.observedAt;
    item.updatedAt = observation.observedAt;
    item.callbackCount = (typeof item.callbackCount === 'number' ? item.callbackCount : 0) + 1;
    item.lastCallbackAt = observation.observedAt;

    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return { outcome, requests: 2 };
  }
}
