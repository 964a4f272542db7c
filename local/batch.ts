/**
 * Send a batch of messages through the local pipeline and check the result against the Twilio
 * simulator's truth. Shared by `npm run demo`, the end-to-end tests and the benchmarks, so all three
 * judge "correct" the same way.
 */
import type { MessageRecord } from '../lambda/domain/message';
import type { TruthEntry } from './twilio-simulator';

export interface BatchOptions {
  url: string;
  count: number;
  concurrency?: number;
  /** Share of recipients on WhatsApp (read receipts), 0..1. */
  whatsappShare?: number;
  /** Send message i as subaccount `accountSids[i % length]` (undefined entries: the parent). */
  accountSids?: ReadonlyArray<string | undefined>;
  onSent?: (sent: number) => void;
  /** More fields of message i's request (tags, a Messaging Service instead of the default From). */
  extra?: (i: number) => Record<string, unknown>;
}

/** Sends `count` messages through POST /messages; returns their SIDs in order. Throws on any refusal. */
export async function sendBatch(options: BatchOptions): Promise<string[]> {
  const sids: string[] = new Array(options.count);
  let next = 0;
  let sent = 0;
  const whatsappEvery = options.whatsappShare ? Math.round(1 / options.whatsappShare) : 0;
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      const number = `+1415${String(5550000 + (i % 10_000)).padStart(7, '0')}`;
      const whatsapp = whatsappEvery > 0 && i % whatsappEvery === 0;
      const accountSid = options.accountSids?.[i % options.accountSids.length];
      const response = await fetch(`${options.url}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          to: whatsapp ? `whatsapp:${number}` : number,
          ...(whatsapp ? { from: 'whatsapp:+15017250604' } : {}),
          body: `Message ${i + 1} of ${options.count}`,
          clientReference: `batch-${i + 1}`,
          ...(accountSid ? { accountSid } : {}),
          ...options.extra?.(i),
        }),
      });
      const result = (await response.json()) as { messageSid?: string; error?: unknown };
      if (!response.ok || !result.messageSid) {
        throw new Error(
          `send ${i + 1} failed (${response.status}): ${JSON.stringify(result.error ?? result)}`,
        );
      }
      sids[i] = result.messageSid;
      options.onSent?.(++sent);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return sids;
}

export interface Mismatch {
  messageSid: string;
  expected: TruthEntry | undefined;
  stored: Pick<MessageRecord, 'status' | 'errorCode' | 'accountSid'> | undefined;
}

export interface Comparison {
  checked: number;
  mismatches: Mismatch[];
  /** Final status -> count, as stored. */
  byStatus: Record<string, number>;
  /** Error code -> count, for failed and undelivered messages, as stored. */
  byErrorCode: Record<string, number>;
  /** Message SID -> its stored status (what the last status-change event must say). */
  storedStatus: Map<string, string | undefined>;
}

/** Reads every message back and compares status, error code and account with the simulator's truth. */
export async function compareWithTruth(
  sids: readonly string[],
  truth: ReadonlyMap<string, TruthEntry>,
  get: (sid: string) => Promise<MessageRecord | undefined>,
  concurrency = 16,
): Promise<Comparison> {
  const comparison: Comparison = {
    checked: 0,
    mismatches: [],
    byStatus: {},
    byErrorCode: {},
    storedStatus: new Map(),
  };
  let next = 0;
  const worker = async () => {
    while (next < sids.length) {
      const sid = sids[next++]!;
      const record = await get(sid);
      const expected = truth.get(sid);
      comparison.checked++;
      comparison.storedStatus.set(sid, record?.status ?? undefined);
      const status = record?.status ?? '(missing)';
      comparison.byStatus[status] = (comparison.byStatus[status] ?? 0) + 1;
      if (record?.errorCode !== undefined) {
        comparison.byErrorCode[record.errorCode] = (comparison.byErrorCode[record.errorCode] ?? 0) + 1;
      }
      if (
        !expected ||
        record?.status !== expected.status ||
        record?.errorCode !== expected.errorCode ||
        record?.accountSid !== expected.accountSid
      ) {
        comparison.mismatches.push({
          messageSid: sid,
          expected,
          stored: record && {
            status: record.status,
            errorCode: record.errorCode,
            accountSid: record.accountSid,
          },
        });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return comparison;
}
