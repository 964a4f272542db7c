/**
 * The bounded fetch of a message's price (docs/SCALING.md, "Recording message prices"): once a message
 * is final without a price, one read of its Message resource after a delay; while Twilio's price is
 * still null, another after a longer delay, up to `maxAttempts` reads; after that the message counts as
 * unpriced. Never a read once a price is stored.
 */
import { SID_PATTERNS } from './contract';
import { isFinal } from './lifecycle';

/** One scheduled read of a message's price. `attempt` counts from 1. */
export interface PriceJob {
  messageSid: string;
  /** The (sub)account whose path the message is read under, when known. */
  accountSid?: string;
  attempt: number;
}

export interface PriceFetchSchedule {
  /** Reads of the Message resource at most, per message. */
  maxAttempts: number;
  /** Seconds before the first read, after the message became final. */
  firstDelaySeconds: number;
  /** The longest wait between two reads (SQS's longest message delay is 900 s). */
  maxDelaySeconds: number;
}

/**
 * The deployed schedule: reads 1 min after final, then 2, 4, 8, 15, 15 min apart (6 reads over about
 * 45 minutes), within SQS's 15-minute delay.
 */
export const PRICE_FETCH_SCHEDULE: PriceFetchSchedule = {
  maxAttempts: 6,
  firstDelaySeconds: 60,
  maxDelaySeconds: 900,
};

/** The wait before read `attempt + 1`, after read `attempt` found no price: doubling, capped. */
export function retryDelaySeconds(attempt: number, schedule: PriceFetchSchedule): number {
  return Math.min(schedule.maxDelaySeconds, schedule.firstDelaySeconds * 2 ** Math.max(0, attempt));
}

/**
 * A price job from a queue message's body: a scheduled job (`messageSid`, `attempt`, `accountSid`), or
 * a `Message Status Changed` detail (the first read, attempt 1). Undefined for anything else.
 */
export function priceJobOf(body: unknown): PriceJob | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { messageSid, accountSid, attempt } = body as Record<string, unknown>;
  if (typeof messageSid !== 'string' || !SID_PATTERNS.message.test(messageSid)) return undefined;
  const n = attempt === undefined ? 1 : attempt;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) return undefined;
  const account =
    typeof accountSid === 'string' && SID_PATTERNS.account.test(accountSid) ? accountSid : undefined;
  return { messageSid, ...(account ? { accountSid: account } : {}), attempt: n };
}

/**
 * Whether a status change calls for a price fetch: the message became final (from a status that was
 * not: delivered -> read schedules nothing more) and has no price.
 */
export function needsPriceFetch(detail: {
  final: boolean;
  previousStatus: string | null;
  price?: string | null;
}): boolean {
  const wasFinal = detail.previousStatus !== null && isFinal(detail.previousStatus);
  return detail.final === true && !wasFinal && (detail.price === undefined || detail.price === null);
}
