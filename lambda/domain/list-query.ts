/**
 * GET /messages: the query string as the list API accepts it, and what an item must be to match it.
 * Every parameter is checked before anything is read: an unknown one, a value of the wrong form or a
 * limit out of range is a ValidationError naming the parameter (400), so a typo never silently widens a
 * query. Pure: no I/O.
 */
import { SID_PATTERNS } from './contract';
import { isoInstantMs } from './instant';
import { isKnownStatus } from './lifecycle';
import type { MessageRecord } from './message';
import { hasNoControlCharacters, tagProblem, type Tags } from './tags';

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
/** Longest address, reference or cursor accepted; longer values cannot match anything stored. */
const MAX_VALUE_LENGTH = 1024;
const MAX_CURSOR_LENGTH = 8192;
export const TAG_PARAMETER = 'tag.';

export const LIST_PARAMETERS = [
  'status',
  'final',
  'errorCode',
  'since',
  'until',
  'to',
  'from',
  'messagingServiceSid',
  'accountSid',
  'clientReference',
  'limit',
  'cursor',
  'format',
] as const;

export interface ListFilters {
  statuses?: string[];
  final?: boolean;
  errorCode?: number;
  /** Normalised ISO instants (`toISOString`), compared with the stored `createdAt` as strings. */
  since?: string;
  until?: string;
  to?: string;
  from?: string;
  messagingServiceSid?: string;
  accountSid?: string;
  clientReference?: string;
  tags: Tags;
}

export interface ListRequest {
  filters: ListFilters;
  limit: number;
  /** As given; decoded against the plan (list-plan.ts). */
  cursor?: string;
  format: 'json' | 'csv';
}

export interface ListValidationError {
  type: 'ValidationError';
  parameter: string;
  message: string;
}

export type ParsedList = { ok: true; request: ListRequest } | { ok: false; error: ListValidationError };

/** `params`: every parameter with all its values, as decoded from the query string. */
export function parseListRequest(params: Record<string, string[]>, accept?: string): ParsedList {
  const filters: ListFilters = { tags: {} };
  const request: ListRequest = { filters, limit: DEFAULT_LIST_LIMIT, format: 'json' };
  for (const [name, values] of Object.entries(params)) {
    const shown = name.slice(0, 80);
    const isTag = name.startsWith(TAG_PARAMETER);
    if (!isTag && !(LIST_PARAMETERS as readonly string[]).includes(name)) {
      return invalid(
        shown,
        `unknown parameter "${shown}"; expected ${LIST_PARAMETERS.join(', ')} or tag.<key>`,
      );
    }
    if (values.length !== 1) return invalid(shown, `"${shown}" may be given once`);
    const value = values[0]!;
    if (value.length > (name === 'cursor' ? MAX_CURSOR_LENGTH : MAX_VALUE_LENGTH)) {
      return invalid(shown, `"${shown}" is too long`);
    }
    const problem = isTag
      ? setTag(filters, name.slice(TAG_PARAMETER.length), value)
      : set(request, name, value);
    if (problem !== undefined) return invalid(shown, problem);
  }
  if (filters.since !== undefined && filters.until !== undefined && filters.since >= filters.until) {
    return invalid('until', '"until" must be later than "since"');
  }
  if (!params.format && accept?.toLowerCase().includes('text/csv')) request.format = 'csv';
  return { ok: true, request };
}

/** Whether a stored message matches every filter (AND). */
export function matchesFilters(record: MessageRecord, filters: ListFilters): boolean {
  const createdAt = record.createdAt ?? '';
  if (filters.since !== undefined && createdAt < filters.since) return false;
  if (filters.until !== undefined && createdAt >= filters.until) return false;
  if (filters.statuses && !filters.statuses.includes(record.status ?? '')) return false;
  if (filters.final !== undefined && record.final !== filters.final) return false;
  if (filters.errorCode !== undefined && record.errorCode !== filters.errorCode) return false;
  for (const field of ['to', 'from', 'messagingServiceSid', 'accountSid', 'clientReference'] as const) {
    if (filters[field] !== undefined && record[field] !== filters[field]) return false;
  }
  return Object.entries(filters.tags).every(([key, value]) => record.tags[key] === value);
}

function set(request: ListRequest, name: string, value: string): string | undefined {
  const { filters } = request;
  switch (name) {
    case 'status': {
      const statuses = value.split(',').map((s) => s.trim().toLowerCase());
      const bad = statuses.find((s) => !isKnownStatus(s));
      if (bad !== undefined) return `"${bad.slice(0, 40)}" is not a status of the lifecycle`;
      filters.statuses = [...new Set(statuses)];
      return undefined;
    }
    case 'final':
      if (value !== 'true' && value !== 'false') return '"final" must be true or false';
      filters.final = value === 'true';
      return undefined;
    case 'errorCode':
      if (!/^\d{1,6}$/.test(value)) return '"errorCode" must be a Twilio error code (digits)';
      filters.errorCode = Number(value);
      return undefined;
    case 'since':
    case 'until': {
      const ms = isoInstantMs(value);
      if (ms === undefined) return `"${name}" must be an ISO 8601 date or instant (2026-01-31T12:00:00Z)`;
      filters[name] = new Date(ms).toISOString();
      return undefined;
    }
    case 'messagingServiceSid':
    case 'accountSid': {
      const pattern = name === 'accountSid' ? SID_PATTERNS.account : SID_PATTERNS.messagingService;
      if (!pattern.test(value))
        return `"${name}" must be ${name === 'accountSid' ? 'AC' : 'MG'} and 32 hex characters`;
      filters[name] = value;
      return undefined;
    }
    case 'to':
    case 'from':
    case 'clientReference':
      if (value === '' || !hasNoControlCharacters(value))
        return `"${name}" must be non-empty text without control characters`;
      // A `+` sent unencoded arrives as a space: say so rather than match nothing.
      if (name !== 'clientReference' && value.startsWith(' ')) return `"${name}": send + as %2B`;
      filters[name] = value;
      return undefined;
    case 'limit':
      if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIST_LIMIT) {
        return `"limit" must be a whole number from 1 to ${MAX_LIST_LIMIT}`;
      }
      request.limit = Number(value);
      return undefined;
    case 'cursor':
      if (!/^[A-Za-z0-9_-]+$/.test(value)) return '"cursor" is not a cursor this API gave';
      request.cursor = value;
      return undefined;
    default: // format
      if (value !== 'json' && value !== 'csv') return '"format" must be json or csv';
      request.format = value;
      return undefined;
  }
}

function setTag(filters: ListFilters, key: string, value: string): string | undefined {
  // The same rule as a tag a message is given: a value no message can carry matches nothing.
  const problem = tagProblem(key, value);
  if (problem !== undefined) return problem;
  filters.tags[key] = value;
  return undefined;
}

function invalid(parameter: string, message: string): { ok: false; error: ListValidationError } {
  return { ok: false, error: { type: 'ValidationError', parameter, message } };
}
