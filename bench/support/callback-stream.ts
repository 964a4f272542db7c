/**
 * A realistic status-callback stream, built from the same lifecycle plans the Twilio simulator uses
 * (queued -> sending -> sent -> delivered | undelivered | failed, read for WhatsApp), with a seeded PRNG:
 * a share of callbacks held back until after the next one (out of order) and a share sent twice (right
 * away or replayed after the last one). Each message's callbacks form one lane, in arrival order; lanes
 * are independent, so running them concurrently keeps every message's order and the counts reproducible.
 */
import { createHash } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildHttpApiEvent } from '../../local/http-api-event';
import { planLifecycle, type PlannedStep } from '../../local/twilio-simulator/lifecycle';
import { deriveSeed, mulberry32 } from '../../local/twilio-simulator/prng';

export type Params = Array<[string, string]>;

export interface StreamCallback {
  messageSid: string;
  status: string;
  params: Params;
  /** A second delivery of a callback already in the stream. */
  duplicate: boolean;
  /** Arrived after the callback of the step that followed it. */
  reordered: boolean;
}

export interface CallbackStream {
  /** One lane per message: its callbacks in arrival order. */
  lanes: StreamCallback[][];
  callbacks: number;
  reordered: number;
  duplicates: number;
  /** Final status (and error code) each message must end with. */
  truth: Map<string, { status: string; errorCode?: number }>;
}

export interface StreamOptions {
  messages: number;
  seed: number;
  /** Default 0.10. */
  outOfOrderRate?: number;
  /** Default 0.05. */
  duplicateRate?: number;
  /** Share of WhatsApp recipients (read receipts, channel fields). Default 0.1. */
  whatsappShare?: number;
}

export const BENCH_ACCOUNT_SID = 'AC' + 'b'.repeat(32);
const SERVICE_SID = 'MG' + 'c'.repeat(32);
const INSTALL_SID = 'XE' + 'd'.repeat(32);

function hex32(seed: number, index: number): string {
  return createHash('md5').update(`${seed}:${index}`).digest('hex');
}

export function buildCallbackStream(options: StreamOptions): CallbackStream {
  const knobs = {
    outcomes: { delivered: 0.85, undelivered: 0.07, failed: 0.03, sentNoReceipt: 0.05 },
    whatsappReadRate: 0.5,
    outOfOrderRate: options.outOfOrderRate ?? 0.1,
    duplicateRate: options.duplicateRate ?? 0.05,
    lostCallbackRate: 0,
    stepDelayMs: [0, 0] as [number, number],
  };
  const whatsappEvery = Math.round(1 / (options.whatsappShare ?? 0.1));
  const stream: CallbackStream = { lanes: [], callbacks: 0, reordered: 0, duplicates: 0, truth: new Map() };
  const baseTime = Date.UTC(2026, 10, 23, 12, 0);

  for (let i = 0; i < options.messages; i++) {
    const random = mulberry32(deriveSeed(options.seed, i));
    const whatsapp = whatsappEvery > 0 && i % whatsappEvery === 0;
    const plan = planLifecycle(random, knobs, whatsapp ? 'whatsapp' : 'sms');
    const messageSid = `SM${hex32(options.seed, i)}`;
    const number = `+1415${String(5550000 + (i % 10_000)).padStart(7, '0')}`;
    const dlr = new Date(baseTime + i * 60_000);
    const rawDlr = [
      dlr.getUTCFullYear() % 100,
      dlr.getUTCMonth() + 1,
      dlr.getUTCDate(),
      dlr.getUTCHours(),
      dlr.getUTCMinutes(),
    ]
      .map((n) => String(n).padStart(2, '0'))
      .join('');

    const paramsOf = (step: PlannedStep): Params => {
      const params: Params = [];
      if (whatsapp) {
        params.push(
          ['ChannelPrefix', 'whatsapp'],
          ['ChannelInstallSid', INSTALL_SID],
          ['ChannelToAddress', number],
          ['StructuredMessage', 'false'],
        );
      }
      params.push(
        ['ApiVersion', '2010-04-01'],
        ['AccountSid', BENCH_ACCOUNT_SID],
        ['From', whatsapp ? 'whatsapp:+15017250604' : '+15017250604'],
        ['To', whatsapp ? `whatsapp:${number}` : number],
        ['MessageSid', messageSid],
        ['SmsSid', messageSid],
        ['MessageStatus', step.status],
        ['SmsStatus', step.status],
        ['MessagingServiceSid', SERVICE_SID],
      );
      if (step.errorCode !== undefined) params.push(['ErrorCode', String(step.errorCode)]);
      if (step.eventType) params.push(['EventType', step.eventType]);
      if (!whatsapp && (step.status === 'delivered' || step.status === 'undelivered')) {
        params.push(['RawDlrDoneDate', rawDlr]);
      }
      return params;
    };

    // The simulator's outbox rules (engine.ts): a held callback goes right after the next step's; an
    // immediate duplicate right after itself; a replay after the last callback.
    const lane: StreamCallback[] = [];
    const replays: StreamCallback[] = [];
    let held: { step: PlannedStep } | undefined;
    const emit = (step: PlannedStep, reordered: boolean) => {
      const callback = {
        messageSid,
        status: step.status,
        params: paramsOf(step),
        duplicate: false,
        reordered,
      };
      lane.push(callback);
      if (reordered) stream.reordered++;
      if (step.duplicate === 'immediate') lane.push({ ...callback, duplicate: true, reordered: false });
      if (step.duplicate === 'replay') replays.push({ ...callback, duplicate: true, reordered: false });
    };
    plan.steps.forEach((step, index) => {
      const last = index === plan.steps.length - 1;
      if (step.hold && !last) {
        held = { step };
        return;
      }
      emit(step, false);
      if (held) emit(held.step, true);
      held = undefined;
    });
    lane.push(...replays);
    stream.duplicates += lane.filter((c) => c.duplicate).length;
    stream.callbacks += lane.length;
    stream.lanes.push(lane);
    stream.truth.set(messageSid, { status: plan.finalStatus, errorCode: plan.finalErrorCode });
  }
  return stream;
}

/**
 * A stream whose realised shares match the targets: `outOfOrderShare` of all callbacks arrive after the
 * next one, `duplicateShare` of all callbacks are second deliveries. The planner's rates are per step
 * (a last step is never held, and never two held in a row), so they are scaled until the shares match.
 */
export function buildRealisticStream(options: {
  messages: number;
  seed: number;
  outOfOrderShare?: number;
  duplicateShare?: number;
}): CallbackStream {
  const wantOutOfOrder = options.outOfOrderShare ?? 0.1;
  const wantDuplicates = options.duplicateShare ?? 0.05;
  let outOfOrderRate = wantOutOfOrder;
  let duplicateRate = wantDuplicates;
  let stream = buildCallbackStream({
    messages: options.messages,
    seed: options.seed,
    outOfOrderRate,
    duplicateRate,
  });
  for (let i = 0; i < 6; i++) {
    const outOfOrder = stream.reordered / stream.callbacks;
    const duplicates = stream.duplicates / stream.callbacks;
    if (Math.abs(outOfOrder - wantOutOfOrder) < 0.002 && Math.abs(duplicates - wantDuplicates) < 0.002) break;
    if (outOfOrder > 0) outOfOrderRate = Math.min(0.9, (outOfOrderRate * wantOutOfOrder) / outOfOrder);
    if (duplicates > 0) duplicateRate = Math.min(0.9, (duplicateRate * wantDuplicates) / duplicates);
    stream = buildCallbackStream({
      messages: options.messages,
      seed: options.seed,
      outOfOrderRate,
      duplicateRate,
    });
  }
  return stream;
}

/**
 * Runs every lane with `concurrency` workers; a lane's callbacks go one after another, in order.
 * Bounded: the lanes are finite and the whole run is abandoned after `limitMs`.
 */
export async function runLanes<T>(
  lanes: readonly T[][],
  concurrency: number,
  handle: (item: T) => Promise<void>,
  limitMs: number,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  let next = 0;
  const worker = async () => {
    while (next < lanes.length) {
      const lane = lanes[next++]!;
      for (const item of lane) {
        if (Date.now() > deadline) throw new Error(`lanes did not finish within ${limitMs} ms`);
        await handle(item);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Twilio's signature over a URL and form params (repeated keys grouped, as the helper expects). */
export function signParams(token: string, url: string, params: Params): string {
  const grouped: Record<string, string[]> = {};
  for (const [key, value] of params) (grouped[key] ??= []).push(value);
  return getExpectedTwilioSignature(token, url, grouped);
}

/** A signed status callback as API Gateway's HTTP API delivers it to the Lambda. */
export function signedCallbackEvent(
  params: Params,
  token: string,
  host = 'bench.execute-api.eu-west-1.amazonaws.com',
): APIGatewayProxyEventV2 {
  return buildHttpApiEvent({
    method: 'POST',
    url: '/message-status',
    routeKey: 'POST /message-status',
    headers: {
      host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'TwilioProxy/1.1',
      'x-twilio-signature': signParams(token, `https://${host}/message-status`, params),
    },
    body: new URLSearchParams(params).toString(),
    scheme: 'https',
  });
}
