/**
 * Exponential backoff with full jitter, the wait before retry number `attempt` (1-based): a random time
 * in [0, min(maxMs, baseMs * 2^(attempt - 1))), never shorter than a server's Retry-After. Shared by every
 * path that retries Twilio (the sender's creates, the reconciler's fetches).
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  options: { retryAfterSeconds?: number; random?: () => number } = {},
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = Math.floor((options.random ?? Math.random)() * ceiling);
  return Math.max((options.retryAfterSeconds ?? 0) * 1000, jittered);
}
