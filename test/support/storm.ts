/**
 * Storms: the simulator of a callback storm (far more shuffled and duplicated callbacks than Twilio
 * sends), and a history storm with a known truth (countries, senders, channels, tags, failures).
 */
import type { StatusChangeDetail } from '../../lambda/domain/status-event';
import { statusChange } from './history';
import type { SimulatorOptions } from '../../local/twilio-simulator';
import { mulberry32 } from '../../local/twilio-simulator/prng';

export const STORM_SIMULATOR: SimulatorOptions = {
  seed: 20261130,
  outOfOrderRate: 0.35,
  duplicateRate: 0.25,
  whatsappReadRate: 0.5,
  stepDelayMs: [1, 10],
  callbackConcurrency: 32,
};

/** A destination country of the history storm: its calling code and a number prefix there. */
export interface StormCountry {
  code: string;
  /** E.164 without the last 4 digits; the message's index fills them. */
  prefix: string;
}

/** A sender of the history storm: a number, or a Messaging Service that picks `from` when it sends. */
export interface StormSender {
  from: string;
  messagingServiceSid?: string;
}

export type StormChannel = 'sms' | 'mms' | 'whatsapp' | 'rcs';

export const STORM_COUNTRIES: readonly StormCountry[] = [
  { code: '1', prefix: '+1415555' },
  { code: '44', prefix: '+44770090' },
  { code: '49', prefix: '+4915112' },
  { code: '33', prefix: '+3361234' },
];
export const STORM_SENDERS: readonly StormSender[] = [
  { from: '+15017250604' },
  { from: '+447700900999' },
  { from: '+15017250700', messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' },
];
export const STORM_CHANNELS: readonly StormChannel[] = ['sms', 'mms', 'whatsapp', 'rcs'];

/** What the history storm knows about each message: the truth the queries must find. */
export interface StormMessage {
  sid: string;
  country: string;
  sender: StormSender;
  channel: StormChannel;
  tags: Record<string, string>;
  outcome: 'delivered' | 'failed' | 'not_final';
  /** The final status (or the last one, when not final). */
  status: string;
  errorCode: number | null;
  queuedMs: number;
  sentMs: number | null;
  deliveredMs: number | null;
}

export interface HistoryStormOptions {
  seed?: number;
  /** The first message is queued here (epoch ms); one message every `everyMs` after it. */
  startMs: number;
  messages: number;
  everyMs: number;
  /** Redelivered events (EventBridge and Firehose deliver at least once). */
  duplicateRate?: number;
  /** Normal failures (30003, 30005, 30008), spread over every segment. */
  failureRate?: number;
  /** From `fromMs` on, every message to `country` is undelivered with `errorCode` (its carrier filters). */
  filtering?: { country: string; fromMs: number; errorCode: number };
}

/** The storm's events: each message's status changes, duplicated at random, then shuffled. */
export interface HistoryStorm {
  messages: StormMessage[];
  details: StatusChangeDetail[];
}

/**
 * A history storm with a known truth: messages to several countries, from several senders (one a
 * Messaging Service), over SMS, MMS (an `MM` SID), WhatsApp and RCS (the callbacks' ChannelPrefix), with
 * tags, normal failures, messages never final and, optionally, one country's carrier starting to filter
 * part-way through. Deterministic for a seed.
 */
export function historyStorm(options: HistoryStormOptions): HistoryStorm {
  const random = mulberry32(options.seed ?? 20261207);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const messages: StormMessage[] = [];
  const details: StatusChangeDetail[] = [];
  for (let i = 0; i < options.messages; i++) {
    const country = pick(STORM_COUNTRIES);
    const sender = pick(STORM_SENDERS);
    const channel = pick(STORM_CHANNELS);
    const sid = `${channel === 'mms' ? 'MM' : 'SM'}${i.toString(16).padStart(32, '0')}`;
    const queuedMs = options.startMs + i * options.everyMs;
    const tags: Record<string, string> = { cohort: `c${i % 3}`, ...(i % 4 === 0 ? { vip: 'yes' } : {}) };
    const filtered =
      options.filtering !== undefined &&
      country.code === options.filtering.country &&
      queuedMs >= options.filtering.fromMs;
    const roll = random();
    const failureRate = options.failureRate ?? 0.06;
    const sentMs = queuedMs + 200 + Math.floor(random() * 800);
    const finalMs = sentMs + 300 + Math.floor(random() * 5000);
    let outcome: StormMessage['outcome'];
    let errorCode: number | null = null;
    if (filtered) {
      outcome = 'failed';
      errorCode = options.filtering!.errorCode;
    } else if (roll < failureRate) {
      outcome = 'failed';
      errorCode = pick([30003, 30005, 30008]);
    } else if (roll < failureRate + 0.04) outcome = 'not_final';
    else outcome = 'delivered';
    const prefix = channel === 'whatsapp' || channel === 'rcs' ? `${channel}:` : '';
    const to = `${prefix}${country.prefix}${String(i % 10_000).padStart(4, '0')}`;
    const from = `${prefix}${sender.from}`;
    const common: Partial<StatusChangeDetail> = {
      to,
      messagingServiceSid: sender.messagingServiceSid ?? null,
      tags,
    };
    // The send knows From only when sending from a number; callbacks always carry it, and the
    // channel's prefix when not SMS or MMS.
    const fromCallback: Partial<StatusChangeDetail> = {
      ...common,
      from,
      channelPrefix: prefix === '' ? null : channel,
    };
    const at = (ms: number) => new Date(ms).toISOString();
    const events: StatusChangeDetail[] = [
      statusChange(sid, 'queued', at(queuedMs), {
        ...common,
        from: sender.messagingServiceSid ? null : from,
        source: 'send',
      }),
      statusChange(sid, 'sent', at(sentMs), { ...fromCallback, previousStatus: 'queued' }),
    ];
    let status = 'sent';
    let deliveredMs: number | null = null;
    if (outcome === 'failed') {
      status = 'undelivered';
      events.push(
        statusChange(sid, status, at(finalMs), { ...fromCallback, previousStatus: 'sent', errorCode }),
      );
    } else if (outcome === 'delivered') {
      status = 'delivered';
      deliveredMs = finalMs;
      events.push(statusChange(sid, status, at(finalMs), { ...fromCallback, previousStatus: 'sent' }));
      if (channel === 'whatsapp' && random() < 0.5) {
        status = 'read';
        events.push(
          statusChange(sid, status, at(finalMs + 2000), { ...fromCallback, previousStatus: 'delivered' }),
        );
      }
    }
    for (const event of events) {
      details.push(event);
      if (random() < (options.duplicateRate ?? 0.2)) details.push({ ...event });
    }
    messages.push({
      sid,
      country: country.code,
      sender,
      channel,
      tags,
      outcome,
      status,
      errorCode,
      queuedMs,
      sentMs,
      deliveredMs,
    });
  }
  // Shuffled: callbacks and redeliveries arrive in any order.
  for (let i = details.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [details[i], details[j]] = [details[j]!, details[i]!];
  }
  return { messages, details };
}
