/**
 * Which auth tokens a status callback's X-Twilio-Signature is checked with. Twilio signs a subaccount's
 * callbacks with that subaccount's token, so the request's `AccountSid` picks them:
 *
 *   the main secret's account, no account store, or no well-formed AccountSid --> the main tokens
 *   an account with its own token (account store)                             --> that account's tokens
 *   an account without one --> the fallback tokens (the main secret when it names no account), else 403
 *
 * Each set is the primary and, during a rotation, the secondary token; when neither matches, the tokens
 * are read afresh once (rate limited), since the token may have been rotated since they were cached.
 */
import { isAccountSid, type AccountTokens } from '../../domain/accounts';
import type { FormFields } from '../../domain/callback';
import {
  AccountLookupThrottledError,
  type AccountTokenSource,
  type CredentialsSource,
  type Log,
} from '../../use-cases/ports';
import { isValidSignature } from './twilio-signature';

export interface SignatureKeys {
  /** The main secret: the parent account, and the token of every account when it names none. */
  credentials: CredentialsSource;
  /** Tokens of further accounts (`accountSecretPrefix`, or TWILIO_ACCOUNTS_FILE locally). */
  accounts?: AccountTokenSource;
  /**
   * Serves accounts the store has no token for. Default: the main secret when it names no account
   * (what a deployment from before account stores expects). Locally: an explicit TWILIO_AUTH_TOKEN.
   */
  fallback?: CredentialsSource;
}

export type SignatureVerdict = 'valid' | 'invalid' | 'unknown-account';

export function createSignatureVerifier(keys: SignatureKeys, logger: Pick<Log, 'info'>) {
  // Logged once per account and container: which accounts rely on the fallback token.
  const fallbackLogged = new Set<string>();

  const check = async (
    tokens: AccountTokens,
    refresh: () => Promise<AccountTokens | undefined>,
    matches: (t: AccountTokens) => boolean,
  ): Promise<SignatureVerdict> => {
    if (matches(tokens)) return 'valid';
    const fresh = await refresh();
    return fresh !== undefined && matches(fresh) ? 'valid' : 'invalid';
  };
  const fromSource = (source: CredentialsSource, matches: (t: AccountTokens) => boolean) =>
    source.get().then((tokens) => check(tokens, () => source.refresh(), matches));

  return async function verify(
    signature: string,
    url: string,
    fields: FormFields,
  ): Promise<SignatureVerdict> {
    const matches = (t: AccountTokens) =>
      isValidSignature([t.authToken, t.secondaryAuthToken], signature, url, fields);
    const accountSid = fields.AccountSid?.[0];
    const main = await keys.credentials.get();
    // The main tokens just read serve the check: one read of the main secret's copy per callback.
    const withMain = () => check(main, () => keys.credentials.refresh(), matches);
    if (keys.accounts === undefined || !isAccountSid(accountSid) || accountSid === main.accountSid) {
      return withMain();
    }
    const found = await keys.accounts.lookup(accountSid);
    if (found.kind === 'throttled') throw new AccountLookupThrottledError();
    if (found.kind === 'found') {
      const accounts = keys.accounts;
      return check(found.tokens, () => accounts.refresh(accountSid), matches);
    }
    const fallback = keys.fallback ?? (main.accountSid === undefined ? keys.credentials : undefined);
    if (fallback === undefined) return 'unknown-account';
    if (!fallbackLogged.has(accountSid) && fallbackLogged.size < 1000) {
      fallbackLogged.add(accountSid);
      logger.info('account has no token of its own; checked with the main token', { accountSid });
    }
    return fallback === keys.credentials ? withMain() : fromSource(fallback, matches);
  };
}
