/**
 * The key of the history's keyed hash on this machine: HISTORY_HASH_KEY when set, else a random key made
 * once in `<history dir>/../history-key` (readable by you alone) and reused, so the same number hashes
 * the same way across restarts and the history can still group by recipient.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIN_HASH_KEY_LENGTH } from '../../lambda/adapters/secondary/pseudonymiser';

export class HistoryKeyError extends Error {}

/** Where the generated key of a history folder lives. */
export function historyKeyFile(dir: string): string {
  return path.join(path.dirname(path.resolve(dir)), 'history-key');
}

export function historyHashKey(dir: string, given?: string): string {
  if (given !== undefined) return checked(given, 'HISTORY_HASH_KEY');
  const file = historyKeyFile(dir);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new HistoryKeyError(`cannot create the history key file ${file}: ${(error as Error).message}`);
  }
  return checked(readFileSync(file, 'utf8').trim(), file);
}

function checked(key: string, from: string): string {
  if (key.length < MIN_HASH_KEY_LENGTH)
    throw new HistoryKeyError(
      `the history hash key in ${from} must be at least ${MIN_HASH_KEY_LENGTH} characters`,
    );
  return key;
}
