/**
 * A deferred record: the observation the sender could not write after Twilio accepted a message, kept in
 * a durable place (the send queue, a local file) until the store takes it. Read back, it is checked field
 * by field, since anything that can write to that place could have put it there. Pure: no I/O.
 */
import { SID_PATTERNS } from './contract';
import type { StatusObservation } from './observation';
import { validateTags } from './tags';

/** The one key of a send queue message that carries a deferred record instead of a send request. */
export const DEFERRED_RECORD_KEY = 'recordAfterSend';

const TEXT_FIELDS = ['to', 'from', 'clientReference', 'createdAt'] as const;

export function deferredRecordBody(observation: StatusObservation): string {
  return JSON.stringify({ [DEFERRED_RECORD_KEY]: observation });
}

/** Whether a parsed queue message is a deferred record (rather than a send request). */
export function isDeferredRecord(value: unknown): value is Record<typeof DEFERRED_RECORD_KEY, unknown> {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, DEFERRED_RECORD_KEY);
}

/**
 * The observation a deferred record (`{"recordAfterSend": ...}`, parsed) holds, or a reason it is not one
 * the sender could have written.
 */
export function deferredObservationOf(
  record: unknown,
): { ok: true; observation: StatusObservation } | { ok: false; reason: string } {
  if (!isDeferredRecord(record)) return { ok: false, reason: `not a ${DEFERRED_RECORD_KEY} record` };
  const value = record[DEFERRED_RECORD_KEY];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not an object' };
  }
  const o = value as Record<string, unknown>;
  if (o.source !== 'send') return { ok: false, reason: 'source is not "send"' };
  if (typeof o.messageSid !== 'string' || !SID_PATTERNS.message.test(o.messageSid)) {
    return { ok: false, reason: 'messageSid is not a message SID' };
  }
  if (typeof o.status !== 'string' || !/^[a-z_]{1,32}$/.test(o.status)) {
    return { ok: false, reason: 'status is not a Twilio status' };
  }
  if (typeof o.observedAt !== 'string' || Number.isNaN(Date.parse(o.observedAt))) {
    return { ok: false, reason: 'observedAt is not a time' };
  }
  const observation: StatusObservation = {
    messageSid: o.messageSid,
    status: o.status,
    observedAt: o.observedAt,
    source: 'send',
  };
  for (const field of TEXT_FIELDS) {
    if (o[field] === undefined) continue;
    if (typeof o[field] !== 'string') return { ok: false, reason: `${field} is not text` };
    observation[field] = o[field];
  }
  for (const [field, pattern] of [
    ['accountSid', SID_PATTERNS.account],
    ['messagingServiceSid', SID_PATTERNS.messagingService],
  ] as const) {
    if (o[field] === undefined) continue;
    if (typeof o[field] !== 'string' || !pattern.test(o[field])) {
      return { ok: false, reason: `${field} is not a SID` };
    }
    observation[field] = o[field];
  }
  if (o.tags !== undefined) {
    const tags = validateTags(o.tags);
    if (!tags.ok) return { ok: false, reason: tags.problem };
    observation.tags = tags.tags;
  }
  return { ok: true, observation };
}
