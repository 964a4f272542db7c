/**
 * The send use case: one send request in, one answer out.
 *
 *   request --> validateSendRequest --> SendStore.checkReachable --(key? IdempotencyPort)-->
 *     MessagesPort.create, retried with backoff --> SendStore.apply({ source: 'send' })
 *                                                     \--(store failed)--> RecordOutbox.put
 *
 * Rules a caller can rely on:
 * - Bad input is answered with a ValidationError and never reaches Twilio, the idempotency table or the
 *   store. `send` never throws for anything a caller sent.
 * - The same `idempotencyKey` is sent at most once while its idempotency record lives
 *   (`expiresAfterSeconds`, default 24 h): a repeat returns the first result (same messageSid), a
 *   concurrent repeat gets `InProgress`, a repeat with a different payload gets `IdempotencyConflict`.
 *   Without a key there is no idempotency: every call sends.
 * - Twilio 429/5xx and network errors are retried (bounded attempts, exponential backoff with full
 *   jitter, never sooner than Retry-After; see send-retry.ts). A permanent Twilio error (21211, 21610,
 *   21614...) is returned with Twilio's code and message after one request.
 * - Every error carries `retryable`: true means "the same request may succeed later" (and the SQS record
 *   is reported as a batch item failure so SQS redelivers it and, in the end, dead-letters it).
 * - A send to a recipient recorded as a dead number (domain/dead-numbers.ts) is refused with a
 *   DeadNumber error before the idempotency table or Twilio is touched, unless the policy is `warn`:
 *   then it goes through and the answer carries a `warning`. A permanent rejection at create time
 *   whose code is a dead-number code (21211, 21610, 21614) records the recipient.
 * - A send the tracker could not record is refused before Twilio is called: when the store does not
 *   answer, the answer is DependencyUnavailable (retryable, 503) and nothing is sent.
 * - Once Twilio has accepted a message the call succeeds: a store write that fails then (the store went
 *   down in between) puts the record in the RecordOutbox, a durable place it is written from once the
 *   store is back (`recordDeferred`). Failing instead would make an SQS redelivery send it a second time.
 */
import { describeError } from '../domain/describe-error';
import { maskAddress } from '../domain/masking';
import {
  DEFAULT_DEAD_NUMBER_POLICY,
  deadNumberNotice,
  deadNumberPath,
  type DeadNumberPolicy,
} from '../domain/dead-numbers';
import { countFailure } from './dead-numbers';
import type { StatusObservation } from '../domain/observation';
import {
  checkSendDefaults,
  SEND_PAYLOAD_FIELDS,
  statusCallbackFor,
  validateSendRequest,
  type SendCommand,
  type SendDefaults,
} from '../domain/send-request';
import type { ApplyResult } from '../domain/apply-observation';
import {
  IdempotencyStoreUnavailableError,
  RepeatConflictError,
  RepeatInProgressError,
  type CreatedMessage,
  type DeadNumberStore,
  type IdempotencyPort,
  type InvocationTime,
  type Log,
  type MessagesPort,
  type RecordOutbox,
  type SendStore,
} from './ports';
import {
  isSendFailure,
  type SendError,
  type SendOutcome,
  type SendResult,
  type SendSuccess,
} from './send-results';
import { createRetryDecider, DEFAULT_RETRY_POLICY, type RetryPolicy } from './send-retry';

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
  /** `DEAD_NUMBER_POLICY`: refuse (default) or warn about a send to a dead number. */
  deadNumberPolicy?: DeadNumberPolicy;
}

export interface SenderDeps {
  messages: MessagesPort;
  store: SendStore;
  /** Dead numbers (domain/dead-numbers.ts): checked before a send; without it nobody is refused. */
  deadNumbers?: DeadNumberStore;
  /** Where a record the store refused after Twilio accepted the message waits (without: only logged). */
  outbox?: RecordOutbox;
  /** Remembers idempotency keys (adapters/secondary/idempotency.ts). */
  idempotency: IdempotencyPort;
  logger: Log;
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
  /** Writes a record the outbox kept; throws (to be retried) while the store still cannot take it. */
  recordDeferred(observation: StatusObservation): Promise<ApplyResult>;
  /** In Lambda: bounds an in-progress idempotency record by this invocation's remaining time. */
  registerLambdaContext(context: InvocationTime): void;
}

const DEFAULT_IDEMPOTENCY_SECONDS = 24 * 3600;

/** A failure worth another try later: thrown inside the idempotent section so its record is removed. */
class RetryLaterError extends Error {
  constructor(readonly failure: SendError) {
    super(failure.message);
    this.name = 'RetryLaterError';
  }
}

export function createSender(deps: SenderDeps): Sender {
  const problem = checkSendDefaults(deps.config.defaults);
  if (problem) throw new Error(`Sender configuration: ${problem}`);
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { logger } = deps;

  let lambdaContext: InvocationTime | undefined;
  const inProgressWindowMs = deps.config.inProgressWindowMs ?? 60_000;
  const decide = createRetryDecider({
    policy: { ...DEFAULT_RETRY_POLICY, ...deps.retry },
    logger,
    random: deps.random ?? Math.random,
    remainingMs: () => lambdaContext?.getRemainingTimeInMillis(),
  });
  const sendOnce = deps.idempotency.guard({
    keyField: 'idempotencyKey',
    // The same key with another message is a caller's mistake, not a repeat: answer a conflict.
    payloadFields: SEND_PAYLOAD_FIELDS,
    expiresAfterSeconds: deps.config.idempotencyExpiresAfterSeconds ?? DEFAULT_IDEMPOTENCY_SECONDS,
    inProgressMs: () => lambdaContext?.getRemainingTimeInMillis() ?? inProgressWindowMs,
  });

  /** One send, retries included. Returns success or a permanent rejection; throws RetryLaterError. */
  async function sendNow(command: SendCommand, sent: { result?: SendSuccess }): Promise<SendResult> {
    const params = {
      to: command.to,
      from: command.from,
      messagingServiceSid: command.messagingServiceSid,
      body: command.body,
      mediaUrls: command.mediaUrls,
      statusCallback: statusCallbackFor(command, deps.config),
      accountSid: command.accountSid,
    };
    let attempt = 0;
    for (;;) {
      attempt++;
      let created: CreatedMessage;
      try {
        created = await deps.messages.create(params);
      } catch (error) {
        const decision = decide(error, attempt, command);
        if (decision.kind === 'reject') {
          await recordRejection(command, decision.error);
          return { error: decision.error };
        }
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

  /** Twilio refused the recipient for good at create time (21610, 21211...): remember it. */
  async function recordRejection(command: SendCommand, error: SendError): Promise<void> {
    if (!deps.deadNumbers || error.type !== 'TwilioRejected' || error.code === undefined) return;
    try {
      const at = now().toISOString();
      await countFailure(deps.deadNumbers, {
        recipient: command.to,
        code: error.code,
        messageSid: `rejected-at-send:${at}`,
        at,
        logger,
      });
    } catch (recordError) {
      logger.warn('dead number not recorded', {
        to: maskAddress(command.to),
        error: describeError(recordError),
      });
    }
  }

  /** The recipient's dead-number record, when the store has one; a store that fails answers 503. */
  async function deadNumberCheck(command: SendCommand): Promise<{ error?: SendError; warning?: string }> {
    if (!deps.deadNumbers) return {};
    let dead;
    try {
      dead = await deps.deadNumbers.get(command.to);
    } catch (error) {
      logger.error('dead-number store unavailable; nothing sent', { error: describeError(error) });
      return {
        error: {
          type: 'DependencyUnavailable',
          message: 'dead-number store unavailable: nothing was sent; retry later',
          retryable: true,
        },
      };
    }
    if (!dead) return {};
    const notice = deadNumberNotice(dead);
    const policy = deps.config.deadNumberPolicy ?? DEFAULT_DEAD_NUMBER_POLICY;
    logger.warn(
      policy === 'refuse' ? 'send refused: dead number' : 'sending to a dead number (policy warn)',
      {
        to: maskAddress(command.to),
        reason: dead.reason,
      },
    );
    if (policy === 'warn') return { warning: notice };
    return {
      error: {
        type: 'DeadNumber',
        message: notice,
        reason: dead.reason,
        reasonMessage: dead.reasonMessage,
        deadSince: dead.deadSince,
        clear: `DELETE ${deadNumberPath(command.to)}`,
        retryable: false,
      },
    };
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
    const accountSid = created.accountSid || command.accountSid;
    if (accountSid) observation.accountSid = accountSid;
    if (command.clientReference !== undefined) observation.clientReference = command.clientReference;
    if (command.tags !== undefined) observation.tags = command.tags;
    const createdAt = created.dateCreated;
    if (createdAt instanceof Date && !Number.isNaN(createdAt.getTime())) {
      observation.createdAt = createdAt.toISOString();
    }
    try {
      await deps.store.apply(observation);
    } catch (error) {
      await keepForLater(observation, error);
    }
  }

  async function keepForLater(observation: StatusObservation, error: unknown): Promise<void> {
    const messageSid = observation.messageSid;
    if (deps.outbox) {
      try {
        await deps.outbox.put(observation);
        logger.warn('message sent; its record waits in the outbox until the store takes it', {
          messageSid,
          error: describeError(error),
        });
        deps.onOutcome?.({ kind: 'deferred', messageSid });
        return;
      } catch (outboxError) {
        error = outboxError;
      }
    }
    logger.error('message sent but not recorded; its first status callback will create the item', {
      messageSid,
      error: describeError(error),
    });
  }

  /** Nothing is sent that could not be recorded: the store must answer before Twilio is called. */
  async function storeDown(): Promise<SendError | undefined> {
    try {
      await deps.store.checkReachable();
      return undefined;
    } catch (error) {
      logger.error('message store unavailable; nothing sent', { error: describeError(error) });
      return {
        type: 'DependencyUnavailable',
        message: 'message store unavailable: nothing was sent; retry later',
        retryable: true,
      };
    }
  }

  async function send(request: unknown): Promise<SendResult> {
    const result = await attemptSend(request);
    if (isSendFailure(result)) deps.onOutcome?.({ kind: 'failed', error: result.error });
    return result;
  }

  async function attemptSend(request: unknown): Promise<SendResult> {
    const validated = validateSendRequest(request, deps.config.defaults);
    if (!validated.ok) return { error: validated.error };
    const { command } = validated;
    const down = await storeDown();
    if (down) return { error: down };
    const dead = await deadNumberCheck(command);
    if (dead.error) return { error: dead.error };
    const withWarning = (result: SendResult): SendResult =>
      dead.warning !== undefined && !isSendFailure(result) ? { ...result, warning: dead.warning } : result;
    const sent: { result?: SendSuccess } = {};
    try {
      if (command.idempotencyKey === undefined) return withWarning(await sendNow(command, sent));
      return withWarning(await sendOnce(command, () => sendNow(command, sent)));
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
    if (error instanceof RepeatInProgressError) {
      return {
        type: 'InProgress',
        message: 'a request with this idempotencyKey is being sent; retry to get its result',
        retryable: true,
      };
    }
    if (error instanceof RepeatConflictError) {
      return {
        type: 'IdempotencyConflict',
        message: 'this idempotencyKey was already used for a different message',
        retryable: false,
      };
    }
    if (error instanceof IdempotencyStoreUnavailableError) {
      logger.error('idempotency store unavailable; nothing sent', { error: describeError(error.cause) });
      return { type: 'DependencyUnavailable', message: 'idempotency store unavailable', retryable: true };
    }
    logger.error('unexpected error sending a message', { error: describeError(error) });
    return { type: 'InternalError', message: 'unexpected error', retryable: true };
  }

  return {
    send,
    async recordDeferred(observation) {
      const applied = await deps.store.apply(observation);
      deps.onOutcome?.({ kind: 'deferred-written', messageSid: observation.messageSid });
      return applied;
    },
    registerLambdaContext(context) {
      lambdaContext = context;
    },
  };
}
