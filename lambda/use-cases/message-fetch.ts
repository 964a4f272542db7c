/**
 * Reading Message resources from Twilio within its rate limits, shared by the reconciler and the price
 * fetch: a bounded number of reads in flight at once, and each read retried with backoff on 429, 5xx or
 * no answer (Retry-After honoured), at most 5 tries, never past the caller's time.
 */
import { backoffMs } from '../domain/backoff';
import { TwilioApiError, TwilioNetworkError, type FetchedMessage } from './ports';

/** Twilio's view of a message, read from its own account (a subaccount's SID in the path) when known. */
export type FetchMessage = (messageSid: string, accountSid?: string) => Promise<FetchedMessage>;

const FETCH_BACKOFF = { baseMs: 250, maxMs: 8_000 };
const MAX_RETRIES = 4;

/** `fetchMessage` retried with backoff while the answer is worth another try and time is left. */
export async function fetchWithBackoff(
  fetchMessage: FetchMessage,
  messageSid: string,
  accountSid: string | undefined,
  options: { hasTime: () => boolean; sleep: (ms: number) => Promise<void> },
): Promise<FetchedMessage> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchMessage(messageSid, accountSid);
    } catch (error) {
      // No retry the run has no time left for: the caller keeps the message for later.
      if (!isRetryable(error) || attempt >= MAX_RETRIES || !options.hasTime()) throw error;
      const { retryAfterSeconds } = error as { retryAfterSeconds?: number };
      await options.sleep(backoffMs(attempt + 1, FETCH_BACKOFF, { retryAfterSeconds }));
    }
  }
}

/**
 * Twilio's 429 and 5xx answers, and no answer at all, are worth another try after a pause. The adapter
 * (twilio-messages.ts) turns every failed request into one of these two errors.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TwilioNetworkError) return true;
  return error instanceof TwilioApiError && (error.httpStatus === 429 || error.httpStatus >= 500);
}

/** `work` over `items`, at most `concurrency` at once, starting none once `hasTime` says no. */
export async function runBounded<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  hasTime: () => boolean,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && hasTime()) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
