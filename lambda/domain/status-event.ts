/**
 * Status-change events: exactly one per write that moved a message's current status, derived from the
 * table's stream (the item before and after the write), never from the callback path. So an event exists
 * if and only if the write happened: no dual write, and stale, duplicate or record-only writes (a late
 * status time, a filled-in error code) emit nothing because they leave `statusRank` where it was.
 *
 * Per message, the writes are ordered (one conditional UpdateItem at a time moves the rank strictly up),
 * and the stream keeps that order per item, so a consumer that keeps it too emits ranks that strictly
 * increase. A message that jumps (queued -> delivered with `sent` lost) gives one event for `delivered`
 * whose `previousStatus` is `queued`.
 */
import { toMessageRecord, type MessageRecord } from './message';

export const EVENT_SOURCE = 'twilio-status-tracker';
export const EVENT_DETAIL_TYPE = 'Message Status Changed';

/** The `detail` of a `Message Status Changed` event (docs/events.schema.json). Absent values are null. */
export interface StatusChangeDetail {
  /** `{messageSid}:{status}`: the same on every redelivery of this change, so consumers dedupe on it. */
  eventId: string;
  messageSid: string;
  accountSid: string | null;
  status: string;
  /** The current status before this change; null when the message was new. */
  previousStatus: string | null;
  statusRank: number;
  final: boolean;
  /** When the status was first seen. */
  at: string | null;
  errorCode: number | null;
  errorMessage: string | null;
  to: string | null;
  from: string | null;
  messagingServiceSid: string | null;
  clientReference: string | null;
  tags: Record<string, string>;
  channelPrefix: string | null;
  eventType: string | null;
  /** Which path learnt the status: `callback`, `send` or `poll`. */
  source: string | null;
  statusTimes: Record<string, string>;
}

export interface StatusChangeEvent {
  source: typeof EVENT_SOURCE;
  detailType: typeof EVENT_DETAIL_TYPE;
  detail: StatusChangeDetail;
}

/**
 * The event a stream record stands for, if any. `before` and `after` are the item's images as plain
 * values (unmarshalled); `before` is undefined for an INSERT, `after` for a REMOVE (TTL expiry).
 */
export function statusChangeOf(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): StatusChangeEvent | undefined {
  if (!after) return undefined;
  const now = toMessageRecord(after);
  if (typeof now.status !== 'string' || typeof now.statusRank !== 'number') return undefined;
  const was = before ? toMessageRecord(before) : undefined;
  if (was && typeof was.statusRank === 'number' && was.statusRank >= now.statusRank) return undefined;
  return {
    source: EVENT_SOURCE,
    detailType: EVENT_DETAIL_TYPE,
    detail: detailOf(now, typeof was?.status === 'string' ? was.status : null),
  };
}

function detailOf(record: MessageRecord, previousStatus: string | null): StatusChangeDetail {
  const status = record.status!;
  return {
    eventId: `${record.messageSid}:${status}`,
    messageSid: record.messageSid,
    accountSid: record.accountSid ?? null,
    status,
    previousStatus,
    statusRank: record.statusRank!,
    final: record.final === true,
    at: record.statusTimes[status] ?? null,
    errorCode: record.errorCode ?? null,
    errorMessage: record.errorMessage ?? null,
    to: record.to ?? null,
    from: record.from ?? null,
    messagingServiceSid: record.messagingServiceSid ?? null,
    clientReference: record.clientReference ?? null,
    tags: record.tags,
    channelPrefix: record.channelPrefix ?? null,
    eventType: record.eventType ?? null,
    source: record.source ?? null,
    statusTimes: record.statusTimes,
  };
}
