/**
 * The callback's keys for a local run with TWILIO_ACCOUNTS_FILE: the first account is the main one (the
 * parent), every account's tokens are looked up by AccountSid, and an explicit TWILIO_AUTH_TOKEN serves
 * the accounts not in the file (without it they are refused, as a deployment with an account store
 * refuses accounts it has no token for).
 */
import { staticAccountTokens } from '../lambda/adapters/secondary/account-tokens';
import type { SignatureKeys } from '../lambda/adapters/primary/callback-signature';
import { environmentCredentials } from '../lambda/adapters/secondary/twilio-credentials';
import type { AccountTokens } from '../lambda/domain/accounts';
import type { LocalAccount } from './twilio-simulator/accounts-file';

export function accountKeys(accounts: readonly LocalAccount[], explicitToken?: string): SignatureKeys {
  const parent = accounts[0];
  if (parent === undefined) throw new Error('TWILIO_ACCOUNTS_FILE lists no account');
  const tokens = new Map<string, AccountTokens>(
    accounts.map((a) => [
      a.accountSid,
      {
        authToken: a.authToken,
        ...(a.secondaryAuthToken ? { secondaryAuthToken: a.secondaryAuthToken } : {}),
      },
    ]),
  );
  return {
    credentials: environmentCredentials({
      TWILIO_ACCOUNT_SID: parent.accountSid,
      TWILIO_AUTH_TOKEN: parent.authToken,
      TWILIO_SECONDARY_AUTH_TOKEN: parent.secondaryAuthToken,
    })!,
    accounts: staticAccountTokens(tokens),
    fallback: explicitToken ? environmentCredentials({ TWILIO_AUTH_TOKEN: explicitToken }) : undefined,
  };
}
