/**
 * Records the prices of final messages (docs/SCALING.md, "Recording message prices"): for each due
 * price job, one read of the Message resource through the reconciler's fetcher (message-fetch.ts:
 * bounded concurrency, backoff on 429), and then one of:
 *
 *   price known        --> written on the item unless one is stored (PriceStore.recordPrice): priced
 *   still null, < max  --> the attempt counted, the job scheduled again after a longer delay: retried
 *   still null, = max  --> the attempt counted, no more reads: unpriced
 *   Twilio has no such message --> unpriced
 *
 * A message that already has a price, or that the store does not have, costs no read at all. A job
 * whose read or write fails (Twilio unreachable after the retries, the store down) is answered as
 * failed: the caller delivers it again (SQS's redelivery, the local timer's next turn).
 */
import { describeError } from '../domain/describe-error';
import { parsePrice } from '../domain/price';
import { retryDelaySeconds, type PriceFetchSchedule, type PriceJob } from '../domain/price-fetch';
import { fetchWithBackoff, runBounded, type FetchMessage } from './message-fetch';
import { MessageNotFoundError, type Log, type PriceFetchQueue, type PriceStore } from './ports';

export interface RecordPricesDeps {
  store: PriceStore;
  fetchMessage: FetchMessage;
  /** Where a job goes when Twilio's price is still null. */
  queue: PriceFetchQueue;
  schedule: PriceFetchSchedule;
  /** Twilio requests in flight at once (default 8). */
  concurrency?: number;
  hasTime?: () => boolean;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  logger?: Pick<Log, 'warn'>;
}

export interface RecordPricesReport {
  /** Messages API reads made (one per job that was not skipped; retries after a 429 not counted). */
  fetched: number;
  /** Prices written. */
  priced: number;
  /** Jobs scheduled again: Twilio's price still null. */
  retried: number;
  /** Messages given up on: no price after the last attempt, or gone from Twilio. */
  unpriced: number;
  /** Jobs that needed no read: the message has a price already, or is not in the store. */
  skipped: number;
  /** Jobs that failed (to be delivered again), by their index in the input. */
  failed: number[];
}

export async function recordPrices(
  jobs: readonly PriceJob[],
  deps: RecordPricesDeps,
): Promise<RecordPricesReport> {
  const hasTime = deps.hasTime ?? (() => true);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? (() => new Date());
  const report: RecordPricesReport = {
    fetched: 0,
    priced: 0,
    retried: 0,
    unpriced: 0,
    skipped: 0,
    failed: [],
  };

  const started = new Set<number>();
  const handle = async ({ job, index }: { job: PriceJob; index: number }): Promise<void> => {
    started.add(index);
    try {
      const state = await deps.store.priceStateOf(job.messageSid);
      if (!state || state.priced) {
        report.skipped++;
        return;
      }
      const accountSid = state.accountSid ?? job.accountSid;
      let price;
      try {
        report.fetched++;
        const message = await fetchWithBackoff(deps.fetchMessage, job.messageSid, accountSid, {
          hasTime,
          sleep,
        });
        price = parsePrice(message.price, message.priceUnit);
      } catch (error) {
        if (!(error instanceof MessageNotFoundError)) throw error;
        await deps.store.notePriceAttempt(job.messageSid, job.attempt);
        report.unpriced++;
        return;
      }
      if (price) {
        if (await deps.store.recordPrice(job.messageSid, price, job.attempt, now().toISOString()))
          report.priced++;
        else report.skipped++;
        return;
      }
      await deps.store.notePriceAttempt(job.messageSid, job.attempt);
      if (job.attempt >= deps.schedule.maxAttempts) {
        report.unpriced++;
        return;
      }
      await deps.queue.schedule(
        { messageSid: job.messageSid, ...(accountSid ? { accountSid } : {}), attempt: job.attempt + 1 },
        retryDelaySeconds(job.attempt, deps.schedule),
      );
      report.retried++;
    } catch (error) {
      report.failed.push(index);
      deps.logger?.warn('price fetch failed; the job is delivered again', {
        messageSid: job.messageSid,
        attempt: job.attempt,
        error: describeError(error).message,
      });
    }
  };

  const items = jobs.map((job, index) => ({ job, index }));
  await runBounded(items, Math.max(1, deps.concurrency ?? 8), handle, hasTime);
  // Jobs never started for lack of time fail too: delivered again, not lost.
  for (const { index } of items) if (!started.has(index)) report.failed.push(index);
  report.failed.sort((a, b) => a - b);
  return report;
}
