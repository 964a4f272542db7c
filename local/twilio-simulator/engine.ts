/**
 * The simulator's state: messages and their lifecycles, Messaging Services, callback outboxes, the
 * truth and the counters. HTTP lives in rest.ts; sending callbacks in callbacks.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CallbackDispatcher, type CallbackDelivery } from './callbacks';
import {
  ERROR_MESSAGES,
  planLifecycle,
  type DuplicateMode,
  type MessagePlan,
  type PlannedStep,
} from './lifecycle';
import { deriveSeed, mulberry32 } from './prng';
import { simulatedPrice } from './prices';
import type {
  Channel,
  CreateFailure,
  SimulatedMessage,
  SimulatedService,
  SimulatorOptions,
  SimulatorStats,
  TruthEntry,
} from './types';

export const DEFAULT_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const DEFAULT_AUTH_TOKEN = 'simulator0auth0token0123456789ab';
/** Twilio's magic "valid From" test number; the sender a Messaging Service picks here. */
export const SERVICE_SENDER_NUMBER = '+15005550006';

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'createFailures'>>;

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  return {
    port: options.port ?? 0,
    accountSid: options.accountSid ?? DEFAULT_ACCOUNT_SID,
    authToken: options.authToken ?? DEFAULT_AUTH_TOKEN,
    subaccounts: options.subaccounts ?? [],
    seed: options.seed ?? randomBytes(4).readUInt32LE(0),
    undeliveredTo: options.undeliveredTo ?? {},
    outcomes: options.outcomes ?? { delivered: 0.85, undelivered: 0.07, failed: 0.03, sentNoReceipt: 0.05 },
    whatsappReadRate: options.whatsappReadRate ?? 0.5,
    outOfOrderRate: options.outOfOrderRate ?? 0.1,
    duplicateRate: options.duplicateRate ?? 0.05,
    lostCallbackRate: options.lostCallbackRate ?? 0,
    stepDelayMs: options.stepDelayMs ?? [5, 30],
    callbackConcurrency: options.callbackConcurrency ?? 32,
    retryBackoffMs: options.retryBackoffMs ?? [50, 200],
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    readTimeoutMs: options.readTimeoutMs ?? 15_000,
    apiKeys: options.apiKeys ?? [],
    stopGraceMs: options.stopGraceMs ?? 1000,
  };
}

/** Knobs setOptions may change at run time (port, accountSid, subaccounts and seed are fixed at start). */
const RUNTIME_OPTIONS = [
  'authToken',
  'outcomes',
  'undeliveredTo',
  'whatsappReadRate',
  'outOfOrderRate',
  'duplicateRate',
  'lostCallbackRate',
  'stepDelayMs',
  'callbackConcurrency',
  'retryBackoffMs',
  'connectTimeoutMs',
  'readTimeoutMs',
  'apiKeys',
  'stopGraceMs',
] as const satisfies ReadonlyArray<keyof SimulatorOptions>;

export function hex32(): string {
  return randomBytes(16).toString('hex');
}

export interface NewMessage {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  mediaUrls: string[];
  statusCallback?: string;
  channel: Channel;
  numSegments: number;
}

interface QueuedCallback {
  delivery: CallbackDelivery;
  duplicate: boolean;
}

interface HeldCallback {
  delivery: CallbackDelivery;
  duplicate: DuplicateMode;
}

interface MessageRecord {
  message: SimulatedMessage;
  plan: MessagePlan;
  nextStep: number;
  outbox: QueuedCallback[];
  pumping: boolean;
  held?: HeldCallback;
  replays: CallbackDelivery[];
  started: boolean;
}

function copyMessage(m: SimulatedMessage): SimulatedMessage {
  return {
    ...m,
    mediaUrls: [...m.mediaUrls],
    history: [...m.history],
    dateCreated: new Date(m.dateCreated),
    dateUpdated: new Date(m.dateUpdated),
    ...(m.dateSent ? { dateSent: new Date(m.dateSent) } : {}),
  };
}

function copyService(s: SimulatedService): SimulatedService {
  return { ...s, dateCreated: new Date(s.dateCreated), dateUpdated: new Date(s.dateUpdated) };
}

/** YYMMDDhhmm in UTC, as carriers put it in a delivery receipt. */
export function rawDlrDoneDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  );
}

export class SimulatorEngine {
  readonly options: ResolvedOptions;
  private createFailures: CreateFailure[];
  private readonly records = new Map<string, MessageRecord>();
  private readonly serviceMap = new Map<string, SimulatedService>();
  /** Subaccount auth tokens by SID, built once: subaccounts are fixed at start. */
  private readonly subaccountTokens: ReadonlyMap<string, string>;
  private readonly counters: SimulatorStats = {
    messages: 0,
    callbacksSent: 0,
    callbacksDuplicated: 0,
    callbacksReordered: 0,
    callbacksLost: 0,
    callbackRetries: 0,
    callbackFailures: 0,
    callbacksWithoutUrl: 0,
  };
  private readonly dispatcher: CallbackDispatcher;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: Array<() => void> = [];
  /** Step timers not yet fired, callbacks queued or in flight, and lifecycles not yet started. */
  private pending = 0;
  private created = 0;
  private stopped = false;
  readonly channelInstallSid = 'XE' + hex32();

  constructor(options: SimulatorOptions) {
    this.options = resolveOptions(options);
    this.subaccountTokens = new Map(this.options.subaccounts.map((a) => [a.accountSid, a.authToken]));
    this.createFailures = [...(options.createFailures ?? [])];
    this.dispatcher = new CallbackDispatcher(
      {
        authToken: (accountSid) => this.tokenOf(accountSid) ?? this.options.authToken,
        concurrency: () => this.options.callbackConcurrency,
        retryBackoffMs: () => this.options.retryBackoffMs,
        connectTimeoutMs: () => this.options.connectTimeoutMs,
        readTimeoutMs: () => this.options.readTimeoutMs,
      },
      this.counters,
    );
  }

  setOptions(partial: Partial<SimulatorOptions>): void {
    const options = this.options as unknown as Record<string, unknown>;
    for (const key of RUNTIME_OPTIONS) {
      const value = partial[key];
      if (value !== undefined) options[key] = value;
    }
    if (partial.createFailures !== undefined) this.createFailures = [...partial.createFailures];
    if (partial.callbackConcurrency !== undefined) this.dispatcher.onConcurrencyChanged();
  }

  /** The auth token of the parent account or one of its subaccounts; undefined for any other SID. */
  tokenOf(accountSid: string): string | undefined {
    if (accountSid === this.options.accountSid) return this.options.authToken;
    return this.subaccountTokens.get(accountSid);
  }

  /** The next queued create fault, if any (consumed). */
  takeCreateFailure(): CreateFailure | undefined {
    return this.createFailures.shift();
  }

  // ---- messages -------------------------------------------------------------------------------------

  createMessage(input: NewMessage, accountSid = this.options.accountSid): SimulatedMessage {
    const index = this.created++;
    const random = mulberry32(deriveSeed(this.options.seed, index));
    const plan = planLifecycle(random, this.options, input.channel, this.options.undeliveredTo[input.to]);
    const now = new Date();
    const viaServiceOnly = input.messagingServiceSid !== undefined && input.from === undefined;
    const prefix = input.mediaUrls.length > 0 ? 'MM' : 'SM';
    const message: SimulatedMessage = {
      sid: prefix + hex32(),
      accountSid,
      ...(input.messagingServiceSid ? { messagingServiceSid: input.messagingServiceSid } : {}),
      ...(input.from ? { from: input.from } : {}),
      to: input.to,
      body: input.body,
      mediaUrls: [...input.mediaUrls],
      numSegments: input.numSegments,
      channel: input.channel,
      // What Twilio answers: `accepted` when a Messaging Service will pick the sender, else `queued`.
      status: viaServiceOnly ? 'accepted' : 'queued',
      ...(input.statusCallback ? { statusCallback: input.statusCallback } : {}),
      history: [viaServiceOnly ? 'accepted' : 'queued'],
      finalStatus: plan.finalStatus,
      ...(plan.finalErrorCode !== undefined ? { finalErrorCode: plan.finalErrorCode } : {}),
      lifecycleDone: false,
      dateCreated: now,
      dateUpdated: now,
    };
    if (input.messagingServiceSid) this.ensureService(input.messagingServiceSid);
    this.records.set(message.sid, {
      message,
      plan,
      nextStep: 0,
      outbox: [],
      pumping: false,
      replays: [],
      started: false,
    });
    this.counters.messages++;
    this.pending++; // released when the lifecycle starts
    return copyMessage(message);
  }

  /** Starts the lifecycle; called once the create's answer has been written. */
  startLifecycle(sid: string): void {
    const record = this.records.get(sid);
    if (!record || record.started) return;
    record.started = true;
    if (this.stopped) {
      this.release(1);
      return;
    }
    this.scheduleStep(record);
    this.release(1);
  }

  getMessage(sid: string): SimulatedMessage | undefined {
    const record = this.records.get(sid);
    return record ? copyMessage(record.message) : undefined;
  }

  messages(): SimulatedMessage[] {
    return [...this.records.values()].map((r) => copyMessage(r.message));
  }

  truth(): Map<string, TruthEntry> {
    const truth = new Map<string, TruthEntry>();
    for (const { message, plan } of this.records.values()) {
      truth.set(message.sid, {
        status: plan.finalStatus,
        ...(plan.finalErrorCode !== undefined ? { errorCode: plan.finalErrorCode } : {}),
        to: message.to,
        accountSid: message.accountSid,
      });
    }
    return truth;
  }

  stats(): SimulatorStats {
    return { ...this.counters };
  }

  idle(): Promise<void> {
    if (this.pending === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const record of this.records.values()) record.outbox.length = 0;
    await this.dispatcher.close(this.options.stopGraceMs);
    this.pending = 0;
    this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  // ---- Messaging Services ---------------------------------------------------------------------------

  ensureService(sid: string): SimulatedService {
    const existing = this.serviceMap.get(sid);
    if (existing) return existing;
    const now = new Date();
    const service: SimulatedService = {
      sid,
      friendlyName: 'Simulated Messaging Service',
      dateCreated: now,
      dateUpdated: now,
    };
    this.serviceMap.set(sid, service);
    return service;
  }

  createService(
    input: { sid?: string; friendlyName?: string; statusCallback?: string } = {},
  ): SimulatedService {
    const now = new Date();
    const service: SimulatedService = {
      sid: input.sid ?? 'MG' + hex32(),
      friendlyName: input.friendlyName ?? 'Simulated Messaging Service',
      ...(input.statusCallback ? { statusCallback: input.statusCallback } : {}),
      dateCreated: now,
      dateUpdated: now,
    };
    this.serviceMap.set(service.sid, service);
    return copyService(service);
  }

  updateService(
    sid: string,
    changes: {
      friendlyName?: string;
      statusCallback?: string;
      inboundRequestUrl?: string;
      fallbackUrl?: string;
    },
  ): SimulatedService {
    const service = this.ensureService(sid);
    if (changes.friendlyName !== undefined) service.friendlyName = changes.friendlyName;
    // An empty string clears a URL, as in Twilio.
    for (const key of ['statusCallback', 'inboundRequestUrl', 'fallbackUrl'] as const) {
      const value = changes[key];
      if (value === undefined) continue;
      if (value === '') delete service[key];
      else service[key] = value;
    }
    service.dateUpdated = new Date();
    return copyService(service);
  }

  getService(sid: string): SimulatedService | undefined {
    const service = this.serviceMap.get(sid);
    return service ? copyService(service) : undefined;
  }

  deleteService(sid: string): boolean {
    return this.serviceMap.delete(sid);
  }

  services(): SimulatedService[] {
    return [...this.serviceMap.values()].map(copyService);
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  private release(count: number): void {
    this.pending = Math.max(0, this.pending - count);
    if (this.pending === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  private scheduleStep(record: MessageRecord): void {
    const step = record.plan.steps[record.nextStep];
    if (!step || this.stopped) return;
    this.pending++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.runStep(record, step);
      this.release(1);
    }, step.delayMs);
    this.timers.add(timer);
  }

  private runStep(record: MessageRecord, step: PlannedStep): void {
    const { message } = record;
    const last = record.nextStep === record.plan.steps.length - 1;
    record.nextStep++;
    this.applyStatus(message, step);

    const url = message.statusCallback ?? this.resolveServiceCallback(message);
    if (url === undefined) {
      this.counters.callbacksWithoutUrl++;
      this.releaseHeld(record, false);
    } else {
      const delivery: CallbackDelivery = {
        url,
        params: this.callbackParams(message, step),
        idempotencyToken: randomUUID(),
      };
      if (step.lost) {
        this.counters.callbacksLost++;
        this.releaseHeld(record, false);
      } else if (step.hold && !last) {
        this.releaseHeld(record, false);
        record.held = { delivery, duplicate: step.duplicate };
      } else {
        this.enqueueWithDuplicate(record, delivery, step.duplicate);
        this.releaseHeld(record, true);
      }
    }

    if (last) {
      this.releaseHeld(record, false);
      message.lifecycleDone = true;
      for (const replay of record.replays.splice(0)) this.enqueue(record, replay, true);
    } else {
      this.scheduleStep(record);
    }
  }

  private resolveServiceCallback(message: SimulatedMessage): string | undefined {
    if (!message.messagingServiceSid) return undefined;
    return this.serviceMap.get(message.messagingServiceSid)?.statusCallback;
  }

  private releaseHeld(record: MessageRecord, reordered: boolean): void {
    const held = record.held;
    if (!held) return;
    record.held = undefined;
    if (reordered) this.counters.callbacksReordered++;
    this.enqueueWithDuplicate(record, held.delivery, held.duplicate);
  }

  private enqueueWithDuplicate(
    record: MessageRecord,
    delivery: CallbackDelivery,
    duplicate: DuplicateMode,
  ): void {
    this.enqueue(record, delivery, false);
    if (duplicate === 'immediate') this.enqueue(record, delivery, true);
    else if (duplicate === 'replay') record.replays.push(delivery);
  }

  private applyStatus(message: SimulatedMessage, step: PlannedStep): void {
    const now = new Date();
    message.status = step.status;
    if (message.history[message.history.length - 1] !== step.status) message.history.push(step.status);
    message.dateUpdated = now;
    if (message.from === undefined) {
      // A Messaging Service picks a sender from its pool when the message is queued.
      message.from =
        message.channel === 'sms' || message.channel === 'mms'
          ? SERVICE_SENDER_NUMBER
          : `${message.channel}:${SERVICE_SENDER_NUMBER}`;
    }
    if (step.status === 'sent' || (step.status === 'failed' && message.dateSent === undefined)) {
      message.dateSent = now;
    }
    if (step.status === 'sent') {
      message.price = simulatedPrice(message.channel, message.to, message.numSegments);
    }
    if (step.errorCode !== undefined) {
      message.errorCode = step.errorCode;
      message.errorMessage = ERROR_MESSAGES[step.errorCode] ?? 'Unknown error';
    }
  }

  private callbackParams(message: SimulatedMessage, step: PlannedStep): Record<string, string> {
    const params: Record<string, string> = {};
    if (message.channel === 'whatsapp' || message.channel === 'rcs') {
      params.ChannelPrefix = message.channel;
      params.ChannelInstallSid = this.channelInstallSid;
      params.ChannelToAddress = message.to.slice(message.to.indexOf(':') + 1);
      params.StructuredMessage = 'false';
    }
    params.ApiVersion = '2010-04-01';
    params.AccountSid = message.accountSid;
    if (message.from !== undefined) params.From = message.from;
    params.To = message.to;
    params.MessageSid = message.sid;
    params.SmsSid = message.sid;
    params.MessageStatus = step.status;
    params.SmsStatus = step.status;
    if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
    if (step.errorCode !== undefined) {
      params.ErrorCode = String(step.errorCode);
      if (params.ChannelPrefix)
        params.ChannelStatusMessage = ERROR_MESSAGES[step.errorCode] ?? 'Unknown error';
    }
    if (step.eventType) params.EventType = step.eventType;
    if (
      (message.channel === 'sms' || message.channel === 'mms') &&
      ['delivered', 'undelivered'].includes(step.status)
    ) {
      params.RawDlrDoneDate = rawDlrDoneDate(new Date());
    }
    return params;
  }

  private enqueue(record: MessageRecord, delivery: CallbackDelivery, duplicate: boolean): void {
    if (this.stopped) return;
    record.outbox.push({ delivery, duplicate });
    this.pending++;
    if (!record.pumping) void this.pump(record);
  }

  /** Sends a message's callbacks one after another, so their order is the planned order. */
  private async pump(record: MessageRecord): Promise<void> {
    record.pumping = true;
    try {
      for (let item = record.outbox.shift(); item; item = record.outbox.shift()) {
        if (this.stopped) break;
        this.counters.callbacksSent++;
        if (item.duplicate) this.counters.callbacksDuplicated++;
        try {
          await this.dispatcher.deliver(item.delivery);
        } catch {
          this.counters.callbackFailures++;
        } finally {
          this.release(1);
        }
      }
    } finally {
      record.pumping = false;
    }
  }
}
