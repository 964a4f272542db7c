/**
 * `TWILIO_ACCOUNTS_FILE`: the Twilio accounts of a local run, one file for the tracker and the simulator.
 *
 *   {"accounts": [{"accountSid": "AC...", "authToken": "...", "secondaryAuthToken": "..."}, ...]}
 *
 * The first entry is the parent account (the sender's credentials); the others are its subaccounts. The
 * tracker checks each callback with its account's tokens; the simulator signs with them.
 */
import { readFileSync } from 'node:fs';

export interface LocalAccount {
  accountSid: string;
  authToken: string;
  secondaryAuthToken?: string;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

/** The accounts in the file; throws AccountsFileError with a sentence naming what is wrong. */
export function readAccountsFile(path: string): LocalAccount[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new AccountsFileError(`TWILIO_ACCOUNTS_FILE: cannot read ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AccountsFileError(`TWILIO_ACCOUNTS_FILE: ${path} is not JSON`);
  }
  return parseAccounts(parsed, `TWILIO_ACCOUNTS_FILE ${path}`);
}

export function parseAccounts(parsed: unknown, source = 'the accounts file'): LocalAccount[] {
  const list = (parsed as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list) || list.length === 0) {
    throw new AccountsFileError(
      `${source} must be {"accounts": [{"accountSid": "AC...", "authToken": "..."}]}`,
    );
  }
  const seen = new Set<string>();
  return list.map((entry: unknown, i) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { accountSid, authToken, secondaryAuthToken } = e;
    if (typeof accountSid !== 'string' || !ACCOUNT_SID.test(accountSid)) {
      throw new AccountsFileError(
        `${source}: accounts[${i}].accountSid must be AC followed by 32 hex characters`,
      );
    }
    if (seen.has(accountSid)) throw new AccountsFileError(`${source}: ${accountSid} is listed twice`);
    seen.add(accountSid);
    if (typeof authToken !== 'string' || authToken === '') {
      throw new AccountsFileError(`${source}: accounts[${i}].authToken must be a non-empty string`);
    }
    if (
      secondaryAuthToken !== undefined &&
      (typeof secondaryAuthToken !== 'string' || secondaryAuthToken === '')
    ) {
      throw new AccountsFileError(`${source}: accounts[${i}].secondaryAuthToken must be a non-empty string`);
    }
    return { accountSid, authToken, ...(secondaryAuthToken ? { secondaryAuthToken } : {}) };
  });
}

export class AccountsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountsFileError';
  }
}
