/**
 * The reconciler end to end on this machine: the Twilio simulator loses every callback, the store holds
 * only what the sender recorded, and one reconcile pass must bring every message to the simulator's truth.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { reconcile, type ReconcilerDeps } from '../../lambda/use-cases/reconcile';
import { TwilioApiError, type FetchedMessage } from '../../lambda/use-cases/ports';
import { pendingShardOf } from '../../lambda/domain/contract';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { twilioClientFor } from '../../local/twilio-simulator/client';
import { messagesByAccount } from '../../lambda/adapters/secondary/twilio-messages';
import { twilioMessageFetcher } from '../../lambda/adapters/secondary/twilio-message-fetcher';
import { createTestTable, trackerStore, useMessageStore, type TrackerStore } from '../support/dynamodb';

const HOUR = 3_600_000;
const SHARDS = 4;
const db = useMessageStore('reconciler', { retentionDays: 30, pendingShards: SHARDS });
let simulator: TwilioSimulator;
let fetchMessage: (sid: string) => Promise<FetchedMessage>;

async function sendLostMessages(count: number, into: TrackerStore = db.store): Promise<string[]> {
  const client = twilioClientFor(simulator.url, simulator.accountSid, simulator.authToken);
  const sids: string[] = [];
  for (let i = 0; i < count; i++) {
    const to =
      i % 5 === 0 ? `whatsapp:+1415555${String(1000 + i).padStart(4, '0')}` : `+1415555${String(1000 + i)}`;
    const message = await client.messages.create({
      to,
      from: i % 5 === 0 ? 'whatsapp:+15017250604' : '+15017250604',
      body: 'hello',
      statusCallback: 'http://127.0.0.1:9/message-status',
    });
    // What the sender records at once.
    await into.apply({
      messageSid: message.sid,
      status: message.status,
      observedAt: new Date().toISOString(),
      source: 'send',
      to: message.to,
      createdAt: message.dateCreated.toISOString(),
    });
    sids.push(message.sid);
  }
  await simulator.idle();
  return sids;
}

function deps(overrides: Partial<ReconcilerDeps> = {}): ReconcilerDeps {
  return { store: db.store, fetchMessage, shards: SHARDS, sleep: async () => undefined, ...overrides };
}

async function pendingCount(): Promise<number> {
  const result = await db.table.client.send(
    new ScanCommand({ TableName: db.table.tableName, IndexName: 'pending', Select: 'COUNT' }),
  );
  return result.Count ?? 0;
}

beforeAll(async () => {
  simulator = await startTwilioSimulator({
    seed: 7,
    lostCallbackRate: 1,
    stepDelayMs: [1, 3],
    whatsappReadRate: 0.5,
  });
  // The same lean Messages resource and mapping the reconciler Lambda uses, pointed at the simulator.
  fetchMessage = twilioMessageFetcher(
    messagesByAccount(
      { accountSid: simulator.accountSid, authToken: simulator.authToken },
      { baseUrl: simulator.url },
    ),
  );
});
afterAll(() => simulator.stop());

describe('reconciler', () => {
  it('leaves messages younger than the minimum age alone', async () => {
    const sids = await sendLostMessages(5);
    const report = await reconcile(deps({ now: () => new Date(Date.now() + HOUR) }));
    expect(report.polled).toBe(0);
    for (const sid of sids) expect((await db.store.get(sid))?.status).toBe('queued');
  });

  it('recovers every lost callback in one pass, and a re-run changes nothing', async () => {
    const sids = await sendLostMessages(60);
    const later = () => new Date(Date.now() + 13 * HOUR);
    const first = await reconcile(deps({ now: later }));
    expect(first.complete).toBe(true);
    expect(first.errors).toBe(0);
    const truth = simulator.truth();
    for (const sid of sids) {
      const record = await db.store.get(sid);
      expect({ sid, status: record?.status, errorCode: record?.errorCode }).toEqual({
        sid,
        status: truth.get(sid)?.status,
        errorCode: truth.get(sid)?.errorCode,
      });
      expect(record?.source).toBe('poll');
    }
    // Only messages Twilio itself never finished (sent, no receipt) stay in the index.
    const unfinished = [...truth.values()].filter((t) => t.status === 'sent').length;
    expect(first.stillPending).toBe(unfinished);

    const second = await reconcile(deps({ now: later }));
    expect(second.resolved).toBe(0);
    expect(second.examined).toBe(await pendingCount());
  });

  it('gives up past the horizon: unresolved, out of the index', async () => {
    const report = await reconcile(deps({ now: () => new Date(Date.now() + 73 * HOUR) }));
    expect(report.unresolved).toBeGreaterThan(0);
    expect(await pendingCount()).toBe(0);
    const unresolved = (
      await db.table.client.send(new ScanCommand({ TableName: db.table.tableName }))
    ).Items?.filter((item) => item.unresolved === true);
    expect(unresolved?.every((item) => item.status === 'sent')).toBe(true);
  });

  it('a run that dies half way loses nothing; the next run finishes the work', async () => {
    const sids = await sendLostMessages(30);
    let budget = 10;
    const cut = await reconcile(
      deps({ now: () => new Date(Date.now() + 13 * HOUR), hasTime: () => budget-- > 0 }),
    );
    expect(cut.complete).toBe(false);
    await reconcile(deps({ now: () => new Date(Date.now() + 13 * HOUR) }));
    const truth = simulator.truth();
    for (const sid of sids) expect((await db.store.get(sid))?.status).toBe(truth.get(sid)?.status);
  });

  it('polls a message seen only with a status this version does not know', async () => {
    const client = twilioClientFor(simulator.url, simulator.accountSid, simulator.authToken);
    const message = await client.messages.create({
      to: '+14155550999',
      from: '+15017250604',
      body: 'hello',
      statusCallback: 'http://127.0.0.1:9/message-status',
    });
    await simulator.idle();
    // Its only callback so far carried a status Twilio added after this version was written.
    await db.store.apply({
      messageSid: message.sid,
      status: 'teleported',
      observedAt: new Date().toISOString(),
      source: 'callback',
    });
    await reconcile(deps({ now: () => new Date(Date.now() + 13 * HOUR) }));
    const record = await db.store.get(message.sid);
    expect(record?.status).toBe(simulator.truth().get(message.sid)?.status);
    expect(record?.statusTimes.teleported).toBeDefined();
  });

  it('backs off and retries when Twilio answers 429', async () => {
    const [sid] = await sendLostMessages(1);
    let calls = 0;
    const sleeps: number[] = [];
    const report = await reconcile(
      deps({
        now: () => new Date(Date.now() + 13 * HOUR),
        sleep: async (ms) => void sleeps.push(ms),
        fetchMessage: async (s) => {
          if (s === sid && calls++ < 2) throw new TwilioApiError(429, 20429, 'Too Many Requests');
          return fetchMessage(s);
        },
      }),
    );
    expect(report.errors).toBe(0);
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
    expect((await db.store.get(sid!))?.status).toBe(simulator.truth().get(sid!)?.status);
  });

  it('a poll that fails leaves the message pending, even past the horizon', async () => {
    const [sid] = await sendLostMessages(1);
    const report = await reconcile(
      deps({
        now: () => new Date(Date.now() + 80 * HOUR),
        fetchMessage: async (s) => {
          if (s === sid) throw Object.assign(new Error('Authenticate'), { httpStatus: 401 });
          return fetchMessage(s);
        },
      }),
    );
    expect(report.errors).toBeGreaterThanOrEqual(1);
    const record = await db.store.get(sid!);
    expect(record?.unresolved).toBeUndefined();
    expect(record?.status).toBe('queued');
  });

  it('a store fault on one message does not stop the run', async () => {
    const sids = await sendLostMessages(6);
    const flaky: ReconcilerDeps['store'] = {
      queryPending: (...args) => db.store.queryPending(...args),
      markUnresolved: (...args) => db.store.markUnresolved(...args),
      accountOf: (sid) => db.store.accountOf(sid),
      apply: async (observation) => {
        if (observation.messageSid === sids[0]) throw new Error('ProvisionedThroughputExceededException');
        return db.store.apply(observation);
      },
    };
    const report = await reconcile(deps({ store: flaky, now: () => new Date(Date.now() + 13 * HOUR) }));
    expect(report.complete).toBe(true);
    expect(report.errors).toBe(1);
    const truth = simulator.truth();
    for (const sid of sids.slice(1)) expect((await db.store.get(sid))?.status).toBe(truth.get(sid)?.status);
  });

  it('a shard with more work than one run can do does not starve the others', async () => {
    // A table of its own: messages the other tests left pending would otherwise come first in their
    // shards and use up a run's small budget, whatever the rotation does.
    const own = await createTestTable('reconciler-rotation');
    const ownStore = trackerStore(own.dynamo, own.tableName, {
      retentionDays: 30,
      pendingShards: SHARDS,
    });
    try {
      const sids = await sendLostMessages(40, ownStore);
      const start = Date.now() + 13 * HOUR;
      // Each run has time for a few messages only; consecutive hourly runs start at different shards.
      for (let run = 0; run < SHARDS; run++) {
        let budget = 4;
        await reconcile(
          deps({ store: ownStore, now: () => new Date(start + run * HOUR), hasTime: () => budget-- > 0 }),
        );
      }
      const polledShards = new Set<string>();
      for (const sid of sids) {
        if ((await ownStore.get(sid))?.source === 'poll') polledShards.add(pendingShardOf(sid, SHARDS));
      }
      expect(polledShards.size).toBe(SHARDS);
    } finally {
      await own.drop();
    }
  });
});
