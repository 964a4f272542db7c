/** Public types of the Twilio simulator (re-exported from index.ts). */

/** Relative weights of a message's final outcome (they need not sum to 1). */
export interface OutcomeWeights {
  delivered: number;
  undelivered: number;
  failed: number;
  /** The message reaches `sent` and no delivery receipt ever comes. */
  sentNoReceipt: number;
}

/** A queued fault: the next message create answers this instead of succeeding. */
export interface CreateFailure {
  status: number;
  code: number;
  message: string;
  /** Retry-After header in seconds; default 1 for a 429, none otherwise. */
  retryAfterSeconds?: number;
}

export interface SimulatedAccount {
  accountSid: string;
  authToken: string;
}

/** An API key that may authenticate instead of the account SID and auth token. */
export interface ApiKey {
  sid: string;
  secret: string;
}

export interface SimulatorOptions {
  /** 0 (default) = a free port on 127.0.0.1. */
  port?: number;
  /** Default DEFAULT_ACCOUNT_SID. */
  accountSid?: string;
  /** Basic-auth password and the token callbacks are signed with. Default DEFAULT_AUTH_TOKEN. */
  authToken?: string;
  /**
   * Subaccounts of `accountSid`. A message created under one (its SID in the API path, with its own or
   * the parent's credentials) belongs to it, and its callbacks are signed with its token. Default none.
   */
  subaccounts?: SimulatedAccount[];
  /** Seeds the per-message plans (outcome, error code, delays, callback faults). Default: random. */
  seed?: number;
  /** Default { delivered: 0.85, undelivered: 0.07, failed: 0.03, sentNoReceipt: 0.05 }. */
  outcomes?: OutcomeWeights;
  /**
   * Recipients whose every message ends `undelivered` with this error code, whatever `outcomes` says
   * (30006 a landline, 30005 an unknown handset, 30003 unreachable...). Default none.
   */
  undeliveredTo?: Record<string, number>;
  /** For 'whatsapp:' recipients, the chance a delivered message is then read. Default 0.5. */
  whatsappReadRate?: number;
  /** Chance a callback is held back until after the next callback of the same message. Default 0.1. */
  outOfOrderRate?: number;
  /** Chance a callback is sent twice (right away or as a later replay). Default 0.05. */
  duplicateRate?: number;
  /** Chance a callback is never sent. Default 0. */
  lostCallbackRate?: number;
  /** Delay range in ms between lifecycle steps (and from the create to the first step). Default [5, 30]. */
  stepDelayMs?: [number, number];
  /** Maximum callback requests in flight. Default 32. */
  callbackConcurrency?: number;
  /** Queued faults answered by the next message creates, one per create. Default none. */
  createFailures?: CreateFailure[];
  /** Backoff between callback retries in ms: [first, cap], doubling. Default [50, 200]. */
  retryBackoffMs?: [number, number];
  /** Connect timeout when the URL has no `ct=` override. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Read timeout when the URL has no `rt=` override. Default 15000 ms (Twilio's). */
  readTimeoutMs?: number;
  /** Extra credentials accepted by Basic auth (key SID 'SK...' + secret). Default none. */
  apiKeys?: ApiKey[];
  /** How long stop() lets in-flight callbacks finish before aborting them. Default 1000 ms. */
  stopGraceMs?: number;
}

export interface TruthEntry {
  status: string;
  errorCode?: number;
  to: string;
  /** The account the message belongs to (the parent or a subaccount). */
  accountSid: string;
}

export type Channel = 'sms' | 'mms' | 'whatsapp' | 'rcs';

export interface SimulatedMessage {
  sid: string;
  accountSid: string;
  messagingServiceSid?: string;
  from?: string;
  to: string;
  body: string;
  mediaUrls: string[];
  numSegments: number;
  channel: Channel;
  status: string;
  errorCode?: number;
  errorMessage?: string;
  statusCallback?: string;
  /** Statuses reached so far, in order (the create's status first). */
  history: string[];
  /** The status the lifecycle ends with (the truth). */
  finalStatus: string;
  finalErrorCode?: number;
  /** True once the last lifecycle step has happened (callbacks may still be in flight). */
  lifecycleDone: boolean;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent?: Date;
  price?: string;
}

export interface SimulatedService {
  sid: string;
  friendlyName: string;
  /** The service-level Delivery Status Callback. */
  statusCallback?: string;
  inboundRequestUrl?: string;
  fallbackUrl?: string;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface SimulatorStats {
  messages: number;
  /** Callback deliveries started (originals and duplicates; retries are counted apart). */
  callbacksSent: number;
  /** Extra deliveries of a callback already sent (immediate duplicates and later replays). */
  callbacksDuplicated: number;
  /** Callbacks that were held back and delivered after the next one. */
  callbacksReordered: number;
  /** Callbacks dropped on purpose (never sent). */
  callbacksLost: number;
  /** Extra attempts made under the URL's connection overrides (#rc=, #rp=). */
  callbackRetries: number;
  /** Deliveries abandoned after their last attempt failed. */
  callbackFailures: number;
  /** Status changes with no callback URL (no StatusCallback and no service callback). */
  callbacksWithoutUrl: number;
}

export interface TwilioSimulator {
  /** e.g. http://127.0.0.1:PORT; serves api.twilio.com and messaging.twilio.com paths. */
  readonly url: string;
  readonly accountSid: string;
  /** The current auth token (setOptions may rotate it). */
  readonly authToken: string;
  /** The final status each message reaches: what a correct tracker must end with. */
  truth(): Map<string, TruthEntry>;
  /** Current state of every message, in creation order (copies). */
  messages(): SimulatedMessage[];
  /** The message with this SID (a copy), or undefined. */
  message(sid: string): SimulatedMessage | undefined;
  /** Resolves when every lifecycle has finished and every callback was delivered or abandoned. */
  idle(): Promise<void>;
  stats(): SimulatorStats;
  /**
   * Changes knobs at run time. Plans are made when a message is created, so outcome and fault rates
   * apply to messages created afterwards; authToken, callbackConcurrency and createFailures (which
   * replaces the queue) apply at once. port, accountSid, subaccounts and seed are fixed at start and
   * ignored here.
   */
  setOptions(partial: Partial<SimulatorOptions>): void;
  /** Creates (or replaces) a Messaging Service. */
  createService(service?: { sid?: string; friendlyName?: string; statusCallback?: string }): SimulatedService;
  services(): SimulatedService[];
  stop(): Promise<void>;
}
