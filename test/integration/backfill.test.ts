/**
 * The upgrade of a deployed tracker: items written before the list indexes existed lack `timeBucket`
 * (and `failureBucket`), so the day-partitioned indexes do not see them until the backfill has run.
 * Against DynamoDB Local: old items written as the released version wrote them, the backfill, then the
 * list API finds every message; a second run writes nothing.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { MessageIndexReader } from '../../lambda/adapters/secondary/message-index-reader';
import { LIST_INDEX_NAMES } from '../../lambda/domain/contract';
import { parseListRequest } from '../../lambda/domain/list-query';
import { createMessageLister } from '../../lambda/use-cases/list-messages';
import { backfillListIndexes } from '../../scripts/backfill';
import { useMessageStore } from '../support/dynamodb';
import { applySeed, seedMessages } from '../support/seed-messages';

const db = useMessageStore('backfill');
const now = new Date();
const old = seedMessages(200, { endAt: now, spacingMs: 600_000, seed: 3 });
const fresh = seedMessages(50, { endAt: new Date(now.getTime() - 1000), spacingMs: 600_000, seed: 4 }).map(
  (m) => ({ ...m, messageSid: m.messageSid.replace(/^SM0/, 'SMf') }),
);

beforeAll(async () => {
  const { table, store } = db;
  // The released version's items: the same attributes, none of the new index keys.
  await applySeed(store, [...old, ...fresh]);
  for (const message of old) {
    const item = (await store.get(message.messageSid))!;
    // The released version had no tags; its status times were top-level attributes, as now.
    const stored: Record<string, unknown> = { ...item };
    delete stored.tags;
    delete stored.statusTimes;
    for (const [status, time] of Object.entries(item.statusTimes)) stored[`statusAt_${status}`] = time;
    await table.dynamo.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: marshall(stored, { removeUndefinedValues: true }),
      }),
    );
  }
}, 120_000);

async function listAll(query: string): Promise<string[]> {
  const lister = createMessageLister({
    store: new MessageIndexReader(db.table.dynamo, db.table.tableName),
    setup: { available: LIST_INDEX_NAMES, pendingShards: 16 },
  });
  const params = Object.fromEntries([...new URLSearchParams(query)].map(([k, v]) => [k, [v]]));
  const parsed = parseListRequest({ ...params, limit: ['1000'] });
  if (!parsed.ok) throw new Error(parsed.error.message);
  const outcome = await lister(parsed.request);
  if (outcome.kind !== 'page' || outcome.nextCursor) throw new Error('expected one page');
  return outcome.messages.map((m) => m.messageSid).sort();
}

it('finds old messages through the time and failure indexes only after the backfill, which is idempotent', async () => {
  const since = `since=${new Date(now.getTime() - 3 * 86_400_000).toISOString()}`;
  const failures = (ms: typeof old) =>
    ms.filter((m) => ['failed', 'undelivered', 'canceled'].includes(m.status)).map((m) => m.messageSid);
  expect(await listAll(since)).toEqual(fresh.map((m) => m.messageSid).sort());

  const first = await backfillListIndexes(db.table.dynamo, db.table.tableName);
  expect(first).toEqual({ scanned: 250, updated: 200, alreadyRight: 50, changedMeanwhile: 0 });

  expect(await listAll(since)).toEqual([...old, ...fresh].map((m) => m.messageSid).sort());
  expect(await listAll(`${since}&status=failed,undelivered,canceled`)).toEqual(
    [...failures(old), ...failures(fresh)].sort(),
  );
  expect(await backfillListIndexes(db.table.dynamo, db.table.tableName)).toEqual({
    scanned: 250,
    updated: 0,
    alreadyRight: 250,
    changedMeanwhile: 0,
  });
});
