/**
 * The message item: one per MessageSid.
 *
 * Per-status first-seen times are stored as top-level attributes `statusAt_<status>` rather than one
 * map, so that a single UpdateItem can both create an item and add a time to it (DynamoDB cannot SET a
 * path inside a map that does not exist yet). `toMessageRecord` folds them into `statusTimes`, the shape
 * the query API returns.
 *
 * `errorMessage` and `dlrDoneAt` are not stored: each follows from another attribute (the error
 * catalogue's text for `errorCode`, the ISO form of `rawDlrDoneDate`), so `toMessageRecord` derives them
 * and every item is that much smaller (items written before this stored them; they read the same).
 *
 * A message seen only with statuses this version does not know has no current status yet; it is
 * answered with `status: null` and `final: false` (its history is in `statusTimes`), never as an item
 * with those attributes missing. The reconciler polls it like any unfinished message.
 */
import { MESSAGES_TABLE } from './contract';
import { describeTwilioError } from './error-codes';
import { INTERNAL_PRICE_ATTRIBUTES, publicPriceOf } from './message-price';
import type { ObservationSource } from './observation';
import { TAG_ATTRIBUTE_PREFIX, type Tags } from './tags';

export const STATUS_TIME_PREFIX = 'statusAt_';

export interface MessageRecord {
  messageSid: string;
  /** Null while only statuses this version does not know were seen. */
  status: string | null;
  statusRank?: number;
  final: boolean;
  statusTimes: Record<string, string>;
  createdAt?: string;
  updatedAt?: string;
  errorCode?: number;
  errorMessage?: string;
  rawDlrDoneDate?: string;
  dlrDoneAt?: string;
  accountSid?: string;
  messagingServiceSid?: string;
  from?: string;
  to?: string;
  channelPrefix?: string;
  channelInstallSid?: string;
  channelStatusMessage?: string;
  eventType?: string;
  callbackCount?: number;
  lastCallbackAt?: string;
  clientReference?: string;
  source?: ObservationSource;
  /** Set by the reconciler when a message stayed unfinished past the horizon. */
  unresolved?: boolean;
  expiresAt?: number;
  /** Always present; empty when the message has none. */
  tags: Tags;
  /**
   * Twilio's price, a signed decimal string ("-0.00790"); null until Twilio knows it (message-price.ts).
   * Every record read from the store has it (null or a price).
   */
  price?: string | null;
  /** ISO 4217 unit of `price`; null until the price is known. */
  priceUnit?: string | null;
  /** When the price was recorded. */
  pricedAt?: string;
}

/** Index keys that are also attributes of the record users see (the indexes are over them). */
const PUBLIC_INDEX_KEYS: ReadonlySet<string> = new Set<keyof MessageRecord>([
  'to',
  'clientReference',
  'createdAt',
]);

/**
 * Attributes that exist only for the store's own indexes (pendingShard, pendingSince, timeBucket,
 * failureBucket); not part of the record users see. Taken from the table's index keys, so a new
 * synthetic key is hidden without a second list to update.
 */
const INTERNAL_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...[MESSAGES_TABLE.pendingIndex, ...MESSAGES_TABLE.listIndexes]
    .flatMap((index): string[] => [index.partitionKey, index.sortKey])
    .filter((key) => !PUBLIC_INDEX_KEYS.has(key)),
  ...INTERNAL_PRICE_ATTRIBUTES,
]);

export function statusTimeAttribute(status: string): string {
  return `${STATUS_TIME_PREFIX}${status}`;
}

/**
 * The stored item as users see it: per-status times folded into `statusTimes`, tags into `tags`, the
 * price's micro-units as Twilio's decimal string `price` (null, with `priceUnit`, until known).
 */
export function toMessageRecord(item: Record<string, unknown>): MessageRecord {
  const record: Record<string, unknown> = { statusTimes: {} };
  const statusTimes: Record<string, string> = {};
  const tags: Tags = {};
  for (const [key, value] of Object.entries(item)) {
    if (key.startsWith(STATUS_TIME_PREFIX)) {
      statusTimes[key.slice(STATUS_TIME_PREFIX.length)] = String(value);
    } else if (key.startsWith(TAG_ATTRIBUTE_PREFIX)) {
      tags[key.slice(TAG_ATTRIBUTE_PREFIX.length)] = String(value);
    } else if (!INTERNAL_ATTRIBUTES.has(key)) {
      record[key] = value;
    }
  }
  record.statusTimes = statusTimes;
  record.tags = tags;
  // Only once known: an item without a price keeps the attributes it always had.
  const price = publicPriceOf(item);
  if (price.price !== null) Object.assign(record, price);
  if (typeof record.errorCode === 'number') {
    record.errorMessage = describeTwilioError(record.errorCode).message;
  }
  const dlrDoneAt = typeof record.rawDlrDoneDate === 'string' && dlrDoneDateToIso(record.rawDlrDoneDate);
  if (dlrDoneAt) record.dlrDoneAt = dlrDoneAt;
  if (record.status === undefined) {
    record.status = null;
    record.final = false;
  }
  return record as unknown as MessageRecord;
}

/**
 * Twilio's RawDlrDoneDate is the carrier's YYMMDDhhmm; returns its ISO-8601 form (taken as UTC, the
 * form carriers use), or undefined when it is not a real date.
 */
export function dlrDoneDateToIso(raw: string): string | undefined {
  const match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(raw.trim());
  if (!match) return undefined;
  const [yy, mm, dd, hh, mi] = match.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(2000 + yy, mm - 1, dd, hh, mi));
  const roundTrips =
    date.getUTCMonth() === mm - 1 && date.getUTCDate() === dd && date.getUTCHours() === hh && mi < 60;
  return roundTrips ? date.toISOString() : undefined;
}
