/**
 * The conditional write against the official DynamoDB Local: arrival order, duplicates, replays and
 * concurrency must never move a message backwards or lose a first-seen time.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StatusObservation } from '../../lambda/domain/observation';
import { planRecord } from '../../lambda/domain/apply-observation';
import { useMessageStore } from '../support/dynamodb';

const db = useMessageStore('messages', { retentionDays: 30, pendingShards: 4 });
let sidCounter = 0;

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
  const result = await db.table.client.send(
    new GetCommand({ TableName: db.table.tableName, Key: { messageSid } }),
  );
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
          await db.store.apply(
            observation(
              sid,
              status,
              statuses.indexOf(status),
              status === 'undelivered' ? { errorCode: 30003 } : {},
            ),
          );
        }
        const record = await db.store.get(sid);
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
      expect((await db.store.apply(observation(sid, status, i))).outcome).toBe('advanced');
    }
    const before = await rawItem(sid);
    // Replay the whole stream later, as Twilio's retries or an attacker's replay would.
    for (const [i, status] of statuses.entries()) {
      const result = await db.store.apply(observation(sid, status, 100 + i));
      expect(result).toEqual({ outcome: 'duplicate', requests: 1 });
    }
    expect(await rawItem(sid)).toEqual(before);
  });

  it('a stale status costs one more write and moves nothing back', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'delivered', 5, { rawDlrDoneDate: '2611231000' }));
    const stale = await db.store.apply(observation(sid, 'sent', 3));
    expect(stale).toEqual({ outcome: 'stale', requests: 2 });
    const record = await db.store.get(sid);
    expect(record?.status).toBe('delivered');
    expect(Object.keys(record?.statusTimes ?? {}).sort()).toEqual(['delivered', 'sent']);
  });
});

/** An undelivered message as the store writes it, read back raw. */
async function appliedItem(sid: string): Promise<Record<string, unknown>> {
  await db.store.apply(
    observation(sid, 'undelivered', 1, { errorCode: 30003, rawDlrDoneDate: '2611231042' }),
  );
  return (await rawItem(sid))!;
}

describe('what the item keeps', () => {
  it('error details belong to the failure; a later delivered receipt clears them', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'undelivered', 1, { errorCode: 30005 }));
    expect(await db.store.get(sid)).toMatchObject({
      status: 'undelivered',
      errorCode: 30005,
      errorMessage: expect.stringMatching(/unknown destination/i),
    });
    await db.store.apply(observation(sid, 'delivered', 2));
    const record = await db.store.get(sid);
    expect(record?.status).toBe('delivered');
    expect(record?.errorCode).toBeUndefined();
    expect(record?.errorMessage).toBeUndefined();
  });

  it('stores neither the error text nor the ISO done date: they are read from the code and the raw date', async () => {
    const sid = newSid();
    await db.store.apply(
      observation(sid, 'undelivered', 1, { errorCode: 30003, rawDlrDoneDate: '2611231042' }),
    );
    const item = await rawItem(sid);
    expect(item).toMatchObject({ errorCode: 30003, rawDlrDoneDate: '2611231042' });
    expect(item).not.toHaveProperty('errorMessage');
    expect(item).not.toHaveProperty('dlrDoneAt');
    expect(await db.store.get(sid)).toMatchObject({
      errorMessage: expect.stringMatching(/unreachable destination handset/i),
      dlrDoneAt: '2026-11-23T10:42:00.000Z',
    });
  });

  it('an item written when the error text was stored reads the same, and a delivered receipt clears it', async () => {
    const sid = newSid();
    await db.table.client.send(
      new PutCommand({
        TableName: db.table.tableName,
        Item: {
          ...(await appliedItem(sid)),
          errorMessage: 'Unreachable destination handset',
          dlrDoneAt: 'x',
        },
      }),
    );
    expect((await db.store.get(sid))?.dlrDoneAt).toBe('2026-11-23T10:42:00.000Z');
    await db.store.apply(observation(sid, 'delivered', 2));
    const item = await rawItem(sid);
    expect(item).not.toHaveProperty('errorMessage');
    expect(item).not.toHaveProperty('errorCode');
  });

  it('an error code on a non-failure status is not stored', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'sent', 1, { errorCode: 30003 }));
    expect((await db.store.get(sid))?.errorCode).toBeUndefined();
  });

  it('the sender record arriving after early callbacks fills its fields and keeps the status', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'sent', 2));
    const send = observation(sid, 'queued', 0, {
      source: 'send',
      to: '+14155551234',
      from: '+15017250604',
      clientReference: 'order-42',
      createdAt: '2026-11-23T09:59:59.000Z',
    });
    expect((await db.store.apply(send)).outcome).toBe('stale');
    const record = await db.store.get(sid);
    expect(record).toMatchObject({
      status: 'sent',
      to: '+14155551234',
      clientReference: 'order-42',
      // Twilio's creation time replaces the callback's first-seen guess.
      createdAt: '2026-11-23T09:59:59.000Z',
    });
    expect(record?.statusTimes.queued).toBe(send.observedAt);
    // The same record sent again (SQS redelivery) teaches nothing.
    expect((await db.store.apply(send)).outcome).toBe('duplicate');
  });

  it('an unknown status is recorded in the times and never moves the status', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'sent', 1));
    expect((await db.store.apply(observation(sid, 'teleported', 2))).outcome).toBe('stale');
    expect((await db.store.apply(observation(sid, 'teleported', 3))).outcome).toBe('duplicate');
    const record = await db.store.get(sid);
    expect(record?.status).toBe('sent');
    expect(record?.statusTimes.teleported).toBe(observation(sid, 'x', 2).observedAt);
  });

  it('counts callbacks that taught something and sets TTL from the retention', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'queued', 1));
    await db.store.apply(observation(sid, 'sent', 2));
    await db.store.apply(observation(sid, 'sent', 3));
    const item = await rawItem(sid);
    expect(item?.callbackCount).toBe(2);
    expect(item?.lastCallbackAt).toBe(observation(sid, 'sent', 2).observedAt);
    expect(item?.expiresAt).toBe(Date.UTC(2026, 10, 23, 10, 0, 2) / 1000 + 30 * 86_400);
  });

  it('sits in the pending index while not final and leaves it in the write that makes it final', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'queued', 1));
    const pending = await rawItem(sid);
    expect(pending?.pendingShard).toMatch(/^p[0-3]$/);
    expect(pending?.pendingSince).toBe(observation(sid, 'queued', 1).observedAt);
    await db.store.apply(observation(sid, 'delivered', 2));
    const done = await rawItem(sid);
    expect(done?.pendingShard).toBeUndefined();
    expect(done?.pendingSince).toBeUndefined();
    // The query view never shows index attributes.
    expect(Object.keys((await db.store.get(sid)) ?? {})).not.toContain('pendingShard');
  });
});

describe('concurrent callbacks for one message', () => {
  it('end at the highest status with every time, whatever interleaving', async () => {
    const statuses = ['accepted', 'queued', 'sending', 'sent', 'delivered', 'read'];
    const sids = Array.from({ length: 25 }, newSid);
    await Promise.all(
      sids.flatMap((sid) =>
        [...statuses, ...statuses].map((status, i) =>
          db.store.apply(observation(sid, status, i % statuses.length)),
        ),
      ),
    );
    for (const sid of sids) {
      const record = await db.store.get(sid);
      expect(record?.status).toBe('read');
      expect(record?.statusRank).toBe(7);
      expect(Object.keys(record?.statusTimes ?? {}).sort()).toEqual([...statuses].sort());
    }
  });
});

describe('pending or unresolved, never both', () => {
  it('a status that advances after the reconciler gave up puts the message back on the pending index', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'queued', 1));
    expect(await db.store.markUnresolved(sid, observation(sid, 'queued', 2).observedAt)).toBe(true);
    const givenUp = await rawItem(sid);
    expect(givenUp?.unresolved).toBe(true);
    expect(givenUp?.pendingShard).toBeUndefined();

    expect((await db.store.apply(observation(sid, 'sent', 3))).outcome).toBe('advanced');
    const item = await rawItem(sid);
    expect(item?.unresolved).toBeUndefined();
    expect(item?.pendingShard).toMatch(/^p[0-3]$/);
    // A fresh start for the reconciler's age and horizon.
    expect(item?.pendingSince).toBe(observation(sid, 'sent', 3).observedAt);
  });

  it('a late final status ends both', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'sent', 1));
    await db.store.markUnresolved(sid, observation(sid, 'sent', 2).observedAt);
    await db.store.apply(observation(sid, 'delivered', 3));
    const item = await rawItem(sid);
    expect(item?.unresolved).toBeUndefined();
    expect(item?.pendingShard).toBeUndefined();
    expect(item?.pendingSince).toBeUndefined();
  });
});

describe('an error code that comes after its status', () => {
  it('a callback with ErrorCode fills the code a poll of the same failed status had not', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'failed', 1, { source: 'poll' }));
    expect((await db.store.get(sid))?.errorCode).toBeUndefined();
    const late = observation(sid, 'failed', 2, { errorCode: 30007 });
    expect((await db.store.apply(late)).outcome).toBe('stale');
    expect(await db.store.get(sid)).toMatchObject({
      status: 'failed',
      errorCode: 30007,
      errorMessage: expect.stringMatching(/filter/i),
    });
    // The same callback again teaches nothing.
    expect(await db.store.apply(late)).toEqual({ outcome: 'duplicate', requests: 1 });
  });

  it('the first code stays, and a code for another status is not taken', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'undelivered', 1, { errorCode: 30003 }));
    await db.store.apply(observation(sid, 'undelivered', 2, { errorCode: 30005 }));
    expect((await db.store.get(sid))?.errorCode).toBe(30003);

    const other = newSid();
    await db.store.apply(observation(other, 'failed', 1));
    await db.store.apply(observation(other, 'undelivered', 2, { errorCode: 30005 }));
    expect((await db.store.get(other))?.errorCode).toBeUndefined();
  });

  it('a code planned for a failure is not written once a delivery moved the message on', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'failed', 1));
    const late = observation(sid, 'failed', 2, { errorCode: 30007 });
    // The item as the failed advance would hand it back, then a delivery lands before the fill does.
    const plan = planRecord(late, await rawItem(sid), { retentionDays: 30, pendingShards: 4 });
    await db.store.apply(observation(sid, 'delivered', 3));
    expect(await db.store.write(plan!)).toMatchObject({ written: false });
    const record = await db.store.get(sid);
    expect(record?.status).toBe('delivered');
    expect(record?.errorCode).toBeUndefined();
  });
});

describe('a message seen only with statuses this version does not know', () => {
  it('is kept with no current status, on the pending index, and answered with status null', async () => {
    const sid = newSid();
    expect((await db.store.apply(observation(sid, 'teleported', 1, { to: '+14155551234' }))).outcome).toBe(
      'stale',
    );
    const item = await rawItem(sid);
    expect(item?.pendingShard).toMatch(/^p[0-3]$/);
    expect(item?.pendingSince).toBe(observation(sid, 'teleported', 1).observedAt);
    expect(await db.store.get(sid)).toMatchObject({
      messageSid: sid,
      status: null,
      final: false,
      statusTimes: { teleported: observation(sid, 'teleported', 1).observedAt },
      to: '+14155551234',
    });
    // Another unknown status is recorded the same way; the same one again teaches nothing.
    expect((await db.store.apply(observation(sid, 'beamed', 2))).outcome).toBe('stale');
    expect((await db.store.apply(observation(sid, 'beamed', 3))).outcome).toBe('duplicate');
    // The first known status moves it as usual.
    expect((await db.store.apply(observation(sid, 'delivered', 4))).outcome).toBe('advanced');
    const done = await rawItem(sid);
    expect(done?.status).toBe('delivered');
    expect(done?.pendingShard).toBeUndefined();
    expect(Object.keys((await db.store.get(sid))?.statusTimes ?? {}).sort()).toEqual([
      'beamed',
      'delivered',
      'teleported',
    ]);
  });

  it('an unknown status after a final one does not put the message back on the index', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'delivered', 1));
    await db.store.apply(observation(sid, 'teleported', 2));
    expect((await rawItem(sid))?.pendingShard).toBeUndefined();
  });

  it('once the reconciler gave up on it, further unknown statuses leave it unresolved', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'teleported', 1));
    expect(await db.store.markUnresolved(sid, observation(sid, 'teleported', 2).observedAt)).toBe(true);
    expect((await db.store.apply(observation(sid, 'beamed', 3))).outcome).toBe('stale');
    const item = await rawItem(sid);
    expect(item?.unresolved).toBe(true);
    expect(item?.pendingShard).toBeUndefined();
    expect(item?.statusAt_beamed).toBe(observation(sid, 'beamed', 3).observedAt);
  });
});

describe('a message is changed only for the account it is recorded under', () => {
  const A = `AC${'a'.repeat(32)}`;
  const B = `AC${'b'.repeat(32)}`;

  it("refuses another account's observation of every kind in the same write, leaving the item as it was", async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'sent', 1, { accountSid: A, to: '+14155550100' }));
    const before = await rawItem(sid);
    // Higher (would advance), lower (would record a time), and a duplicate of the stored status.
    for (const [status, second] of [
      ['delivered', 2],
      ['read', 3],
      ['queued', 0],
      ['sent', 1],
    ] as const) {
      const result = await db.store.apply(
        observation(sid, status, second, { accountSid: B, to: '+14155550199', tags: { spoofed: 'yes' } }),
      );
      expect(result.outcome).toBe('foreign');
      expect(result.previous?.accountSid).toBe(A);
    }
    expect(await rawItem(sid)).toEqual(before);
    // The account's own observations still move it.
    expect((await db.store.apply(observation(sid, 'delivered', 4, { accountSid: A }))).outcome).toBe(
      'advanced',
    );
  });

  it('an observation naming no account, or an item recorded without one, is not refused', async () => {
    const sid = newSid();
    await db.store.apply(observation(sid, 'sent', 1));
    expect((await db.store.apply(observation(sid, 'delivered', 2, { accountSid: A }))).outcome).toBe(
      'advanced',
    );
    expect((await rawItem(sid))?.accountSid).toBe(A);
    expect((await db.store.apply(observation(sid, 'read', 3))).outcome).toBe('advanced');
    expect((await db.store.apply(observation(sid, 'read', 4, { accountSid: B }))).outcome).toBe('foreign');
  });
});
