/**
 * The conditional write against the official DynamoDB Local: arrival order, duplicates, replays and
 * concurrency must never move a message backwards or lose a first-seen time.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { MessageStore } from '../../lambda/adapters/message-store';
import type { StatusObservation } from '../../lambda/domain/observation';
import { createTestTable, type TestTable } from '../support/dynamodb';

let table: TestTable;
let store: MessageStore;
let sidCounter = 0;

beforeAll(async () => {
  table = await createTestTable();
  store = new MessageStore(table.dynamo, table.tableName, { retentionDays: 30, pendingShards: 4 });
});
afterAll(() => table.drop());

function newSid(): string {
  sidCounter++;
  return `SM${sidCounter.toString(16).padStart(32, '0')}`;
}

function observation(
  messageSid: string,
  status: string,
  second: number,
  extra: Partial<StatusObservation> = {},
) {
  return {
    messageSid,
    status,
    observedAt: new Date(Date.UTC(2026, 10, 23, 10, 0, second)).toISOString(),
    source: 'callback',
    ...extra,
  } satisfies StatusObservation;
}

async function rawItem(messageSid: string): Promise<Record<string, unknown> | undefined> {
  const result = await table.client.send(new GetCommand({ TableName: table.tableName, Key: { messageSid } }));
  return result.Item;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('every arrival order ends at the highest-ranked status with every first-seen time', () => {
  const lifecycles: Array<{ name: string; statuses: string[]; final: string }> = [
    {
      name: 'SMS delivered',
      statuses: ['accepted', 'queued', 'sending', 'sent', 'delivered'],
      final: 'delivered',
    },
    { name: 'WhatsApp read', statuses: ['queued', 'sent', 'delivered', 'read'], final: 'read' },
    { name: 'undelivered', statuses: ['queued', 'sending', 'sent', 'undelivered'], final: 'undelivered' },
    { name: 'failed', statuses: ['accepted', 'queued', 'failed'], final: 'failed' },
  ];

  it.each(lifecycles)('$name: all permutations', async ({ statuses, final }) => {
    // Each status is observed at its lifecycle second, whatever order the callbacks arrive in.
    const orders = permutations(statuses);
    await Promise.all(
      orders.map(async (order) => {
        const sid = newSid();
        for (const status of order) {
          await store.apply(
            observation(
              sid,
              status,
              statuses.indexOf(status),
              status === 'undelivered' ? { errorCode: 30003 } : {},
            ),
          );
        }
        const record = await store.get(sid);
        expect(record?.status).toBe(final);
        expect(record?.final).toBe(true);
        expect(record?.statusTimes).toEqual(
          Object.fromEntries(statuses.map((s, i) => [s, observation(sid, s, i).observedAt])),
        );
        if (final === 'undelivered') expect(record?.errorCode).toBe(30003);
      }),
    );
    expect(orders.length).toBeGreaterThan(1);
  });
});

describe('duplicates and replays', () => {
  it('change nothing and cost one request each', async () => {
    const sid = newSid();
    const statuses = ['queued', 'sent', 'delivered'];
    for (const [i, status] of statuses.entries()) {
      expect((await store.apply(observation(sid, status, i))).outcome).toBe('advanced');
    }
    const before = await rawItem(sid);
    // Replay the whole stream later, as Twilio's retries or an attacker's replay would.
    for (const [i, status] of statuses.entries()) {
      const result = await store.apply(observation(sid, status, 100 + i));
      expect(result).toEqual({ outcome: 'duplicate', requests: 1 });
    }
    expect(await rawItem(sid)).toEqual(before);
  });

  it('a stale status costs one more write and moves nothing back', async () => {
    const sid = newSid();
    await store.apply(observation(sid, 'delivered', 5, { rawDlrDoneDate: '2611231000' }));
    const stale = await store.apply(observation(sid, 'sent', 3));
    expect(stale).toEqual({ outcome: 'stale', requests: 2 });
    const record = await store.get(sid);
    expect(record?.status).toBe('delivered');
    expect(Object.keys(record?.statusTimes ?? {}).sort()).toEqual(['delivered', 'sent']);
  });
});

describe('what the item keeps', () => {
  it('error details belong to the failure; a later delivered receipt clears them', async () => {
    const sid = newSid();
    await store.apply(observation(sid, 'undelivered', 1, { errorCode: 30005 }));
    expect(await store.get(sid)).toMatchObject({
      status: 'undelivered',
      errorCode: 30005,
      errorMessage: expect.stringMatching(/unknown destination/i),
    });
    await store.apply(observation(sid, 'delivered', 2));
    const record = await store.get(sid);
    expect(record?.status).toBe('delivered');
    expect(record?.errorCode).toBeUndefined();
    expect(record?.errorMessage).toBeUndefined();
  });

  it('an error code on a non-failure status is not stored', async () => {
    const sid = newSid();
    await store.apply(observation(sid, 'sent', 1, { errorCode: 30003 }));
    expect((await store.get(sid))?.errorCode).toBeUndefined();
  });

  it('the sender record arriving after early callbacks fills its fields and keeps the status', async () => {
    const sid = newSid();
    await store.apply(observation(sid, 'sent', 2));
    const send = observation(sid, 'queued', 0, {
      source: 'send',
      to: '+14155551234',
      from: '+15017250604',
      clientReference: 'order-42',
      createdAt: '2026-11-23T09:59:59.000Z',
    });
    expect((await store.apply(send)).outcome).toBe('stale');
    const record = await store.get(sid);
    expect(record).toMatchObject({
      status: 'sent',
      to: '+14155551234',
      clientReference: 'order-42',
      // Twilio's creation time replaces the callback's first-seen guess.
      createdAt: '2026-11-23T09:59:59.000Z',
    });
    expect(record?.statusTimes.queued).toBe(send.observedAt);
    // The same record sent again (SQS redelivery) teaches nothing.
    expect((await store.apply(send)).outcome).toBe('duplicate');
  });

  it('an unknown status is recorded in the times and never moves the status', async () => {
    const sid = newSid();
    await store.apply(observation(sid, 'sent', 1));
    expect((await store.apply(observation(sid, 'teleported', 2))).outcome).toBe('stale');
    expect((await store.apply(observation(sid, 'teleported', 3))).outcome).toBe('duplicate');
    const record = await store.get(sid);
    expect(record?.status).toBe('sent');
    expect(record?.statusTimes.teleported).toBe(observation(sid, 'x', 2).observedAt);
  });

  it('counts callbacks that taught something and sets TTL from the retention', async () => {
    const sid = newSid();
    await store.apply(observation(sid, 'queued', 1));
    await store.apply(observation(sid, 'sent', 2));
    await store.apply(observation(sid, 'sent', 3));
    const item = await rawItem(sid);
    expect(item?.callbackCount).toBe(2);
    expect(item?.lastCallbackAt).toBe(observation(sid, 'sent', 2).observedAt);
    expect(item?.expiresAt).toBe(Date.UTC(2026, 10, 23, 10, 0, 2) / 1000 + 30 * 86_400);
  });

  it('sits in the pending index while not final and leaves it in the write that makes it final', async () => {
    const sid = newSid();
    await store.apply(observation(sid, 'queued', 1));
    const pending = await rawItem(sid);
    expect(pending?.pendingShard).toMatch(/^p[0-3]$/);
    expect(pending?.pendingSince).toBe(observation(sid, 'queued', 1).observedAt);
    await store.apply(observation(sid, 'delivered', 2));
    const done = await rawItem(sid);
    expect(done?.pendingShard).toBeUndefined();
    expect(done?.pendingSince).toBeUndefined();
    // The query view never shows index attributes.
    expect(Object.keys((await store.get(sid)) ?? {})).not.toContain('pendingShard');
  });
});

describe('concurrent callbacks for one message', () => {
  it('end at the highest status with every time, whatever interleaving', async () => {
    const statuses = ['accepted', 'queued', 'sending', 'sent', 'delivered', 'read'];
    const sids = Array.from({ length: 25 }, newSid);
    await Promise.all(
      sids.flatMap((sid) =>
        [...statuses, ...statuses].map((status, i) =>
          store.apply(observation(sid, status, i % statuses.length)),
        ),
      ),
    );
    for (const sid of sids) {
      const record = await store.get(sid);
      expect(record?.status).toBe('read');
      expect(record?.statusRank).toBe(7);
      expect(Object.keys(record?.statusTimes ?? {}).sort()).toEqual([...statuses].sort());
    }
  });
});
