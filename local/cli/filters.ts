/**
 * `npm run messages` filters, turned into the list API's query parameters (GET /messages). Values the
 * CLI itself converts (relative times, booleans, numbers, tags, SIDs) are checked here, so a typo is
 * exit code 2 with the option's name; what only the server can judge (a status, a number) goes as typed,
 * and its 400 names the parameter.
 */
import { closestName } from '../../lambda/domain/closest-name';
import { SID_PATTERNS } from '../../lambda/domain/contract';
import { isCalendarDate } from '../../lambda/domain/instant';
import { isKnownStatus, KNOWN_STATUSES } from '../../lambda/domain/lifecycle';
import { MAX_LIST_LIMIT, parseListRequest, TAG_PARAMETER } from '../../lambda/domain/list-query';
import { UsageError } from './errors';
import type { OptionSpecs } from './options';

export const FILTER_OPTIONS = {
  status: {
    type: 'string',
    multiple: true,
    value: 'LIST',
    help: 'current status, comma-separated: failed,undelivered',
  },
  final: { type: 'string', value: 'true|false', help: 'only messages whose status is (not) final' },
  'error-code': { type: 'string', value: 'N', help: 'Twilio error code (30003, 21610, ...)' },
  since: { type: 'string', value: 'TIME', help: 'created at or after: ISO 8601, or ago: 30m, 1h, 7d, 2w' },
  until: { type: 'string', value: 'TIME', help: 'created before: ISO 8601, or ago: 30m, 1h, 7d, 2w' },
  to: { type: 'string', value: 'NUMBER', help: 'recipient (E.164 or whatsapp:+E.164)' },
  from: { type: 'string', value: 'SENDER', help: 'sender' },
  service: { type: 'string', value: 'MG...', help: 'Messaging Service SID' },
  account: { type: 'string', value: 'AC...', help: 'Twilio account SID' },
  ref: { type: 'string', value: 'REF', help: 'your reference (clientReference)' },
  tag: { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'a tag the message carries' },
  limit: {
    type: 'string',
    value: 'N',
    help: `messages per page, 1-${MAX_LIST_LIMIT} (default: the server's)`,
  },
  cursor: { type: 'string', value: 'C', help: 'continue from the nextCursor of an earlier page' },
} as const satisfies OptionSpecs;

export interface FilterValues {
  status?: string[];
  final?: string;
  'error-code'?: string;
  since?: string;
  until?: string;
  to?: string;
  from?: string;
  service?: string;
  account?: string;
  ref?: string;
  tag?: string[];
  limit?: string;
  cursor?: string;
}

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** The query parameters, in the order given by the contract; `now` makes relative times testable. */
export function filterParams(values: FilterValues, now = Date.now()): [string, string][] {
  const params: [string, string][] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) params.push([name, value]);
  };
  if (values.status?.length) add('status', values.status.join(','));
  add('final', values.final === undefined ? undefined : oneOf('--final', values.final, ['true', 'false']));
  add(
    'errorCode',
    values['error-code'] === undefined ? undefined : whole('--error-code', values['error-code']),
  );
  add('since', values.since === undefined ? undefined : time('--since', values.since, now));
  add('until', values.until === undefined ? undefined : time('--until', values.until, now));
  add('to', values.to);
  add('from', values.from);
  add('messagingServiceSid', sid('--service', values.service, SID_PATTERNS.messagingService, 'MG'));
  add('accountSid', sid('--account', values.account, SID_PATTERNS.account, 'AC'));
  add('clientReference', values.ref);
  for (const tag of values.tag ?? []) {
    const at = tag.indexOf('=');
    if (at <= 0) throw new UsageError(`--tag wants KEY=VALUE, got "${tag}"`);
    add(`${TAG_PARAMETER}${tag.slice(0, at)}`, tag.slice(at + 1));
  }
  if (values.limit !== undefined) {
    const limit = Number(whole('--limit', values.limit));
    if (limit < 1 || limit > MAX_LIST_LIMIT)
      throw new UsageError(`--limit must be 1 to ${MAX_LIST_LIMIT}, got ${values.limit}`);
    add('limit', String(limit));
  }
  add('cursor', values.cursor);
  checkAsTheServerWould(params);
  return params;
}

/** The option each list parameter comes from, to name it when the list API's own rule refuses a value. */
const OPTION_OF_PARAMETER: Record<string, string> = {
  status: '--status',
  final: '--final',
  errorCode: '--error-code',
  since: '--since',
  until: '--until',
  to: '--to',
  from: '--from',
  messagingServiceSid: '--service',
  accountSid: '--account',
  clientReference: '--ref',
  limit: '--limit',
  cursor: '--cursor',
};

/**
 * Runs the list API's own parser (the same function the server answers with) over the parameters, so a
 * value it would refuse (`--status faild`, `--to 4155551234`) is exit code 2 here, named by its option,
 * before any request.
 */
function checkAsTheServerWould(params: [string, string][]): void {
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of params) (grouped[name] ??= []).push(value);
  const parsed = parseListRequest(grouped);
  if (parsed.ok) return;
  const { parameter, message } = parsed.error;
  const option = parameter.startsWith(TAG_PARAMETER) ? '--tag' : OPTION_OF_PARAMETER[parameter];
  throw new UsageError((option ? `${option}: ${message}` : message) + statusGuess(parameter, grouped));
}

/** `--status faild`: the known status closest to the one that is not. */
function statusGuess(parameter: string, grouped: Record<string, string[]>): string {
  if (parameter !== 'status') return '';
  const unknown = (grouped.status?.[0] ?? '').split(',').find((s) => !isKnownStatus(s.trim().toLowerCase()));
  const guess = unknown === undefined ? undefined : closestName(unknown.trim().toLowerCase(), KNOWN_STATUSES);
  return guess ? `; did you mean "${guess}"?` : '';
}

/**
 * A query string in SigV4's own encoding (RFC 3986: only unreserved characters left as they are), so
 * the string sent and the string signed decode to the same values; no `+` for a space.
 */
export function queryString(params: [string, string][]): string {
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return params.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&');
}

/** ISO 8601, or a time ago (`90m`, `1h`, `7d`), as the ISO instant the API takes. */
export function time(option: string, value: string, now: number): string {
  const ago = /^(\d+)([smhdw])$/.exec(value);
  if (ago) return new Date(now - Number(ago[1]) * UNIT_MS[ago[2]!]!).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : NaN;
  if (Number.isNaN(at) || !isCalendarDate(value))
    throw new UsageError(
      `${option} wants an ISO 8601 time (2026-11-23T07:28:14Z) or a time ago (30m, 1h, 7d), got "${value}"`,
    );
  return new Date(at).toISOString();
}

function whole(option: string, value: string): string {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} must be a whole number, got "${value}"`);
  return String(Number(value));
}

function oneOf(option: string, value: string, allowed: string[]): string {
  if (!allowed.includes(value))
    throw new UsageError(`${option} must be ${allowed.join(' or ')}, got "${value}"`);
  return value;
}

function sid(option: string, value: string | undefined, pattern: RegExp, prefix: string): string | undefined {
  if (value !== undefined && !pattern.test(value))
    throw new UsageError(`${option} must be ${prefix} followed by 32 hex characters, got "${value}"`);
  return value;
}
