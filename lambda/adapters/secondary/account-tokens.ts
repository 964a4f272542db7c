/**
 * Auth tokens of further Twilio accounts, by AccountSid, for the callback's signature check. The layout
 * of the secrets is in domain/accounts.ts; this reads them (Powertools Parameters) and keeps them.
 *
 * What a lookup may cost, per container:
 * - a shard secret is read at most once a minute (a miss in a copy older than that re-reads it, so an
 *   account added to a shard passes within a minute), and kept five minutes for the accounts it holds;
 * - an account's own secret is read only with a token from a bucket (default 10, then one every 6 s):
 *   a storm of forged AccountSids costs at most that, and the lookups it refuses are answered 503 so
 *   Twilio retries (a genuine new account passes once the storm leaves tokens). What a read found, or
 *   that it found nothing, is kept too: no token found is remembered for 60 s, a token for five minutes.
 * Locally (`TWILIO_ACCOUNTS_FILE`) the tokens come from a file and nothing is read.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import {
  ACCOUNT_CACHE_SECONDS,
  NEGATIVE_CACHE_SECONDS,
  TokenBucket,
  accountSecretNames,
  accountTokensIn,
  type AccountTokens,
} from '../../domain/accounts';
import {
  AccountLookupThrottledError,
  CredentialsUnavailableError,
  type AccountTokenSource,
} from '../../use-cases/ports';

/** One real secret read: its JSON, or undefined when the secret does not exist. */
export type SecretRead = (name: string) => Promise<unknown>;

export interface SecretAccountTokensOptions {
  /** `ACCOUNT_SECRET_PREFIX`: the secrets' names start with it. */
  prefix: string;
  /** `ACCOUNT_SECRET_SHARDS`: map secrets `<prefix>shard-<n>`; 0 = one secret per account only. */
  shards: number;
  /** Injectable so tests count reads and make them fail; default Powertools getSecret. */
  read?: SecretRead;
  now?: () => number;
  /** Reads of accounts' own secrets allowed at once, and seconds per further read. Default 10 and 6. */
  burst?: number;
  refillSeconds?: number;
  minRefreshIntervalSeconds?: number;
}

const MISSING = Symbol('missing');
interface Copy {
  value: unknown;
  at: number;
}

export function secretAccountTokens(options: SecretAccountTokensOptions): AccountTokenSource {
  const now = options.now ?? Date.now;
  const read = options.read ?? readSecret;
  const bucket = new TokenBucket(options.burst ?? 10, options.refillSeconds ?? 6, now);
  const refreshInterval = (options.minRefreshIntervalSeconds ?? 30) * 1000;
  const copies = new Map<string, Copy>();
  const inFlight = new Map<string, Promise<Copy>>();
  const lastRefresh = new Map<string, number>();

  const fetchCopy = (name: string): Promise<Copy> => {
    const pending = inFlight.get(name);
    if (pending) return pending;
    const started = (async () => {
      try {
        const value = await read(name);
        const copy = { value: value === undefined ? MISSING : value, at: now() };
        copies.set(name, copy);
        return copy;
      } catch (error) {
        throw new CredentialsUnavailableError('an account secret could not be read', error);
      } finally {
        inFlight.delete(name);
      }
    })();
    inFlight.set(name, started);
    return started;
  };

  const tokensIn = (copy: Copy, accountSid: string): AccountTokens | undefined =>
    copy.value === MISSING ? undefined : accountTokensIn(copy.value, accountSid);
  /** A copy still good: five minutes when it holds the account looked up, else one minute. */
  const fresh = (copy: Copy, holdsAccount: boolean): boolean =>
    now() - copy.at < (holdsAccount ? ACCOUNT_CACHE_SECONDS : NEGATIVE_CACHE_SECONDS) * 1000;

  const names = (accountSid: string) => accountSecretNames(options.prefix, accountSid, options.shards);
  const isShard = (name: string, accountSid: string) => !name.endsWith(accountSid);

  return {
    async lookup(accountSid) {
      for (const name of names(accountSid)) {
        const cached = copies.get(name);
        // The account's tokens in a copy are looked for once: they decide its freshness and the answer.
        let tokens = cached === undefined ? undefined : tokensIn(cached, accountSid);
        if (cached === undefined || !fresh(cached, tokens !== undefined)) {
          // Shard reads are bounded by the one-minute rule; an account's own secret by the bucket.
          if (!isShard(name, accountSid) && !inFlight.has(name) && !bucket.take())
            return { kind: 'throttled' };
          tokens = tokensIn(await fetchCopy(name), accountSid);
        }
        if (tokens) return { kind: 'found', tokens };
      }
      // Forged AccountSids must not grow the cache without end: forget what is too old to use.
      if (copies.size > 10_000) {
        for (const [name, copy] of copies)
          if (!fresh(copy, tokensIn(copy, '') !== undefined)) copies.delete(name);
      }
      return { kind: 'unknown' };
    },
    async refresh(accountSid) {
      const last = lastRefresh.get(accountSid) ?? Number.NEGATIVE_INFINITY;
      if (now() - last < refreshInterval) return undefined;
      if (!bucket.take()) throw new AccountLookupThrottledError();
      lastRefresh.set(accountSid, now());
      for (const name of names(accountSid)) {
        const tokens = tokensIn(await fetchCopy(name), accountSid);
        if (tokens) return tokens;
      }
      return undefined;
    },
  };
}

async function readSecret(name: string): Promise<unknown> {
  try {
    return await getSecret(name, { forceFetch: true, transform: 'json', throwOnMissing: true });
  } catch (error) {
    // Powertools turns Secrets Manager's ResourceNotFoundException into ParameterNotFoundError.
    if ((error as { name?: string } | null)?.name === 'ParameterNotFoundError') return undefined;
    throw error;
  }
}

/** Tokens from a fixed list (local runs: TWILIO_ACCOUNTS_FILE); nothing is read, nothing throttled. */
export function staticAccountTokens(accounts: ReadonlyMap<string, AccountTokens>): AccountTokenSource {
  return {
    lookup: async (accountSid) => {
      const tokens = accounts.get(accountSid);
      return tokens ? { kind: 'found', tokens } : { kind: 'unknown' };
    },
    refresh: async () => undefined,
  };
}
