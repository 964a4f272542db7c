/**
 * Where the auth tokens of further Twilio accounts (subaccounts, other accounts) are kept, and the
 * rules a lookup follows. Pure: the secret reads happen in adapters/secondary/account-tokens.ts.
 *
 * Layout under `accountSecretPrefix` (IAM allows exactly that prefix):
 * - `<prefix>shard-<n>`: a map secret `{"accounts": {"AC...": {"authToken": "...", "secondaryAuthToken":
 *   "..."}}}` holding every account whose shard is n (`accountShardOf`), when `shards` > 0. A 64 KB
 *   secret holds about 450 accounts, so 25,000 accounts fit in 64 shards ($25.60 a month, not $10,000).
 * - `<prefix><AccountSid>`: one account, `{"authToken": "...", "secondaryAuthToken": "..."}`.
 * A lookup reads the account's shard first (when there are shards), then its own secret: 1 or 2 reads,
 * each cached.
 */
import { SID_PATTERNS } from './contract';

export interface AccountTokens {
  authToken: string;
  /** Accepted for signatures during a rotation, until it is promoted or removed. */
  secondaryAuthToken?: string;
}

/** A lookup that found no token is remembered this long: a new account passes within a minute. */
export const NEGATIVE_CACHE_SECONDS = 60;
/** How long a found token (and a shard's map) is reused before the secret is read again. */
export const ACCOUNT_CACHE_SECONDS = 300;

/**
 * The shard an account's token lives in: the SID's last 8 hex digits modulo the shard count. SIDs are
 * random hex, so the shards fill evenly, and an operator can work it out in a shell:
 * `echo shard-$(( 0x${SID: -8} % 64 ))`.
 */
export function accountShardOf(accountSid: string, shards: number): string {
  return `shard-${parseInt(accountSid.slice(-8), 16) % shards}`;
}

export function isAccountSid(value: string | undefined): value is string {
  return value !== undefined && SID_PATTERNS.account.test(value);
}

/** The secrets a lookup of `accountSid` reads, in order. */
export function accountSecretNames(prefix: string, accountSid: string, shards: number): string[] {
  return [
    ...(shards > 0 ? [`${prefix}${accountShardOf(accountSid, shards)}`] : []),
    `${prefix}${accountSid}`,
  ];
}

/**
 * The tokens of `accountSid` in a secret's JSON: a map secret's entry for it, or a single-account
 * secret's own fields. Undefined when the secret does not hold that account.
 */
export function accountTokensIn(value: unknown, accountSid: string): AccountTokens | undefined {
  const record = asRecord(value);
  const accounts = asRecord(record.accounts);
  if (record.accounts !== undefined) return tokensOf(accounts[accountSid]);
  return tokensOf(record);
}

function tokensOf(value: unknown): AccountTokens | undefined {
  const record = asRecord(value);
  const text = (key: string) => {
    const v = record[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const authToken = text('authToken');
  if (authToken === undefined) return undefined;
  const secondaryAuthToken = text('secondaryAuthToken');
  return secondaryAuthToken === undefined ? { authToken } : { authToken, secondaryAuthToken };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * Bounds the secret reads that accounts not yet seen can cause: `capacity` at once, then one every
 * `refillSeconds`. A storm of forged AccountSids empties it and then costs nothing more; the requests
 * it refuses are answered 503, so Twilio retries a genuine account's callbacks.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly refillSeconds: number,
    private readonly now: () => number,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) / (this.refillSeconds * 1000));
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
