import { STORE_DEFAULTS } from '../../lambda/domain/contract';

/** The store settings the construct sets on every function that writes records, as environment. */
export const STORE_ENV = {
  RETENTION_DAYS: String(STORE_DEFAULTS.retentionDays),
  PENDING_SHARDS: String(STORE_DEFAULTS.pendingShards),
} as const;
