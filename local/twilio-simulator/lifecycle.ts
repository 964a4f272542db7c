/**
 * A message's lifecycle, planned in full when the message is created: the statuses it goes through, the
 * delays between them, its error code, and what happens to each status callback (lost, held back past
 * the next one, duplicated). Planning up front from the message's own random stream makes a seeded run
 * reproducible whatever the timing, and gives the truth before the lifecycle has played out.
 */
import { between, pick, type Random } from './prng';
import type { Channel, OutcomeWeights } from './types';

export type Outcome = keyof OutcomeWeights;
export type DuplicateMode = 'none' | 'immediate' | 'replay';

export interface PlannedStep {
  status: string;
  /** Delay before this step, from the previous one (or from the create for the first step). */
  delayMs: number;
  errorCode?: number;
  /** 'READ' for a WhatsApp read receipt. */
  eventType?: 'READ';
  /** The callback of this step is never sent. */
  lost: boolean;
  /** The callback of this step is held back until the next step's callback was sent. */
  hold: boolean;
  /** The callback is sent twice: right after itself, or replayed after the last callback. */
  duplicate: DuplicateMode;
}

export interface MessagePlan {
  outcome: Outcome;
  steps: PlannedStep[];
  finalStatus: string;
  finalErrorCode?: number;
}

export interface PlanKnobs {
  outcomes: OutcomeWeights;
  whatsappReadRate: number;
  outOfOrderRate: number;
  duplicateRate: number;
  lostCallbackRate: number;
  stepDelayMs: [number, number];
}

/** Real Twilio error codes for each kind of failure, by channel. */
const ERROR_CODES: Record<'sms' | 'whatsapp', Record<'failed' | 'undelivered', readonly number[]>> = {
  sms: { failed: [30007, 30034, 30032], undelivered: [30003, 30005, 30006, 30007, 30008] },
  whatsapp: { failed: [63016, 63024, 63003], undelivered: [63032, 30008] },
};

/** Short texts for error_message and ChannelStatusMessage. */
export const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  30003: 'Unreachable destination handset',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
  30032: 'Toll-Free Number Has Not Been Verified',
  30034: 'Message from an Unregistered Number',
  63003: 'Channel could not find To address',
  63016: 'Failed to send freeform message because you are outside the allowed window',
  63024: 'Invalid message recipient',
  63032: 'User cannot receive this message',
};

export function pickOutcome(random: Random, weights: OutcomeWeights): Outcome {
  const entries = (['delivered', 'undelivered', 'failed', 'sentNoReceipt'] as const)
    .map((outcome): [Outcome, number] => [outcome, Math.max(0, weights[outcome] || 0)])
    .filter(([, weight]) => weight > 0);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  const r = random() * total;
  let acc = 0;
  for (const [outcome, weight] of entries) {
    acc += weight;
    if (r < acc) return outcome;
  }
  return entries[entries.length - 1]?.[0] ?? 'delivered';
}

export function planLifecycle(
  random: Random,
  knobs: PlanKnobs,
  channel: Channel,
  /** The recipient always ends undelivered with this code (the simulator's `undeliveredTo`). */
  forcedUndeliveredCode?: number,
): MessagePlan {
  const drawn = pickOutcome(random, knobs.outcomes);
  const outcome = forcedUndeliveredCode === undefined ? drawn : 'undelivered';
  const codes = ERROR_CODES[channel === 'whatsapp' ? 'whatsapp' : 'sms'];
  // Drawn whatever the outcome, so the stream stays aligned across outcomes.
  const failEarly = random() < 0.5;
  const failedCode = pick(random, codes.failed);
  const undeliveredCode = forcedUndeliveredCode ?? pick(random, codes.undelivered);
  const read = random() < knobs.whatsappReadRate;

  const statuses: Array<{ status: string; errorCode?: number; eventType?: 'READ' }> = [{ status: 'queued' }];
  switch (outcome) {
    case 'failed':
      if (!failEarly) statuses.push({ status: 'sending' });
      statuses.push({ status: 'failed', errorCode: failedCode });
      break;
    case 'undelivered':
      statuses.push(
        { status: 'sending' },
        { status: 'sent' },
        { status: 'undelivered', errorCode: undeliveredCode },
      );
      break;
    case 'sentNoReceipt':
      statuses.push({ status: 'sending' }, { status: 'sent' });
      break;
    case 'delivered':
      statuses.push({ status: 'sending' }, { status: 'sent' }, { status: 'delivered' });
      if (channel === 'whatsapp' && read) statuses.push({ status: 'read', eventType: 'READ' });
      break;
  }

  const [minDelay, maxDelay] = knobs.stepDelayMs;
  let previousHeld = false;
  const steps = statuses.map((s, index): PlannedStep => {
    const last = index === statuses.length - 1;
    // Four draws per step whatever happens, for the same reason.
    const delayMs = between(random, Math.max(0, minDelay), Math.max(0, maxDelay));
    const lost = random() < knobs.lostCallbackRate;
    const holdDraw = random() < knobs.outOfOrderRate;
    const dupDraw = random();
    const hold = !lost && !last && !previousHeld && holdDraw;
    previousHeld = hold;
    const duplicate: DuplicateMode =
      lost || dupDraw >= knobs.duplicateRate
        ? 'none'
        : dupDraw < knobs.duplicateRate / 2
          ? 'immediate'
          : 'replay';
    return { ...s, delayMs, lost, hold, duplicate };
  });
  const final = statuses[statuses.length - 1] ?? { status: 'queued' };
  return { outcome, steps, finalStatus: final.status, finalErrorCode: final.errorCode };
}
