import { DynamoDeadNumberStore } from '../adapters/secondary/dead-number-store';
import { createDynamoClient } from '../adapters/secondary/dynamodb';
import {
  DEFAULT_DEAD_NUMBER_POLICY,
  isDeadNumberPolicy,
  type DeadNumberPolicy,
} from '../domain/dead-numbers';
import { recordingDeadNumbers } from '../use-cases/dead-numbers';
import type { Log, ObservationStore } from '../use-cases/ports';

/**
 * The dead-numbers table from DEAD_NUMBERS_TABLE_NAME, which the construct sets on every function that
 * records statuses, sends or serves the dead-numbers API. Absent (a function built before the table
 * existed): no dead numbers are kept or checked.
 */
export function deadNumbersFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoDeadNumberStore | undefined {
  const tableName = env.DEAD_NUMBERS_TABLE_NAME;
  return tableName ? new DynamoDeadNumberStore(createDynamoClient(), tableName) : undefined;
}

/** `store` that also counts dead-number failures, when the table is configured; else `store` itself. */
export function withDeadNumbersFromEnv<S extends ObservationStore>(
  store: S,
  logger: Pick<Log, 'warn'>,
  env: NodeJS.ProcessEnv = process.env,
): S {
  const deadNumbers = deadNumbersFromEnv(env);
  return deadNumbers ? recordingDeadNumbers(store, deadNumbers, logger) : store;
}

/** DEAD_NUMBER_POLICY: `refuse` (default) or `warn`; anything else fails the cold start. */
export function deadNumberPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): DeadNumberPolicy {
  const raw = env.DEAD_NUMBER_POLICY;
  if (raw === undefined || raw === '') return DEFAULT_DEAD_NUMBER_POLICY;
  if (!isDeadNumberPolicy(raw))
    throw new Error(`DEAD_NUMBER_POLICY must be "refuse" or "warn", got "${raw}"`);
  return raw;
}
