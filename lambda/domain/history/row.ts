/**
 * A history row: one per status-change event, the columns Parquet holds in AWS (Firehose's record
 * format conversion against the Glue table) and locally (DuckDB). The columns are written once (columns.ts,
 * re-exported here: the construct loads them without this file's libphonenumber-js); the Glue table,
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
import type { HistoryRow } from './columns';

export {
  HISTORY_COLUMNS,
  HISTORY_PARTITION,
  type HistoryColumn,
  type HistoryColumnType,
  type HistoryRow,
} from './columns';

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
  return historyDayAt(row.recorded_at_ms);
}

/** The history partition (`YYYY-MM-DD`, UTC) of an instant: `historyDayAt(Date.now())` is today's. */
export function historyDayAt(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
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
