import type { ApplyOptions } from '../domain/apply-observation';
import { DEFAULT_APPLY_OPTIONS } from './message-store';

/** Store options from the environment the stack sets; defaults for local runs. */
export function applyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ApplyOptions {
  return {
    retentionDays: positiveInt(env.RETENTION_DAYS, DEFAULT_APPLY_OPTIONS.retentionDays, 'RETENTION_DAYS'),
    pendingShards: positiveInt(env.PENDING_SHARDS, DEFAULT_APPLY_OPTIONS.pendingShards, 'PENDING_SHARDS'),
  };
}

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
