/**
 * "Send this at most once": the sender's port to an idempotency store. The adapter
 * (adapters/idempotency.ts) implements it with Powertools Idempotency on a DynamoDB table and turns that
 * library's errors into the three below, so the sender decides on meanings, not on a library's names.
 */

export interface IdempotencySettings {
  /** The payload field that holds the key; a payload without one must not be guarded. */
  keyField: string;
  /** Payload fields that must match the first request under the same key (else RepeatConflictError). */
  payloadFields: readonly string[];
  /** How long a key is remembered after its first request completed. */
  expiresAfterSeconds: number;
  /** How long, from now, an in-progress record may block a repeat before it counts as abandoned. */
  inProgressMs(): number;
}

/**
 * Runs `work` for the first request under a key and answers every repeat with the first result while
 * its record lives. A `work` that throws leaves no record, so the same key may be tried again.
 */
export type GuardedRun = <R>(payload: object, work: () => Promise<R>) => Promise<R>;

export interface IdempotencyPort {
  guard(settings: IdempotencySettings): GuardedRun;
}

/** A request with the same key is running right now. */
export class RepeatInProgressError extends Error {
  constructor(cause?: unknown) {
    super('a request with this idempotency key is in progress', { cause });
    this.name = 'RepeatInProgressError';
  }
}

/** The key was used before with a different payload. */
export class RepeatConflictError extends Error {
  constructor(cause?: unknown) {
    super('this idempotency key was used for a different payload', { cause });
    this.name = 'RepeatConflictError';
  }
}

/** The idempotency store could not be read or written. */
export class IdempotencyStoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('idempotency store unavailable', { cause });
    this.name = 'IdempotencyStoreUnavailableError';
  }
}
