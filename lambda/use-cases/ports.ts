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

/** What the sender needs of the store: the write, and a check that one would be taken now. */
export interface SendStore extends ObservationStore {
  /** Resolves when the store answers a cheap read; throws when it cannot be reached. */
  checkReachable(): Promise<void>;
}

/**
 * A durable place for the record of a message Twilio accepted while the store could not take it: the
 * send queue in Lambda, a file next to the local data on `npm start`. What it keeps is written to the
 * store later, once the store answers again (retried until then), so no sent message goes unrecorded.
 */
export interface RecordOutbox {
  put(observation: StatusObservation): Promise<void>;
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
