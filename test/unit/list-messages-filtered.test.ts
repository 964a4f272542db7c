/**
 * The list use case with a filter checked on the items (a tag): every match comes back exactly once over
 * the pages, newest first, and a selective filter reads its items in a few rounds, not one round per
 * `limit` keys. A fake store stands in for DynamoDB (the integration suite runs the real one).
 */
import { createMessageLister } from '../../lambda/use-cases/list-messages';
import type { IndexKey, ListStore } from '../../lambda/use-cases/ports';
import type { MessageRecord } from '../../lambda/domain/message';
import { timeBucketsOfDay } from '../../lambda/domain/contract';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const DAY = NOW.toISOString().slice(0, 10);

function sid(n: number): string {
  return `SM${n.toString(16).padStart(32, '0')}`;
}

/** `count` messages today, one a second back from NOW, spread over the day's shards; every `every`-th tagged. */
function fakeStore(count: number, every: number) {
  const buckets = timeBucketsOfDay(DAY);
  const messages = new Map<string, MessageRecord & { bucket: string }>();
  for (let n = 0; n < count; n++) {
    const createdAt = new Date(NOW.getTime() - (n + 1) * 1000).toISOString();
    messages.set(sid(n), {
      messageSid: sid(n),
      status: 'delivered',
      final: true,
      statusTimes: {},
      createdAt,
      tags: n % every === 0 ? { campaign: 'summer' } : { campaign: 'winter' },
      bucket: buckets[n % buckets.length]!,
    });
  }
  const calls = { queries: 0, batches: 0, rounds: 0 };
  let inFlight = 0;
  const store: ListStore = {
    queryKeys: async (query) => {
      calls.queries++;
      let keys: IndexKey[] = [...messages.values()]
        .filter((m) => m.bucket === query.partition)
        .filter(
          (m) =>
            (query.range.from === undefined || m.createdAt! >= query.range.from) &&
            (query.range.to === undefined || m.createdAt! <= query.range.to),
        )
        .map((m) => ({ sortKey: m.createdAt!, messageSid: m.messageSid }))
        .sort((a, b) => (a.sortKey > b.sortKey ? -1 : 1));
      if (query.startAfter) keys = keys.filter((k) => k.sortKey < query.startAfter!.sortKey);
      return { keys: keys.slice(0, query.limit), more: keys.length > query.limit };
    },
    getMessages: async (sids) => {
      calls.batches++;
      if (inFlight === 0) calls.rounds++;
      inFlight++;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return sids.flatMap((s) => {
        const m = messages.get(s);
        if (!m) return [];
        const record: MessageRecord = { ...m };
        delete (record as Partial<typeof m>).bucket;
        return [record];
      });
    },
  };
  return { store, calls };
}

describe('a list filtered on the items (one tag)', () => {
  it('returns every match exactly once, newest first, over its pages', async () => {
    const { store } = fakeStore(3000, 7);
    const list = createMessageLister({
      store,
      setup: { available: ['byTime'], pendingShards: 16 },
      now: () => NOW,
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const outcome = await list({
        filters: { tags: { campaign: 'summer' } },
        limit: 25,
        cursor,
        format: 'json',
      });
      if (outcome.kind !== 'page') throw new Error(outcome.kind);
      expect(outcome.messages.length).toBeLessThanOrEqual(25);
      seen.push(...outcome.messages.map((m) => m.messageSid));
      if (outcome.nextCursor === null) break;
      cursor = outcome.nextCursor;
    }
    const expected = Array.from({ length: 3000 }, (_, n) => n)
      .filter((n) => n % 7 === 0)
      .map(sid);
    expect(seen).toEqual(expected);
  });

  it('reads a page of a one-in-ten filter in at most three rounds of item reads', async () => {
    const { store, calls } = fakeStore(3000, 10);
    const list = createMessageLister({
      store,
      setup: { available: ['byTime'], pendingShards: 16 },
      now: () => NOW,
    });
    const outcome = await list({ filters: { tags: { campaign: 'summer' } }, limit: 100, format: 'json' });
    if (outcome.kind !== 'page') throw new Error(outcome.kind);
    expect(outcome.messages).toHaveLength(100);
    expect(outcome.messages.map((m) => m.messageSid)).toEqual(
      Array.from({ length: 100 }, (_, k) => sid(k * 10)),
    );
    // One round per 100 keys would be ten rounds here.
    expect(calls.rounds).toBeLessThanOrEqual(3);
  });
});
