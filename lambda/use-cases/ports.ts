/**
 * Every port the use cases need, in one place: the small interfaces the composition modules
 * (lambda/composition/) fill with real adapters (lambda/adapters/secondary/: DynamoDB, Twilio, secrets,
 * EventBridge, SQS, Powertools Logger), and the errors those adapters throw so that a use case decides
 * on meanings, never on a library's names. A use case names what it needs here and never imports an
 * adapter, so the rules can be read, and run, without AWS or Twilio behind them. The entry points
 * (lambda/adapters/primary/) read the same errors to choose their answer (503, a retryable failure).
 */
import type { ApplyResult } from '../domain/apply-observation';
import type { StatusObservation } from '../domain/observation';
import type { MessageRecord } from '../domain/message';
import type { ListPlan } from '../domain/list-plan';
import type { StatusChangeEvent } from '../domain/status-event';
import type { AccountTokens } from '../domain/accounts';
import type { Pseudonymise } from '../domain/history/row';
import type { HistoryQueryRows } from '../domain/history/report';
import type { DeliveryAnomalyDetail } from '../domain/history/anomaly';
import type { DeadNumber } from '../domain/dead-numbers';
import type { Price } from '../domain/price';
import type { PriceJob } from '../domain/price-fetch';

// ---- Shared: logging, the store every path writes through, the invocation ----

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

/** The store could not be reached or refused the request: callers answer 503 so Twilio retries. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Message store unavailable: ${cause instanceof Error ? cause.name : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

// ---- Twilio credentials and the further accounts' tokens (secrets) ----

export interface TwilioCredentials {
  accountSid?: string;
  authToken: string;
  /** Accepted for signatures during a rotation, until it is promoted or removed. */
  secondaryAuthToken?: string;
  apiKeySid?: string;
  apiKeySecret?: string;
}

export interface CredentialsSource {
  /** Cached credentials, read on first use. */
  get(): Promise<TwilioCredentials>;
  /** Fresh credentials if a refresh is allowed now (rate limited), else undefined. */
  refresh(): Promise<TwilioCredentials | undefined>;
  readonly description: string;
}

export type AccountLookup =
  | { kind: 'found'; tokens: AccountTokens }
  /** No secret holds a token for this account. */
  | { kind: 'unknown' }
  /** Too many lookups of accounts not seen yet: answer "retry later". */
  | { kind: 'throttled' };

export interface AccountTokenSource {
  /** Throws CredentialsUnavailableError when a secret exists but cannot be read. */
  lookup(accountSid: string): Promise<AccountLookup>;
  /**
   * After a failed signature (the account's token may have been rotated): the account's tokens read
   * afresh, at most once per 30 s per account; undefined when read that recently or no longer found.
   * Throws AccountLookupThrottledError when the read budget is spent: a promoted token then gets 503
   * (Twilio retries), not 403.
   */
  refresh(accountSid: string): Promise<AccountTokens | undefined>;
}

/** Too many lookups of accounts not seen yet: the callback is answered 503 and retried by Twilio. */
export class AccountLookupThrottledError extends CredentialsUnavailableError {
  constructor() {
    super('too many lookups of accounts not seen yet; retry later');
    this.name = 'AccountLookupThrottledError';
  }
}

// ---- Twilio's Messages API (the sender creates, the reconciler fetches) ----

/** What the sender asks Twilio to create (camel-case names of the Messages resource's parameters). */
export interface CreateMessageParams {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body?: string;
  mediaUrls?: string[];
  statusCallback?: string;
  /** The (sub)account the message is sent as: its SID in the API path. Default the credentials' account. */
  accountSid?: string;
}

/** The fields of Twilio's Message resource the sender records. */
export interface CreatedMessage {
  sid: string;
  status: string;
  accountSid?: string;
  to?: string;
  /** Null for a message sent through a Messaging Service until a sender is picked. */
  from?: string | null;
  messagingServiceSid?: string | null;
  dateCreated?: Date | null;
}

/** The sender's port to Twilio: one create. Throws TwilioApiError, TwilioNetworkError or a credentials error. */
export interface MessagesPort {
  create(params: CreateMessageParams): Promise<CreatedMessage>;
}

/** Twilio answered with an error (its JSON error: code, message, more_info). */
export class TwilioApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number | undefined,
    message: string,
    readonly moreInfo?: string,
    /** Seconds from the `Retry-After` header (delta-seconds or HTTP date), when present. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'TwilioApiError';
  }
}

/** The request did not get an HTTP answer (refused, reset, timed out, DNS). */
export class TwilioNetworkError extends Error {
  constructor(
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`Twilio could not be reached${code ? ` (${code})` : ''}`, { cause });
    this.name = 'TwilioNetworkError';
  }
}

/** Twilio credentials cannot send (no account SID): a deployment fault, not a message fault. */
export class TwilioConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TwilioConfigurationError';
  }
}

/** What Twilio's Messages API says of one message (the fields the tracker keeps). */
export interface FetchedMessage {
  sid: string;
  status: string;
  errorCode?: number;
  accountSid?: string;
  messagingServiceSid?: string;
  from?: string;
  to?: string;
  dateCreated?: string;
  /** Twilio's `price` (a signed decimal string, e.g. "-0.00790"); absent while Twilio has none. */
  price?: string;
  /** Twilio's `price_unit` (ISO 4217, e.g. "USD"). */
  priceUnit?: string;
}

/** Thrown by a fetcher when Twilio has no such message (404). */
export class MessageNotFoundError extends Error {
  constructor(sid: string) {
    super(`Twilio has no message ${sid}`);
    this.name = 'MessageNotFoundError';
  }
}

/** A Messaging Service's service-level Delivery Status Callback (the custom resource's port). */
export interface MessagingServicePort {
  /** The service's current status callback ('' when none). */
  getStatusCallback(serviceSid: string): Promise<string>;
  setStatusCallback(serviceSid: string, url: string): Promise<void>;
}

// ---- The sender's idempotency store ----

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

// ---- The reconciler's pending index ----

export interface PendingEntry {
  messageSid: string;
  pendingSince: string;
}

/** Where a page of the pending index ended: the store's own token, handed back to it as it came. */
export type PageCursor = Readonly<Record<string, unknown>>;

/** The pending index and the two writes the reconciler makes. */
export interface ReconcilerStore extends ObservationStore {
  queryPending(
    shard: string,
    olderThan: string,
    limit: number,
    startKey?: PageCursor,
  ): Promise<{ entries: PendingEntry[]; nextKey?: PageCursor }>;
  markUnresolved(messageSid: string, at: string): Promise<boolean>;
  /** The account a message belongs to, as recorded (the pending index keeps keys only). */
  accountOf(messageSid: string): Promise<string | undefined>;
}

// ---- Prices (use-cases/record-prices.ts): the item's price, and the delayed fetches ----

export interface PriceStore {
  /** The message's account and whether a price is stored; undefined when there is no such message. */
  priceStateOf(messageSid: string): Promise<{ accountSid?: string; priced: boolean } | undefined>;
  /** Writes the price unless one is stored (never overwritten): true when it was written. */
  recordPrice(messageSid: string, price: Price, attempts: number, at: string): Promise<boolean>;
  /** Counts a fetch that found no price yet. */
  notePriceAttempt(messageSid: string, attempts: number): Promise<void>;
}

/** Where a price fetch waits for its turn: an SQS queue with a delay in AWS, a timer locally. */
export interface PriceFetchQueue {
  schedule(job: PriceJob, delaySeconds: number): Promise<void>;
}

// ---- The list API's reads ----

export interface IndexKey {
  sortKey: string;
  messageSid: string;
}

/** What listing needs from the store. */
export interface ListStore {
  /** Keys of one partition, newest first, after `startAfter`, within `range` (inclusive bounds suffice). */
  queryKeys(query: {
    index: string;
    partitionKey: string;
    sortKey: string;
    partition: string;
    range: ListPlan['range'];
    startAfter?: IndexKey;
    limit: number;
  }): Promise<{ keys: IndexKey[]; more: boolean }>;
  /** The messages with these SIDs that exist, in any order. */
  getMessages(messageSids: string[]): Promise<MessageRecord[]>;
}

/** One message's stored record (the query API's read). */
export interface MessageReader {
  get(messageSid: string): Promise<MessageRecord | undefined>;
}

// ---- Status-change events: the table's stream in, a publisher out ----

/** One stream record: its position and the item before and after the write (plain values). */
export interface ChangeRecord {
  /** The stream's sequence number: how a failure names the record. */
  readonly id: string;
  /** Unmarshals the images; throws when the record cannot be read. */
  readonly images: () => {
    before?: Record<string, unknown>;
    after?: Record<string, unknown>;
  };
}

export interface EventPublisher {
  /** Most events one `put` takes (EventBridge PutEvents: 10). */
  readonly maxBatch: number;
  /** Publishes the events; answers the indexes of the ones that were not accepted. */
  put(events: readonly StatusChangeEvent[]): Promise<{ failed: readonly number[] }>;
}

// ---- History rows ----

/** The pseudonymiser under the current history key (read and cached by the adapter). */
export type PseudonymiserSource = () => Promise<Pseudonymise>;

// ---- Delivery anomalies ----

/** Runs one history query (SQL in the Athena dialect over the history table) and answers its rows. */
export type HistoryQuery = (sql: string) => Promise<HistoryQueryRows>;

/** Puts `Delivery Anomaly` events on the bus; answers the indexes of the ones not accepted. */
export interface AnomalyPublisher {
  put(anomalies: readonly DeliveryAnomalyDetail[]): Promise<{ failed: readonly number[] }>;
}

// ---- Dead numbers (domain/dead-numbers.ts) ----

/** Recipients whose messages fail for good: counted per code by distinct message, listed, cleared. */
export interface DeadNumberStore {
  /**
   * Adds `messageSid` to the messages that failed to `recipient` with `code` (a set: the same message
   * twice counts once) and answers how many distinct messages that is, at most `cap`.
   */
  countFailure(failure: {
    recipient: string;
    code: number;
    messageSid: string;
    at: string;
    cap: number;
  }): Promise<number>;
  /** Marks the recipient dead with this reason, unless it is already (the first reason stays). */
  markDead(dead: Omit<DeadNumber, 'reasonMessage'>): Promise<void>;
  /** The recipient's record when it is dead. */
  get(recipient: string): Promise<DeadNumber | undefined>;
  /** Dead numbers, one page (in the table's order); `cursor` is one a page before answered. */
  list(page: { limit: number; cursor?: string }): Promise<{ deadNumbers: DeadNumber[]; nextCursor?: string }>;
  /** Forgets the recipient (its counts too); true when it was dead. */
  clear(recipient: string): Promise<boolean>;
}

/** A list cursor this store did not give out: the caller answers 400. */
export class BadCursorError extends Error {
  constructor() {
    super('cursor is not one this list gave');
    this.name = 'BadCursorError';
  }
}
