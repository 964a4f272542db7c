/**
 * The key history rows are hashed with, in AWS: a generated Secrets Manager secret (a plain string),
 * read through Powertools Parameters and cached per container. The key never rotates by itself:
 * a new key would give every address a new hash, so history could no longer group a recipient across
 * the change.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Pseudonymise } from '../../domain/history/row';
import { createPseudonymiser } from './pseudonymiser';

export interface HistoryKeyOptions {
  readonly secretId: string;
  /** Seconds a read is reused before Powertools reads again. */
  readonly maxAgeSeconds?: number;
  /** Reads the secret's string; injectable for tests. */
  readonly read?: (secretId: string, maxAge: number) => Promise<unknown>;
}

/** The pseudonymiser under the secret's current key; the same one while the key is unchanged. */
export function secretPseudonymiser(options: HistoryKeyOptions): () => Promise<Pseudonymise> {
  const maxAge = options.maxAgeSeconds ?? 3600;
  const read = options.read ?? ((secretId: string, age: number) => getSecret(secretId, { maxAge: age }));
  let last: { key: string; pseudonymise: Pseudonymise } | undefined;
  return async () => {
    const key = await read(options.secretId, maxAge);
    if (typeof key !== 'string') throw new Error('the history hash key secret holds no string value');
    if (last?.key !== key) last = { key, pseudonymise: createPseudonymiser(key) };
    return last.pseudonymise;
  };
}
