/**
 * The sender's answer to a failed Twilio create: retry now (after a backoff), give up for now (a
 * retryable error for the caller or the queue), or report Twilio's rejection. Which Twilio answers are
 * permanent is a domain rule (classifyCreateFailure); this adds attempts, waits and the time left.
 */
import { backoffMs } from '../domain/backoff';
import { describeError } from '../domain/describe-error';
import { describeTwilioError } from '../domain/error-codes';
import { maskAddress } from '../domain/masking';
import { classifyCreateFailure, type SendCommand } from '../domain/send-request';
import {
  CredentialsUnavailableError,
  TwilioApiError,
  TwilioConfigurationError,
  TwilioNetworkError,
  type Log,
} from './ports';
import type { SendError, TwilioRejectedError, TwilioUnavailableError } from './send-results';

export interface RetryPolicy {
  /** Requests per send, the first included. */
  maxAttempts: number;
  /** Backoff before retry n (1-based) is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the send gives up (retryable) instead. */
  maxRetryAfterMs: number;
  /**
   * In Lambda, a retry starts only if at least this much of the invocation is left after its wait (one
   * Twilio request, 10 s at most, and the store write): giving up cleanly beats a timeout in the middle
   * of a create that may have reached Twilio.
   */
  minRemainingMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 10_000,
  minRemainingMs: 12_000,
};

export type RetryDecision =
  | { kind: 'retry'; delayMs: number; error: TwilioUnavailableError }
  | { kind: 'later'; error: SendError }
  | { kind: 'reject'; error: TwilioRejectedError };

export interface RetryDeciderDeps {
  policy: RetryPolicy;
  logger: Log;
  /** [0, 1): the jitter source. */
  random: () => number;
  /** The invocation's remaining time, or undefined outside Lambda. */
  remainingMs: () => number | undefined;
}

export function createRetryDecider(deps: RetryDeciderDeps) {
  const { policy, logger, random } = deps;

  /** Whether the invocation (when there is one) outlives a wait of delayMs plus one more attempt. */
  function timeLeftFor(delayMs: number): boolean {
    const remaining = deps.remainingMs();
    return remaining === undefined || remaining - delayMs >= policy.minRemainingMs;
  }

  function backoff(attempt: number, retryAfterSeconds?: number): number {
    return backoffMs(
      attempt,
      { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs },
      { retryAfterSeconds, random },
    );
  }

  function onApiError(error: TwilioApiError, attempt: number, command: SendCommand): RetryDecision {
    const decision = classifyCreateFailure(error.httpStatus, error.code);
    if (decision === 'reject') {
      logger.warn('Twilio rejected the message; not retried', {
        to: maskAddress(command.to),
        clientReference: command.clientReference,
        httpStatus: error.httpStatus,
        code: error.code,
        meaning: error.code !== undefined ? describeTwilioError(error.code).message : undefined,
      });
      return {
        kind: 'reject',
        error: {
          type: 'TwilioRejected',
          code: error.code,
          httpStatus: error.httpStatus,
          message: error.message,
          ...(error.moreInfo ? { moreInfo: error.moreInfo } : {}),
          retryable: false,
        },
      };
    }
    const unavailable: TwilioUnavailableError = {
      type: 'TwilioUnavailable',
      code: error.code,
      httpStatus: error.httpStatus,
      message: error.message,
      attempts: attempt,
      retryable: true,
    };
    if (decision === 'later') {
      logger.error('Twilio refused the request (credentials or account); retry later', {
        httpStatus: error.httpStatus,
        code: error.code,
      });
      return { kind: 'later', error: unavailable };
    }
    const retryAfterMs = (error.retryAfterSeconds ?? 0) * 1000;
    const delayMs = backoff(attempt, error.retryAfterSeconds);
    if (attempt >= policy.maxAttempts || retryAfterMs > policy.maxRetryAfterMs || !timeLeftFor(delayMs)) {
      logger.error('Twilio create failed; giving up for now', {
        attempts: attempt,
        httpStatus: error.httpStatus,
        code: error.code,
        retryAfterSeconds: error.retryAfterSeconds,
      });
      return { kind: 'later', error: unavailable };
    }
    return { kind: 'retry', delayMs, error: unavailable };
  }

  function onNetworkError(error: TwilioNetworkError, attempt: number): RetryDecision {
    // A request that timed out may have reached Twilio; retrying can then send twice. Twilio's
    // Messages API has no idempotency token, so this is the price of not losing the message.
    const unavailable: TwilioUnavailableError = {
      type: 'TwilioUnavailable',
      message: error.message,
      attempts: attempt,
      retryable: true,
    };
    const delayMs = backoff(attempt);
    if (attempt >= policy.maxAttempts || !timeLeftFor(delayMs)) {
      logger.error('Twilio unreachable; giving up for now', { attempts: attempt, code: error.code });
      return { kind: 'later', error: unavailable };
    }
    return { kind: 'retry', delayMs, error: unavailable };
  }

  /** What to do after attempt number `attempt` (1-based) of a create failed with `error`. */
  return function decide(error: unknown, attempt: number, command: SendCommand): RetryDecision {
    if (error instanceof TwilioApiError) return onApiError(error, attempt, command);
    if (error instanceof TwilioNetworkError) return onNetworkError(error, attempt);
    if (error instanceof CredentialsUnavailableError || error instanceof TwilioConfigurationError) {
      logger.error('Twilio credentials unavailable; nothing sent', {
        error: error.name,
        detail: error.message,
      });
      return {
        kind: 'later',
        error: { type: 'DependencyUnavailable', message: 'Twilio credentials unavailable', retryable: true },
      };
    }
    logger.error('unexpected error sending a message', { error: describeError(error) });
    return { kind: 'later', error: { type: 'InternalError', message: 'unexpected error', retryable: true } };
  };
}
