/**
 * Which index serves a list request, which of its partitions hold the answer, and the cursor that says
 * where a page stopped. Pure: the use case (use-cases/list-messages.ts) runs the plan through a port.
 *
 * The narrowest index wins: `byClientReference`, then `byTo`, then the optional `byTag` (a filter on the
 * configured tag key; one partition each), then `failures` (a
 * status filter of failures only, or an error code: only failed and undelivered keep one), then the
 * not-final `pending` index (`final=false`, or non-final statuses only), then `byTime`. Every other
 * filter is checked on the items read back: the indexes hold keys only, so DynamoDB cannot filter them.
 * The day-partitioned indexes (`byTime`, `failures`) and any such item filter look at the last
 * LOOKBACK_DAYS when `since` is not given, so a query never wanders through the whole table.
 */
import {
  MESSAGES_TABLE,
  pendingShardNames,
  SID_PATTERNS,
  TAG_INDEX_NAME,
  tagIndexOf,
  timeBucketsOfDay,
  type ListIndexName,
} from './contract';
import { FAILURE_STATUSES, isFinal } from './lifecycle';
import type { ListFilters } from './list-query';

export const LOOKBACK_DAYS = 7;
const DAY_MS = 86_400_000;
/** Clock skew allowed between Twilio's creation times and ours: the latest a window can end. */
const FUTURE_SLACK_MS = 5 * 60_000;

export interface ListIndexSetup {
  /** The list indexes this deployment has (a staged upgrade adds them one by one). */
  available: readonly ListIndexName[];
  pendingShards: number;
  /** The tag key of the sparse `byTag` index, when the table has one (contract.ts, tagIndexOf). */
  tagIndexKey?: string;
}

export interface ListPlan {
  index: string;
  partitionKey: string;
  sortKey: string;
  /** Groups of partitions, newest first: one day of a day-partitioned index, or all partitions at once. */
  tierCount: number;
  partitionsOf(tier: number): string[];
  /** Sort-key range: `from` inclusive, `to` exclusive (the items' `createdAt` is checked exactly). */
  range: { from?: string; to?: string };
  /** The time window the plan was made for; a cursor carries it, so later pages see the same days. */
  window: Window;
  fingerprint: string;
}

interface Window {
  since?: string;
  until?: string;
}

/** Where each partition of the current tier stopped: not started, done, or after this key. */
export type Position = null | 0 | [sortKey: string, messageSid: string];

export interface ListCursor {
  window: Window;
  tier: number;
  positions: Position[];
}

export type Planned = { ok: true; plan: ListPlan } | { ok: false; missingIndex: string };

export function planList(
  filters: ListFilters,
  setup: ListIndexSetup,
  now: Date,
  cursorWindow?: Window,
): Planned {
  const has = (name: ListIndexName) => setup.available.includes(name);
  const statuses = filters.statuses;
  // An empty value is never stored under the indexed key (DynamoDB refuses an empty index key), nor can
  // it be queried: such a filter is checked on the items.
  const tagValue = setup.tagIndexKey === undefined ? undefined : filters.tags[setup.tagIndexKey];
  const byTag = tagValue !== undefined && tagValue !== '';
  const index: string | undefined =
    filters.clientReference !== undefined && has('byClientReference')
      ? 'byClientReference'
      : filters.to !== undefined && has('byTo')
        ? 'byTo'
        : byTag
          ? TAG_INDEX_NAME
          : (filters.errorCode !== undefined || statuses?.every((s) => FAILURE_STATUSES.includes(s))) &&
              has('failures')
            ? 'failures'
            : filters.final === false || statuses?.every((s) => !isFinal(s))
              ? MESSAGES_TABLE.pendingIndex.name
              : has('byTime')
                ? 'byTime'
                : undefined;
  if (index === undefined) return { ok: false, missingIndex: 'byTime' };
  const keys =
    index === TAG_INDEX_NAME
      ? tagIndexOf(setup.tagIndexKey!)
      : [MESSAGES_TABLE.pendingIndex, ...MESSAGES_TABLE.listIndexes].find((i) => i.name === index)!;
  const byDay = index === 'byTime' || index === 'failures';
  const itemFiltered = hasItemFilters(
    filters,
    index,
    index === TAG_INDEX_NAME ? setup.tagIndexKey : undefined,
  );

  const window: Window = cursorWindow ?? { since: filters.since, until: filters.until };
  if (!cursorWindow && window.since === undefined && (byDay || itemFiltered)) {
    window.since = new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS).toISOString();
  }
  // No message is created in the future: a day-partitioned walk starts at today (plus clock skew),
  // whatever `until` says, instead of walking empty days first. The cursor keeps this end, so every page
  // counts its days from the same one (even across midnight).
  const latest = now.getTime() + FUTURE_SLACK_MS;
  if (!cursorWindow && byDay && (window.until === undefined || Date.parse(window.until) > latest)) {
    window.until = new Date(latest).toISOString();
  }
  let tierCount = 1;
  let partitionsOf: (tier: number) => string[];
  if (index === 'byClientReference') partitionsOf = () => [filters.clientReference!];
  else if (index === 'byTo') partitionsOf = () => [filters.to!];
  else if (index === TAG_INDEX_NAME) partitionsOf = () => [tagValue!];
  else if (!byDay) {
    const shards = pendingShardNames(setup.pendingShards);
    partitionsOf = () => shards;
  } else {
    // Newest day first: from the day of `until` (exclusive, so its last millisecond) down to `since`'s.
    // A cursor from before the window's end was kept has none: today, as it was then.
    const last = dayNumber((window.until ? Date.parse(window.until) : latest) - 1);
    const first = dayNumber(Date.parse(window.since!));
    tierCount = Math.max(0, last - first + 1);
    partitionsOf = (tier) => {
      const day = new Date((last - tier) * DAY_MS).toISOString().slice(0, 10);
      return timeBucketsOfDay(day);
    };
  }
  return {
    ok: true,
    plan: {
      index,
      partitionKey: keys.partitionKey,
      sortKey: keys.sortKey,
      tierCount,
      partitionsOf,
      range: { from: window.since, to: window.until },
      window,
      fingerprint: fingerprintOf(filters),
    },
  };
}

/** Whether some filter is checked on the items rather than served by the index's key. */
function hasItemFilters(filters: ListFilters, index: string, indexedTag: string | undefined): boolean {
  return (
    filters.statuses !== undefined ||
    filters.final !== undefined ||
    filters.errorCode !== undefined ||
    filters.from !== undefined ||
    filters.messagingServiceSid !== undefined ||
    filters.accountSid !== undefined ||
    Object.keys(filters.tags).some((key) => key !== indexedTag) ||
    (filters.to !== undefined && index !== 'byTo') ||
    (filters.clientReference !== undefined && index !== 'byClientReference')
  );
}

function dayNumber(time: number): number {
  return Math.floor(time / DAY_MS);
}

/** Ties a cursor to the filters it was made for: a cursor handed to another query is refused. */
function fingerprintOf(filters: ListFilters): string {
  // The window is not part of it: a cursor carries its own.
  const sorted = (o: object) =>
    Object.entries(o)
      .filter(([key]) => key !== 'since' && key !== 'until')
      .sort(([a], [b]) => (a < b ? -1 : 1));
  const text = JSON.stringify([sorted(filters), sorted(filters.tags)]);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(36);
}

export function encodeCursor(plan: ListPlan, cursor: ListCursor): string {
  const body = { f: plan.fingerprint, w: [cursor.window.since ?? null, cursor.window.until ?? null] };
  return Buffer.from(JSON.stringify({ ...body, t: cursor.tier, p: cursor.positions })).toString('base64url');
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The cursor a client handed back, or undefined when it is not one this query could have made: wrong
 * shape, another query's, a position outside the plan. Checked in full, because its parts become a
 * DynamoDB ExclusiveStartKey, which DynamoDB would refuse with an error rather than a 400.
 */
export function decodeCursor(text: string, filters: ListFilters): ListCursor | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { f, w, t, p } = raw as Record<string, unknown>;
  if (f !== fingerprintOf(filters) || !Array.isArray(w) || w.length !== 2) return undefined;
  if (!w.every((v) => v === null || (typeof v === 'string' && INSTANT.test(v)))) return undefined;
  if (!Number.isInteger(t) || (t as number) < 0 || !Array.isArray(p) || p.length > 256) return undefined;
  if (!p.every(isPosition)) return undefined;
  const [since, until] = w as Array<string | null>;
  return {
    window: { since: since ?? undefined, until: until ?? undefined },
    tier: t as number,
    positions: p,
  };
}

function isPosition(value: unknown): value is Position {
  if (value === null || value === 0) return true;
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    INSTANT.test(value[0]) &&
    typeof value[1] === 'string' &&
    SID_PATTERNS.message.test(value[1])
  );
}
