/**
 * A history row: one per status-change event, the columns Parquet holds in AWS (Firehose's record
 * format conversion against the Glue table) and locally (DuckDB). Written once here; the Glue table,
 * the local writer and the named queries all read these columns.
 *
 * Pseudonymised by design: a row carries a keyed hash of `to` and `from` and their country calling
 * code, never the numbers. The numbers stay only in the messages table, where a message can be deleted,
 * so erasing a person never means rewriting Parquet; without the key, a hash cannot be turned back into
 * a number by trying every number.
 *
 * Times are epoch milliseconds (bigint): both engines and Firehose's JSON-to-Parquet conversion read them
 * the same way, with no timestamp format to agree on. `dt` (the UTC day it was recorded, `YYYY-MM-DD`) is the partition.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { StatusChangeDetail } from '../status-event';

export type HistoryColumnType = 'string' | 'int' | 'bigint' | 'boolean' | 'map<string,string>';

export interface HistoryColumn {
  name: keyof HistoryRow;
  type: HistoryColumnType;
  comment: string;
}

export interface HistoryRow {
  event_id: string;
  message_sid: string;
  account_sid: string | null;
  status: string;
  previous_status: string | null;
  status_rank: number;
  final: boolean;
  /** When the status was first seen (epoch ms); null when the event carries no time. */
  status_at_ms: number | null;
  error_code: number | null;
  to_hash: string | null;
  to_country: string | null;
  from_hash: string | null;
  from_country: string | null;
  messaging_service_sid: string | null;
  client_reference: string | null;
  tags: Record<string, string>;
  channel_prefix: string | null;
  event_type: string | null;
  /** Which path learnt the status: `callback`, `send` or `poll` (a polled time is the poll's). */
  source: string | null;
  /** When the row was made (epoch ms). */
  recorded_at_ms: number;
}

export const HISTORY_COLUMNS: readonly HistoryColumn[] = [
  { name: 'event_id', type: 'string', comment: '{messageSid}:{status}, the same on every redelivery' },
  { name: 'message_sid', type: 'string', comment: 'Twilio MessageSid' },
  { name: 'account_sid', type: 'string', comment: 'Twilio AccountSid' },
  { name: 'status', type: 'string', comment: 'the status this row records' },
  { name: 'previous_status', type: 'string', comment: 'the current status before; null when new' },
  { name: 'status_rank', type: 'int', comment: 'the status order; strictly increases per message' },
  { name: 'final', type: 'boolean', comment: 'whether the status is final' },
  { name: 'status_at_ms', type: 'bigint', comment: 'first-seen time of the status, epoch ms' },
  { name: 'error_code', type: 'int', comment: 'Twilio error code' },
  { name: 'to_hash', type: 'string', comment: 'keyed hash of the recipient' },
  { name: 'to_country', type: 'string', comment: 'country calling code of the recipient' },
  { name: 'from_hash', type: 'string', comment: 'keyed hash of the sender' },
  { name: 'from_country', type: 'string', comment: 'country calling code of the sender' },
  { name: 'messaging_service_sid', type: 'string', comment: 'Messaging Service SID' },
  { name: 'client_reference', type: 'string', comment: "the sender's reference" },
  { name: 'tags', type: 'map<string,string>', comment: 'tags of the message' },
  { name: 'channel_prefix', type: 'string', comment: 'whatsapp, messenger, ... when not SMS' },
  { name: 'event_type', type: 'string', comment: 'Twilio EventType' },
  { name: 'source', type: 'string', comment: 'callback, send or poll' },
  { name: 'recorded_at_ms', type: 'bigint', comment: 'when the row was made, epoch ms' },
];

/** The partition column: the UTC day of the row (`YYYY-MM-DD`), a path segment `dt=YYYY-MM-DD/`. */
export const HISTORY_PARTITION = 'dt';

/** Keyed hash of an address (the adapter holds the key). */
export type Pseudonymise = (address: string) => string;

export function historyRowOf(
  detail: StatusChangeDetail,
  pseudonymise: Pseudonymise,
  now: number,
): HistoryRow {
  const statusAt = detail.at === null ? NaN : Date.parse(detail.at);
  return {
    event_id: detail.eventId,
    message_sid: detail.messageSid,
    account_sid: detail.accountSid,
    status: detail.status,
    previous_status: detail.previousStatus,
    status_rank: detail.statusRank,
    final: detail.final,
    status_at_ms: Number.isNaN(statusAt) ? null : statusAt,
    error_code: detail.errorCode,
    to_hash: detail.to === null ? null : pseudonymise(detail.to),
    to_country: countryCallingCodeOf(detail.to),
    from_hash: detail.from === null ? null : pseudonymise(detail.from),
    from_country: countryCallingCodeOf(detail.from),
    messaging_service_sid: detail.messagingServiceSid,
    client_reference: detail.clientReference,
    tags: detail.tags,
    channel_prefix: detail.channelPrefix,
    event_type: detail.eventType,
    source: detail.source,
    recorded_at_ms: now,
  };
}

/**
 * The partition a row is written under: the UTC day it was recorded, as Firehose's
 * `dt=!{timestamp:yyyy-MM-dd}/` prefix does in AWS. A row is recorded after its status time, so a
 * window starting at `since` never needs partitions before `since`'s day.
 */
export function historyDayOf(row: HistoryRow): string {
  return new Date(row.recorded_at_ms).toISOString().slice(0, 10);
}

/**
 * The country calling code of an address (`+44...` -> `44`), channel prefixes (`whatsapp:`) ignored;
 * null when the address is not a phone number (a short code, a Messenger id).
 */
export function countryCallingCodeOf(address: string | null): string | null {
  if (address === null) return null;
  const number = address.slice(address.indexOf(':') + 1);
  if (!number.startsWith('+')) return null;
  return parsePhoneNumberFromString(number)?.countryCallingCode ?? null;
}
