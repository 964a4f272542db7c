/**
 * The send use case, and the Lambda's two ways in (direct invocation, SQS send queue):
 *
 *   (direct payload | SQS record | POST /messages) --> send(request)
 *     --> validateSendRequest --(key? Powertools idempotency)--> Twilio create, retried with backoff
 *     --> MessageStore.apply({ source: 'send' })
 *
 * Rules a caller can rely on:
 * - Bad input is answered with a ValidationError and never reaches Twilio, the idempotency table or the
 *   store. `send` never throws for anything a caller sent.
 * - The same `idempotencyKey` is sent at most once while its idempotency record lives
 *   (`expiresAfterSeconds`, default 24 h): a repeat returns the first result (same messageSid), a
 *   concurrent repeat gets `InProgress`, a repeat with a different payload gets `IdempotencyConflict`.
 *   Without a key there is no idempotency: every call sends.
 * - Twilio 429/5xx and network errors are retried (bounded attempts, exponential backoff with full
 *   jitter, never sooner than Retry-After). A permanent Twilio error (21211, 21610, 21614...) is
 *   returned with Twilio's code and message after one request.
 * - Every error carries `retryable`: true means "the same request may succeed later" (and the SQS record
 *   is reported as a batch item failure so SQS redelivers it and, in the end, dead-letters it).
 * - Once Twilio has accepted a message the call succeeds: a store write that fails is logged, and the
 *   item is still created by the message's first status callback. Failing instead would make an SQS
 *   redelivery send the message a second time.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { IDEMPOTENCY_TABLE } from '../domain/contract';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { ApplyResult } from '../domain/apply-observation';
import { describeTwilioError } from '../domain/error-codes';
import { backoffMs } from '../domain/backoff';
import { positiveEnv } from './config';
import { maskAddress } from '../domain/masking';
import { MetricName } from '../domain/metric-names';
import type { StatusObservation } from '../domain/observation';
import {
  checkSendDefaults,
  classifyCreateFailure,
  statusCallbackFor,
  validateSendRequest,
  type SendCommand,
  type SendDefaults,
  type ValidationError,
} from '../domain/send-request';
import {
  TwilioApiError,
  TwilioConfigurationError,
  TwilioNetworkError,
  type CreatedMessage,
  type MessagesPort,
} from './twilio-messages';
import { CredentialsUnavailableError } from './twilio-credentials';

// ---------------------------------------------------------------------------------------------------
// Results

export interface SendSuccess {
  messageSid: string;
  /** The status Twilio returned on create: `queued`, or `accepted` through a Messaging Service. */
  status: string;
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
  | { kind: 'failed'; error: SendError };

// ---------------------------------------------------------------------------------------------------
// Dependencies

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

export interface SenderConfig {
  /** Sender used when a request names none, and whether http media URLs are allowed (local runs). */
  defaults: SendDefaults;
  /** `STATUS_CALLBACK_URL`: the per-message StatusCallback (may carry `#rc=...` connection overrides). */
  statusCallbackUrl?: string;
  /** `USE_SERVICE_CALLBACK=true`: messages sent through a Messaging Service rely on its callback. */
  useServiceCallback: boolean;
  /** How long an idempotency key is remembered. Default 24 h (cover the send queue's redeliveries). */
  idempotencyExpiresAfterSeconds?: number;
  /**
   * Outside Lambda, how long an in-progress idempotency record blocks a repeat before it is taken as
   * abandoned (a crash mid-send). In Lambda the invocation's remaining time is used. Default 60 s.
   */
  inProgressWindowMs?: number;
}

export interface SenderDeps {
  messages: MessagesPort;
  store: { apply(observation: StatusObservation): Promise<ApplyResult> };
  /** Powertools persistence layer (see createIdempotencyStore). */
  idempotency: BasePersistenceLayer;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  config: SenderConfig;
  now?: () => Date;
  /** Waits between attempts; tests inject one that records the delay and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1): the jitter source. */
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Told of every outcome (metrics, tests); never changes the answer. */
  onOutcome?: (outcome: SendOutcome) => void;
}

export interface Sender {
  send(request: unknown): Promise<SendResult>;
  /** In Lambda: bounds an in-progress idempotency record by this invocation's remaining time. */
  registerLambdaContext(context: Pick<Context, 'getRemainingTimeInMillis'>): void;
}

/** The key prefix of idempotency records: stable across deployments and function renames. */
export const IDEMPOTENCY_KEY_PREFIX = 'twilio-status-tracker.send';
const DEFAULT_IDEMPOTENCY_SECONDS = 24 * 3600;

/** A failure worth another try later: thrown inside the idempotent section so its record is removed. */
class RetryLaterError extends Error {
  constructor(readonly failure: SendError) {
    super(failure.message);
    this.name = 'RetryLaterError';
  }
}

// ---------------------------------------------------------------------------------------------------
// The use case

export function createSender(deps: SenderDeps): Sender {
  const problem = checkSendDefaults(deps.config.defaults);
  if (problem) throw new Error(`Sender configuration: ${problem}`);
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
  const { logger } = deps;

  let lambdaContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;
  const inProgressWindowMs = deps.config.inProgressWindowMs ?? 60_000;
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    // The same key with another message is a caller's mistake, not a repeat: answer a conflict.
    payloadValidationJmesPath: '[to, body, mediaUrls, from, messagingServiceSid, clientReference]',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: deps.config.idempotencyExpiresAfterSeconds ?? DEFAULT_IDEMPOTENCY_SECONDS,
  });
  // Powertools reads only getRemainingTimeInMillis() from the registered context, to stamp how long
  // an in-progress record may block; registered once, it follows the current invocation.
  idempotencyConfig.registerLambdaContext({
    getRemainingTimeInMillis: () => lambdaContext?.getRemainingTimeInMillis() ?? inProgressWindowMs,
  } as Context);

  /** One send, retries included. Returns success or a permanent rejection; throws RetryLaterError. */
  async function sendNow(command: SendCommand, sent: { result?: SendSuccess }): Promise<SendResult> {
    const params = {
      to: command.to,
      from: command.from,
      messagingServiceSid: command.messagingServiceSid,
      body: command.body,
      mediaUrls: command.mediaUrls,
      statusCallback: statusCallbackFor(command, deps.config),
    };
    let attempt = 0;
    for (;;) {
      attempt++;
      let created: CreatedMessage;
      try {
        created = await deps.messages.create(params);
      } catch (error) {
        const decision = decide(error, attempt, command);
        if (decision.kind === 'reject') return { error: decision.error };
        if (decision.kind === 'later') throw new RetryLaterError(decision.error);
        logger.warn('Twilio create failed; retrying', {
          attempt,
          delayMs: decision.delayMs,
          httpStatus: decision.error.httpStatus,
          code: decision.error.code,
        });
        await sleep(decision.delayMs);
        continue;
      }
      const result: SendSuccess = { messageSid: created.sid, status: created.status };
      sent.result = result;
      deps.onOutcome?.({ kind: 'sent', ...result, attempts: attempt });
      await record(command, created);
      logger.info('message sent', {
        messageSid: created.sid,
        status: created.status,
        attempts: attempt,
        to: maskAddress(command.to),
        clientReference: command.clientReference,
        statusCallback: params.statusCallback !== undefined,
      });
      return result;
    }
  }

  type Decision =
    | { kind: 'retry'; delayMs: number; error: TwilioUnavailableError }
    | { kind: 'later'; error: SendError }
    | { kind: 'reject'; error: TwilioRejectedError };

  function decide(error: unknown, attempt: number, command: SendCommand): Decision {
    if (error instanceof TwilioApiError) {
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
    if (error instanceof TwilioNetworkError) {
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
  }

  /** Whether the invocation (when there is one) outlives a wait of delayMs plus one more attempt. */
  function timeLeftFor(delayMs: number): boolean {
    const remaining = lambdaContext?.getRemainingTimeInMillis();
    return remaining === undefined || remaining - delayMs >= policy.minRemainingMs;
  }

  function backoff(attempt: number, retryAfterSeconds?: number): number {
    return backoffMs(
      attempt,
      { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs },
      { retryAfterSeconds, random },
    );
  }

  async function record(command: SendCommand, created: CreatedMessage): Promise<void> {
    const observation: StatusObservation = {
      messageSid: created.sid,
      status: created.status.toLowerCase(),
      observedAt: now().toISOString(),
      source: 'send',
      to: created.to || command.to,
    };
    const from = created.from || command.from;
    if (from) observation.from = from;
    const service = created.messagingServiceSid || command.messagingServiceSid;
    if (service) observation.messagingServiceSid = service;
    if (created.accountSid) observation.accountSid = created.accountSid;
    if (command.clientReference !== undefined) observation.clientReference = command.clientReference;
    const createdAt = created.dateCreated;
    if (createdAt instanceof Date && !Number.isNaN(createdAt.getTime())) {
      observation.createdAt = createdAt.toISOString();
    }
    try {
      await deps.store.apply(observation);
    } catch (error) {
      logger.error('message sent but not recorded; its first status callback will create the item', {
        messageSid: created.sid,
        error: describeError(error),
      });
    }
  }

  const sendOnce = makeIdempotent(sendNow, {
    persistenceStore: deps.idempotency,
    config: idempotencyConfig,
    keyPrefix: IDEMPOTENCY_KEY_PREFIX,
    dataIndexArgument: 0,
  });

  async function send(request: unknown): Promise<SendResult> {
    const result = await attemptSend(request);
    if (isSendFailure(result)) deps.onOutcome?.({ kind: 'failed', error: result.error });
    return result;
  }

  async function attemptSend(request: unknown): Promise<SendResult> {
    const validated = validateSendRequest(request, deps.config.defaults);
    if (!validated.ok) return { error: validated.error };
    const { command } = validated;
    const sent: { result?: SendSuccess } = {};
    try {
      if (command.idempotencyKey === undefined) return await sendNow(command, sent);
      return (await sendOnce(command, sent)) as SendResult;
    } catch (error) {
      if (error instanceof RetryLaterError) return { error: error.failure };
      // Twilio accepted the message but its idempotency record could not be completed: the message
      // is sent, so say so (an error here would invite a second send).
      if (sent.result) {
        logger.error('message sent but its idempotency record was not saved', {
          messageSid: sent.result.messageSid,
          error: describeError(error),
        });
        return sent.result;
      }
      return { error: idempotencyFailure(error) };
    }
  }

  function idempotencyFailure(error: unknown): SendError {
    const name = (error as { name?: string } | null)?.name;
    if (name === 'IdempotencyAlreadyInProgressError') {
      return {
        type: 'InProgress',
        message: 'a request with this idempotencyKey is being sent; retry to get its result',
        retryable: true,
      };
    }
    if (name === 'IdempotencyValidationError') {
      return {
        type: 'IdempotencyConflict',
        message: 'this idempotencyKey was already used for a different message',
        retryable: false,
      };
    }
    if (name?.startsWith('Idempotency')) {
      logger.error('idempotency store unavailable; nothing sent', { error: describeError(error) });
      return { type: 'DependencyUnavailable', message: 'idempotency store unavailable', retryable: true };
    }
    logger.error('unexpected error sending a message', { error: describeError(error) });
    return { type: 'InternalError', message: 'unexpected error', retryable: true };
  }

  return {
    send,
    registerLambdaContext(context) {
      lambdaContext = context;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Configuration

/**
 * The sender's settings from the environment the stack (or the local server) sets. Throws on a missing
 * or contradictory setting, so a misconfigured function fails its cold start, not each request.
 */
export function senderConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SenderConfig {
  const useServiceCallback = flag(env.USE_SERVICE_CALLBACK, 'USE_SERVICE_CALLBACK');
  const statusCallbackUrl = env.STATUS_CALLBACK_URL || undefined;
  if (statusCallbackUrl === undefined && !useServiceCallback) {
    throw new Error(
      'Set STATUS_CALLBACK_URL, or USE_SERVICE_CALLBACK=true when the Messaging Service has one',
    );
  }
  if (statusCallbackUrl !== undefined && !isCallbackUrl(statusCallbackUrl)) {
    // Twilio refuses a StatusCallback whose host has an underscore (error 21609).
    throw new Error('STATUS_CALLBACK_URL must be an http(s) URL whose host has no underscore');
  }
  const idempotencyExpiresAfterSeconds = env.IDEMPOTENCY_TTL_SECONDS
    ? positiveEnv('IDEMPOTENCY_TTL_SECONDS', 0, { integer: true, env })
    : undefined;
  return {
    defaults: {
      from: env.DEFAULT_FROM || undefined,
      messagingServiceSid: env.DEFAULT_MESSAGING_SERVICE_SID || undefined,
      allowHttpMedia: flag(env.ALLOW_HTTP_MEDIA_URLS, 'ALLOW_HTTP_MEDIA_URLS'),
    },
    statusCallbackUrl,
    useServiceCallback,
    idempotencyExpiresAfterSeconds,
  };
}

function isCallbackUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}

function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`${name} must be "true" or "false", got "${raw}"`);
}

/**
 * The sender's CloudWatch metrics (names shared with the dashboard): `MessagesSent` per message Twilio
 * created, `SendFailures` per request that failed for good (invalid, rejected by Twilio, key conflict).
 * Retryable failures are not counted here: the send queue's depth and dead letters show them.
 */
export function recordSendMetrics(metrics: Pick<Metrics, 'addMetric'>, outcome: SendOutcome): void {
  if (outcome.kind === 'sent') metrics.addMetric(MetricName.MessagesSent, MetricUnit.Count, 1);
  else if (!outcome.error.retryable) metrics.addMetric(MetricName.SendFailures, MetricUnit.Count, 1);
}

// ---------------------------------------------------------------------------------------------------
// The Lambda's ways in

export type SenderEvent = SQSEvent | Record<string, unknown>;
export type SenderResponse = SendResult | SQSBatchResponse;

export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  );
}

/**
 * One handler for both sources:
 * - a direct invocation's payload is a send request; the answer is `SendResult` (never a thrown error);
 * - an SQS event: each record's body is a JSON send request. A record whose error is `retryable` is
 *   reported in `batchItemFailures` (SQS redelivers it, then dead-letters it); a record that can never
 *   succeed (invalid, rejected by Twilio, key conflict) is logged and removed from the queue.
 */
export function createSenderHandler(deps: {
  sender: Sender;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}) {
  const { sender, logger } = deps;
  const processor = new BatchProcessor(EventType.SQS, { logger: { ...logger, debug: () => undefined } });

  const handleRecord = async (record: SQSRecord): Promise<SendResult> => {
    let payload: unknown;
    try {
      payload = JSON.parse(record.body);
    } catch {
      logger.error('send request dropped: SQS message body is not JSON', { messageId: record.messageId });
      return {
        error: { type: 'ValidationError', field: 'request', message: 'body is not JSON', retryable: false },
      };
    }
    const result = await sender.send(payload);
    if (!isSendFailure(result)) return result;
    const { error } = result;
    if (error.retryable) {
      // Reported as a batch item failure: the message stays on the queue.
      throw new Error(`${error.type}: ${error.message}`);
    }
    const details = {
      messageId: record.messageId,
      type: error.type,
      ...(error.type === 'TwilioRejected' ? { code: error.code, httpStatus: error.httpStatus } : {}),
      ...(error.type === 'ValidationError' ? { field: error.field, reason: error.message } : {}),
    };
    if (error.type === 'TwilioRejected') logger.warn('send request dropped: Twilio rejected it', details);
    else logger.error('send request dropped: it can never succeed', details);
    return result;
  };

  return async function handleSenderEvent(
    event: SenderEvent,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<SenderResponse> {
    sender.registerLambdaContext(context);
    if (isSqsEvent(event)) {
      return processPartialResponse(event, handleRecord, processor, {
        context: context as Context,
        // Every record failing is reported record by record too: same redelivery, no stack trace.
        throwOnFullBatchFailure: false,
      });
    }
    return sender.send(event);
  };
}

// ---------------------------------------------------------------------------------------------------
// The idempotency table

export { IDEMPOTENCY_TABLE };

export function createIdempotencyStore(options: {
  tableName: string;
  client: DynamoDBClient;
}): BasePersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    keyAttr: IDEMPOTENCY_TABLE.partitionKey,
    awsSdkV3Client: options.client,
  });
}

/** Creates the idempotency table (partition key `id` S, TTL on `expiration`) unless it exists. Local mode and tests. */
export async function ensureIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' }],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TABLE.ttlAttribute, Enabled: true },
    }),
  );
}

function describeError(error: unknown): Record<string, unknown> | string {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : String(error);
}
