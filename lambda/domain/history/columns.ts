/**
 * The history row's columns and partition, apart from the code that fills them (row.ts): the CDK
 * construct reads these to define the Glue table and the named queries, and a module the construct
 * loads must need no package beyond aws-cdk-lib and constructs (row.ts needs libphonenumber-js, which
 * only the Lambda bundles and the local writer carry). row.ts re-exports everything here.
 */

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
