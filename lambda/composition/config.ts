import type { ApplyOptions } from '../domain/apply-observation';
import { tagIndexKeyProblem } from '../domain/contract';

/**
 * Store options from the environment. The construct sets both on every function that writes records, so
 * a missing one is a misconfiguration: it fails the cold start instead of silently disagreeing with the
 * reconciler about the pending index's shards.
 */
export function applyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ApplyOptions {
  return {
    retentionDays: positiveEnv('RETENTION_DAYS', { integer: true, env }),
    pendingShards: positiveEnv('PENDING_SHARDS', { integer: true, env }),
    ...tagIndexKeyFromEnv(env),
  };
}

/** TAG_INDEX_KEY, set by the construct only when the table has the tag index; a malformed one throws. */
export function tagIndexKeyFromEnv(env: NodeJS.ProcessEnv = process.env): { tagIndexKey?: string } {
  const key = env.TAG_INDEX_KEY;
  if (key === undefined || key === '') return {};
  const problem = tagIndexKeyProblem(key);
  if (problem) throw new Error(`Environment variable TAG_INDEX_KEY: ${problem}`);
  return { tagIndexKey: key };
}

/**
 * A positive number from the environment, required. A missing or malformed value throws, so a
 * misconfigured function fails its cold start rather than each request.
 */
export function positiveEnv(
  name: string,
  options: { integer?: boolean; env?: NodeJS.ProcessEnv } = {},
): number {
  const raw = (options.env ?? process.env)[name];
  if (raw === undefined || raw === '') throw new Error(`Environment variable ${name} is required`);
  const value = Number(raw);
  const valid = options.integer ? Number.isInteger(value) && value > 0 : Number.isFinite(value) && value > 0;
  if (!valid)
    throw new Error(`${name} must be a positive ${options.integer ? 'integer' : 'number'}, got "${raw}"`);
  return value;
}
