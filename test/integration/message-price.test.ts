/**
 * A message's price on its item, against DynamoDB Local: written once (never overwritten, never back to
 * null), answered as Twilio's decimal string, and recorded by the bounded fetch after final.
 */
import { PRICE_FETCH_SCHEDULE, type PriceJob } from '../../lambda/domain/price-fetch';
import { recordPrices } from '../../lambda/use-cases/record-prices';
import type { FetchedMessage } from '../../lambda/use-cases/ports';
import { useMessageStore } from '../support/dynamodb';

const db = useMessageStore('prices');
let counter = 0;
const newSid = () => `SM${(++counter).toString(16).padStart(32, 'a')}`;
const at = (second: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, second)).toISOString();

async function finalMessage(): Promise<string> {
  const messageSid = newSid();
  await db.store.apply({ messageSid, status: 'delivered', observedAt: at(1), source: 'callback' });
  return messageSid;
}

describe('the price on the item', () => {
  it("is null until known, then Twilio's string form; never overwritten", async () => {
    const sid = await finalMessage();
    expect(await db.store.get(sid)).not.toHaveProperty('price');
    expect(await db.store.recordPrice(sid, { micros: -7_900n, unit: 'USD' }, 1, at(2))).toBe(true);
    expect(await db.store.recordPrice(sid, { micros: -1n, unit: 'EUR' }, 2, at(3))).toBe(false);
    await db.store.notePriceAttempt(sid, 5);
    const record = await db.store.get(sid);
    expect(record).toMatchObject({ price: '-0.00790', priceUnit: 'USD', pricedAt: at(2) });
    expect(record).not.toHaveProperty('priceMicros');
    expect(await db.store.priceStateOf(sid)).toEqual({ priced: true });
  });

  it('is never written on a message the store does not have', async () => {
    const sid = newSid();
    expect(await db.store.recordPrice(sid, { micros: -7_900n, unit: 'USD' }, 1, at(2))).toBe(false);
    await db.store.notePriceAttempt(sid, 1);
    expect(await db.store.get(sid)).toBeUndefined();
    expect(await db.store.priceStateOf(sid)).toBeUndefined();
  });
});

describe('the bounded fetch after final', () => {
  it('re-queues while the price is null, records it once known, and reads nothing after', async () => {
    const sid = await finalMessage();
    const answers: Array<string | undefined> = [undefined, '-0.04000'];
    const reads: string[] = [];
    const fetchMessage = async (messageSid: string): Promise<FetchedMessage> => {
      reads.push(messageSid);
      const price = answers.shift();
      return { sid: messageSid, status: 'delivered', ...(price ? { price, priceUnit: 'USD' } : {}) };
    };
    const queued: Array<{ job: PriceJob; delaySeconds: number }> = [];
    const queue = {
      schedule: async (job: PriceJob, delaySeconds: number) => void queued.push({ job, delaySeconds }),
    };
    const deps = { store: db.store, fetchMessage, queue, schedule: PRICE_FETCH_SCHEDULE };

    const first = await recordPrices([{ messageSid: sid, attempt: 1 }], deps);
    expect(first).toMatchObject({ fetched: 1, retried: 1, priced: 0, failed: [] });
    expect(queued).toEqual([{ job: { messageSid: sid, attempt: 2 }, delaySeconds: 120 }]);
    expect(await db.store.get(sid)).not.toHaveProperty('price');

    const second = await recordPrices([queued[0]!.job], deps);
    expect(second).toMatchObject({ fetched: 1, priced: 1 });
    expect(await db.store.get(sid)).toMatchObject({ price: '-0.04000', priceUnit: 'USD' });

    const again = await recordPrices([{ messageSid: sid, attempt: 1 }], deps);
    expect(again).toMatchObject({ fetched: 0, skipped: 1 });
    expect(reads).toHaveLength(2);
  });

  it('gives up after the last attempt: unpriced, nothing queued', async () => {
    const sid = await finalMessage();
    const queued: PriceJob[] = [];
    const report = await recordPrices([{ messageSid: sid, attempt: PRICE_FETCH_SCHEDULE.maxAttempts }], {
      store: db.store,
      fetchMessage: async (messageSid) => ({ sid: messageSid, status: 'delivered' }),
      queue: { schedule: async (job) => void queued.push(job) },
      schedule: PRICE_FETCH_SCHEDULE,
    });
    expect(report).toMatchObject({ fetched: 1, unpriced: 1, retried: 0 });
    expect(queued).toEqual([]);
    expect(await db.store.get(sid)).not.toHaveProperty('price');
  });
});
