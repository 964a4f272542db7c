/**
 * What the realistic callback stream costs in write capacity, table and every index, as DynamoDB itself
 * reports it (`ReturnConsumedCapacity: INDEXES` on every UpdateItem the real callback handler and store
 * send). A write refused by its condition returns no ConsumedCapacity; DynamoDB bills it on the size
 * of the stored item it was checked against (at least 1 WCU), so it is counted so, from the item the
 * refusal returns.
 */
import {
  DeleteTableCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createDynamoClient } from '../../lambda/adapters/secondary/dynamodb';
import { MessageStore } from '../../lambda/adapters/secondary/message-store';
import { STORE_DEFAULTS } from '../../lambda/domain/contract';
import { recordingThrough } from '../../lambda/use-cases/record-observation';
import { createStatusCallbackHandler } from '../../lambda/adapters/primary/status-callback-endpoint';
import { environmentCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import type { ListIndexName } from '../../lambda/domain/contract';
import type { Tags } from '../../lambda/domain/tags';
import { ensureMessagesTable } from '../../local/dynamodb-local';
import { silentLogger } from '../../test/reliability/support';
import { itemSize } from '../dynamodb-cost';
import { buildRealisticStream, runLanes, signedCallbackEvent } from './callback-stream';
import { percentile } from './stats';

const TOKEN = 'bench-wcu-token-0123456789abcdef';

export interface Capacity {
  table: number;
  indexes: Record<string, number>;
  /** UpdateItems the table billed (a write refused by its condition included). */
  writes: number;
  /** Of those, the ones that cost the table more than 1 WCU (an item over 1 KB). */
  writesOverOne: number;
}

/** Asks DynamoDB for the capacity of every UpdateItem this client sends, and adds it up. */
function recordCapacity(client: DynamoDBClient): Capacity {
  const totals: Capacity = { table: 0, indexes: {}, writes: 0, writesOverOne: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'UpdateItemCommand') return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      try {
        const result = await next(args);
        const consumed = (
          result.output as {
            ConsumedCapacity?: {
              Table?: { CapacityUnits?: number };
              GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
            };
          }
        ).ConsumedCapacity;
        const units = consumed?.Table?.CapacityUnits ?? 0;
        totals.table += units;
        totals.writes += 1;
        if (units > 1) totals.writesOverOne += 1;
        for (const [name, index] of Object.entries(consumed?.GlobalSecondaryIndexes ?? {})) {
          totals.indexes[name] = (totals.indexes[name] ?? 0) + (index.CapacityUnits ?? 0);
        }
        return result;
      } catch (error) {
        const refused = error as { name?: string; Item?: Record<string, AttributeValue> };
        if (refused.name === 'ConditionalCheckFailedException') {
          // Billed on the size of the item it was checked against (the store asks for it: ALL_OLD).
          const units = Math.max(1, Math.ceil(itemSize(refused.Item ? unmarshall(refused.Item) : {}) / 1024));
          totals.table += units;
          totals.writes += 1;
          if (units > 1) totals.writesOverOne += 1;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'recordCapacity' },
  );
  return totals;
}

export interface WriteCostOptions {
  indexes: readonly ListIndexName[];
  messages: number;
  /** The sender's write first (Twilio's creation time, a clientReference and these tags). */
  sender?: { tags: Tags };
  /** The table also has the sparse `byTag` index for this tag key (the construct's `tagIndexKey`). */
  tagIndexKey?: string;
  /** A run stops with an error past this (default 600 s). */
  limitMs?: number;
}

export interface WriteCost {
  capacity: Capacity;
  callbacks: number;
  messages: number;
  indexTotal: number;
  /** Every index but the reconciler's `pending`, which existed before the list API. */
  newIndexes: number;
  /** Final items by DynamoDB's sizing rules. */
  itemBytes: { p99: number; max: number };
}

export async function writeCost(endpoint: string, options: WriteCostOptions): Promise<WriteCost> {
  const { indexes, messages, sender, tagIndexKey } = options;
  const tableName = `bench-wcu-${indexes.length}-${sender ? 's' : 'c'}${tagIndexKey ? '-t' : ''}-${Date.now()}`;
  await ensureMessagesTable(endpoint, tableName, indexes, tagIndexKey);
  const client = createDynamoClient({ endpoint });
  const capacity = recordCapacity(client);
  const store = recordingThrough(new MessageStore(client, tableName), {
    ...STORE_DEFAULTS,
    ...(tagIndexKey ? { tagIndexKey } : {}),
  });
  const handler = createStatusCallbackHandler({
    store,
    credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: TOKEN })!,
    logger: silentLogger,
  });
  const stream = buildRealisticStream({ messages, seed: 42 });
  const lanes = stream.lanes.map((lane) =>
    lane.map((callback) => ({ callback, first: lane[0] === callback })),
  );
  await runLanes(
    lanes,
    8,
    async ({ callback, first }) => {
      if (first && sender) {
        const to = callback.params.find(([k]) => k === 'To')?.[1] ?? '+15550000000';
        await store.apply({
          messageSid: callback.messageSid,
          status: 'queued',
          observedAt: new Date().toISOString(),
          createdAt: new Date().toISOString(),
          source: 'send',
          to,
          clientReference: `order-${callback.messageSid.slice(-6)}`,
          tags: sender.tags,
        });
      }
      const response = await handler(signedCallbackEvent(callback.params, TOKEN));
      if (response.statusCode !== 200) throw new Error(`callback answered ${response.statusCode}`);
    },
    options.limitMs ?? 600_000,
  );
  const sizes = await itemSizes(client, tableName);
  // Each run leaves nothing behind in the shared DynamoDB Local.
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
  const indexTotal = Object.values(capacity.indexes).reduce((a, b) => a + b, 0);
  const newIndexes = Object.entries(capacity.indexes)
    .filter(([name]) => name !== 'pending')
    .reduce((a, [, b]) => a + b, 0);
  return { capacity, callbacks: stream.callbacks, messages, indexTotal, newIndexes, itemBytes: sizes };
}

async function itemSizes(client: DynamoDBClient, tableName: string): Promise<WriteCost['itemBytes']> {
  const sizes: number[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey as never }),
    );
    for (const item of page.Items ?? []) sizes.push(itemSize(unmarshall(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { p99: percentile(sizes, 99), max: Math.max(...sizes) };
}

/** `count` tags whose keys and values take `bytes` UTF-8 bytes in all (the limit's measure). */
export function tagsOfBytes(bytes: number, count: number): Tags {
  const tags: Tags = {};
  let left = bytes;
  for (let i = 0; i < count; i++) {
    const key = `tag${i}`;
    const valueLength = Math.floor((left - key.length * (count - i)) / (count - i));
    tags[key] = 'v'.repeat(Math.max(0, valueLength));
    left -= key.length + tags[key].length;
  }
  return tags;
}
