import type { ApplyOptions } from '../domain/apply-observation';
import { DEFAULT_APPLY_OPTIONS } from './message-store';

/** Store options from the environment the stack sets; defaults for local runs. */
export function applyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ApplyOptions {
  return {
    retentionDays: positiveEnv('RETENTION_DAYS', DEFAULT_APPLY_OPTIONS.retentionDays, { integer: true, env }),
    pendingShards: positiveEnv('PENDING_SHARDS', DEFAULT_APPLY_OPTIONS.pendingShards, { integer: true, env }),
  };
}

/**
 * A positive number from the environment, or the fallback when unset. A malformed value throws, so a
 * misconfigured function fails its cold start rather than each request.
 */
export function positiveEnv(
  name: string,
  fallback: number,
  options: { integer?: boolean; env?: NodeJS.ProcessEnv } = {},
): number {
  const raw = (options.env ?? process.env)[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const valid = options.integer ? Number.isInteger(value) && value > 0 : Number.isFinite(value) && value > 0;
  if (!valid)
    throw new Error(`${name} must be a positive ${options.integer ? 'integer' : 'number'}, got "${raw}"`);
  return value;
}
