/**
 * The ports every use case shares: small interfaces the handlers fill with real adapters (Powertools
 * Logger, the DynamoDB message store, ...). A use case names what it needs here and never imports an
 * adapter, so the rules can be read, and run, without AWS or Twilio behind them.
 */
import type { ApplyResult } from '../domain/apply-observation';
import type { StatusObservation } from '../domain/observation';

/** Structured logging, as Powertools Logger offers it: a message and attributes. */
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** Where every observation goes: the one apply rule of domain/apply-observation.ts behind a store. */
export interface ObservationStore {
  apply(observation: StatusObservation): Promise<ApplyResult>;
}

/** The part of a Lambda context a use case reads: how long the invocation may still run. */
export interface InvocationTime {
  getRemainingTimeInMillis(): number;
}

/**
 * Twilio credentials could not be read (Secrets Manager unreachable, a malformed secret). Callers answer
 * "retry later" (503, a retryable send error), never "rejected": the request itself may be fine.
 */
export class CredentialsUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'CredentialsUnavailableError';
  }
}
