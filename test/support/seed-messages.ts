/**
 * A known truth for the list API: messages written straight through the store (the same apply rule as
 * the callback, the sender and the reconciler), and what each ended as. Deterministic for a given seed.
 * The list tests and the list benchmark both use it.
 */
import type { StatusObservation } from '../../lambda/domain/observation';
import { isFinal } from '../../lambda/domain/lifecycle';
import type { Tags } from '../../lambda/domain/tags';
import { mulberry32 } from '../../local/twilio-simulator/prng';

export interface SeededMessage {
  messageSid: string;
  createdAt: string;
  status: string;
  final: boolean;
  errorCode?: number;
  to: string;
  from: string;
  messagingServiceSid?: string;
  accountSid: string;
  clientReference?: string;
  tags: Tags;
}

const ENDINGS: Array<[status: string, weight: number, errorCode?: number]> = [
  ['delivered', 55],
  ['read', 5],
  ['failed', 6, 30008],
  ['undelivered', 4, 30003],
  ['undelivered', 3, 30005],
  ['canceled', 2],
  ['sent', 15],
  ['queued', 10],
];
const TOTAL_WEIGHT = ENDINGS.reduce((sum, [, weight]) => sum + weight, 0);

export const SEED_ACCOUNTS = ['AC' + 'a'.repeat(32), 'AC' + 'b'.repeat(32)];
export const SEED_SERVICE = 'MG' + 'c'.repeat(32);

/**
 * `count` messages created one `spacingMs` apart, newest `endAt - spacingMs`, each with distinct
 * `createdAt` (so "newest first" has one right answer).
 */
export function seedMessages(count: number, options: { endAt: Date; spacingMs: number; seed?: number }) {
  const next = mulberry32(options.seed ?? 7);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const messages: SeededMessage[] = [];
  for (let i = 0; i < count; i++) {
    const createdAt = new Date(options.endAt.getTime() - (i + 1) * options.spacingMs).toISOString();
    let roll = next() * TOTAL_WEIGHT;
    const ending = ENDINGS.find(([, weight]) => (roll -= weight) < 0) ?? ENDINGS[0]!;
    const tags: Tags = {};
    if (next() < 0.6) tags.tenant = pick(['acme', 'globex', 'initech']);
    if (next() < 0.3) tags.campaign = pick(['spring', 'summer']);
    const message: SeededMessage = {
      messageSid: `SM${(i + 1).toString(16).padStart(8, '0')}${'0'.repeat(24)}`,
      createdAt,
      status: ending[0],
      final: isFinal(ending[0]),
      to: `+1555${Math.floor(next() * 200)
        .toString()
        .padStart(7, '0')}`,
      from: pick(['+15017250604', '+15017250605', 'whatsapp:+15017250606']),
      accountSid: pick(SEED_ACCOUNTS),
      tags,
    };
    if (ending[2] !== undefined) message.errorCode = ending[2];
    if (next() < 0.5) message.messagingServiceSid = SEED_SERVICE;
    if (next() < 0.7) message.clientReference = `order-${Math.floor(next() * 300)}`;
    messages.push(message);
  }
  return messages;
}

/** The observations that make a seeded message what it is: the send, then its last status, if later. */
export function observationsOf(message: SeededMessage): StatusObservation[] {
  const send: StatusObservation = {
    messageSid: message.messageSid,
    status: 'queued',
    observedAt: message.createdAt,
    createdAt: message.createdAt,
    source: 'send',
    to: message.to,
    from: message.from,
    accountSid: message.accountSid,
  };
  if (message.messagingServiceSid) send.messagingServiceSid = message.messagingServiceSid;
  if (message.clientReference) send.clientReference = message.clientReference;
  if (Object.keys(message.tags).length) send.tags = message.tags;
  if (message.status === 'queued') return [send];
  const later = new Date(Date.parse(message.createdAt) + 5_000).toISOString();
  const callback: StatusObservation = {
    messageSid: message.messageSid,
    status: message.status,
    observedAt: later,
    source: 'callback',
  };
  if (message.errorCode !== undefined) callback.errorCode = message.errorCode;
  return [send, callback];
}

/** Applies every message's observations, `concurrency` messages at a time. */
export async function applySeed(
  store: { apply(observation: StatusObservation): Promise<unknown> },
  messages: readonly SeededMessage[],
  concurrency = 32,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        for (const observation of observationsOf(message)) await store.apply(observation);
      }
    }),
  );
}
