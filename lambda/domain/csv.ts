/**
 * The list API's CSV: one row per message, safe to open in a spreadsheet.
 *
 * - A cell whose first character is `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`, so a spreadsheet
 *   never runs it as a formula (CSV injection); E.164 numbers therefore read `'+1...`.
 * - Then a cell is quoted (inner quotes doubled) only when it holds `,`, `"`, CR or LF.
 * - Rows end with CRLF (RFC 4180); UTF-8 without a byte order mark; an absent value is an empty cell.
 */
import type { MessageRecord } from './message';

export const CSV_COLUMNS = [
  'messageSid',
  'status',
  'final',
  'createdAt',
  'updatedAt',
  'to',
  'from',
  'errorCode',
  'errorMessage',
  'clientReference',
  'accountSid',
  'messagingServiceSid',
  'tags',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[,"\r\n]/;

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function messagesToCsv(messages: readonly MessageRecord[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const message of messages) {
    rows.push(CSV_COLUMNS.map((column) => csvCell(message[column])).join(','));
  }
  return rows.map((row) => `${row}\r\n`).join('');
}
