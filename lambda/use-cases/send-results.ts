/**
 * What a send answers: `{ messageSid, status }` or `{ error }`, where every error says whether the same
 * request may succeed later (`retryable`). The direct invocation returns these as they are; the SQS
 * entry and POST /messages (local) map them onto redelivery and HTTP statuses.
 */
import type { ValidationError } from '../domain/send-request';

export interface SendSuccess {
  messageSid: string;
  /** The status Twilio returned on create: `queued`, or `accepted` through a Messaging Service. */
  status: string;
  /** With the `warn` dead-number policy: the recipient is a dead number, and the send went through. */
  warning?: string;
}

/**
 * The recipient is recorded as a dead number (domain/dead-numbers.ts) and the policy is `refuse`:
 * nothing was sent or written. Clearing the number (`clear`) lets the next send through.
 */
export interface DeadNumberError {
  type: 'DeadNumber';
  message: string;
  /** The Twilio error code that made it dead. */
  reason: number;
  reasonMessage: string;
  deadSince: string;
  /** How to clear it: the API's method and path. */
  clear: string;
  retryable: false;
}

/** Twilio refused this message for good: sending it again as it is cannot succeed. */
export interface TwilioRejectedError {
  type: 'TwilioRejected';
  /** Twilio's error code (https://www.twilio.com/docs/api/errors/{code}). */
  code?: number;
  httpStatus: number;
  /** Twilio's own message. */
  message: string;
  moreInfo?: string;
  retryable: false;
}

/** Twilio did not take the message now (rate limit, outage, network, credentials refused). */
export interface TwilioUnavailableError {
  type: 'TwilioUnavailable';
  code?: number;
  httpStatus?: number;
  message: string;
  /** Requests made before giving up. */
  attempts: number;
  retryable: true;
}

/** The same idempotency key was used before with a different request. */
export interface IdempotencyConflictError {
  type: 'IdempotencyConflict';
  message: string;
  retryable: false;
}

/** A request with the same idempotency key is being sent right now; ask again for its result. */
export interface InProgressError {
  type: 'InProgress';
  message: string;
  retryable: true;
}

/** Credentials or the idempotency table could not be read or written; nothing was sent. */
export interface DependencyUnavailableError {
  type: 'DependencyUnavailable';
  message: string;
  retryable: true;
}

/** A bug; the details are in the log, not in the answer. */
export interface InternalError {
  type: 'InternalError';
  message: string;
  retryable: true;
}

export type SendError =
  | ValidationError
  | TwilioRejectedError
  | DeadNumberError
  | TwilioUnavailableError
  | IdempotencyConflictError
  | InProgressError
  | DependencyUnavailableError
  | InternalError;

export interface SendFailure {
  error: SendError;
}

/** `{ messageSid, status }` or `{ error }`: the direct invocation's answer, as it is. */
export type SendResult = SendSuccess | SendFailure;

export function isSendFailure(result: SendResult): result is SendFailure {
  return 'error' in result;
}

/**
 * What happened to one call, for metrics: `sent` only when Twilio created a message (an idempotent
 * repeat is not a send), `failed` for every error answered.
 */
export type SendOutcome =
  | { kind: 'sent'; messageSid: string; status: string; attempts: number }
  | { kind: 'failed'; error: SendError }
  /** Sent, but its record went to the outbox (the store failed after Twilio accepted it). */
  | { kind: 'deferred'; messageSid: string }
  /** A record the outbox kept was written. */
  | { kind: 'deferred-written'; messageSid: string };
