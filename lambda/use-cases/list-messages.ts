/**
 * GET /messages: one page of messages, newest first, through the plan of domain/list-plan.ts.
 *
 * Each partition of the current tier (a day of a sharded index, or the one partition of `to`) is read
 * newest first and the keys merged; a key is taken only when no partition still unread could hold a newer
 * one. The taken keys' items are read with BatchGetItem and checked against every filter. A page stops
 * at `limit` messages, or when it has evaluated MAX_EVALUATED items or sent MAX_INDEX_QUERIES queries:
 * then it may hold fewer than `limit` messages and still a cursor (the usual DynamoDB paging contract).
 * Nothing here scans the table.
 */
import {
  decodeCursor,
  encodeCursor,
  planList,
  type ListCursor,
  type ListIndexSetup,
  type ListPlan,
  type Position,
} from '../domain/list-plan';
import { matchesFilters, type ListRequest } from '../domain/list-query';
import type { MessageRecord } from '../domain/message';
import type { IndexKey, ListStore } from './ports';

/** Items read and checked per page at most: bounds a page's read capacity and latency. */
export const MAX_EVALUATED = 1000;
/** Index queries per page at most: bounds a page over many empty days. */
export const MAX_INDEX_QUERIES = 200;

export type ListOutcome =
  | { kind: 'page'; messages: MessageRecord[]; nextCursor: string | null }
  | { kind: 'bad-cursor' }
  | { kind: 'index-missing'; index: string };

export function createMessageLister(deps: { store: ListStore; setup: ListIndexSetup; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return async function listMessages(request: ListRequest): Promise<ListOutcome> {
    let cursor: ListCursor | undefined;
    if (request.cursor !== undefined) {
      cursor = decodeCursor(request.cursor, request.filters);
      if (!cursor) return { kind: 'bad-cursor' };
    }
    const planned = planList(request.filters, deps.setup, now(), cursor?.window);
    if (!planned.ok) return { kind: 'index-missing', index: planned.missingIndex };
    const { plan } = planned;
    if (cursor && (cursor.tier >= plan.tierCount || !fits(plan, cursor))) return { kind: 'bad-cursor' };
    const state = cursor ?? { window: plan.window, tier: 0, positions: fresh(plan, 0) };
    const messages = await readPage(deps.store, plan, state, request);
    while (state.tier < plan.tierCount && state.positions.every((p) => p === 0)) nextTier(plan, state);
    const nextCursor = state.tier < plan.tierCount ? encodeCursor(plan, state) : null;
    return { kind: 'page', messages, nextCursor };
  };
}

async function readPage(
  store: ListStore,
  plan: ListPlan,
  state: ListCursor,
  request: ListRequest,
): Promise<MessageRecord[]> {
  const messages: MessageRecord[] = [];
  let evaluated = 0;
  let queries = 0;
  while (
    state.tier < plan.tierCount &&
    messages.length < request.limit &&
    evaluated < MAX_EVALUATED &&
    queries < MAX_INDEX_QUERIES
  ) {
    const partitions = plan.partitionsOf(state.tier);
    const active = partitions.flatMap((_partition, i) => (state.positions[i] === 0 ? [] : [i]));
    if (active.length === 0) {
      nextTier(plan, state);
      continue;
    }
    const need = Math.min(request.limit - messages.length, MAX_EVALUATED - evaluated);
    const pages = await Promise.all(
      active.map((i) =>
        store.queryKeys({
          index: plan.index,
          partitionKey: plan.partitionKey,
          sortKey: plan.sortKey,
          partition: partitions[i]!,
          range: plan.range,
          startAfter: startAfter(state.positions[i]!),
          limit: need,
        }),
      ),
    );
    queries += active.length;
    const taken = takeNewest(active, pages, need);
    for (const [n, i] of active.entries()) {
      const page = pages[n]!;
      const mine = taken.filter((c) => c.partition === i);
      const last = mine.at(-1)?.key;
      if (last) state.positions[i] = [last.sortKey, last.messageSid];
      if (!page.more && mine.length === page.keys.length) state.positions[i] = 0;
    }
    evaluated += taken.length;
    const found = new Map(
      (await store.getMessages(taken.map((c) => c.key.messageSid))).map((m) => [m.messageSid, m]),
    );
    for (const { key } of taken) {
      const message = found.get(key.messageSid);
      if (message && matchesFilters(message, request.filters)) messages.push(message);
    }
  }
  return messages;
}

/**
 * The newest keys of all partitions, at most `need`: a partition that has more than it returned could
 * hold keys down to its last returned one, so nothing older than the newest such "horizon" is taken yet.
 * A prefix of the merged order is a prefix of every partition's own order, so positions stay exact.
 */
function takeNewest(
  active: number[],
  pages: Array<{ keys: IndexKey[]; more: boolean }>,
  need: number,
): Array<{ partition: number; key: IndexKey }> {
  let horizon: string | undefined;
  const candidates: Array<{ partition: number; key: IndexKey }> = [];
  for (const [n, page] of pages.entries()) {
    for (const key of page.keys) candidates.push({ partition: active[n]!, key });
    const last = page.keys.at(-1);
    if (page.more && last && (horizon === undefined || last.sortKey > horizon)) horizon = last.sortKey;
  }
  // Stable: keys of one partition with equal sort keys keep the partition's order.
  candidates.sort((a, b) => (a.key.sortKey === b.key.sortKey ? 0 : a.key.sortKey > b.key.sortKey ? -1 : 1));
  const taken: Array<{ partition: number; key: IndexKey }> = [];
  for (const candidate of candidates) {
    if (taken.length >= need || (horizon !== undefined && candidate.key.sortKey < horizon)) break;
    taken.push(candidate);
  }
  return taken;
}

function startAfter(position: Position): IndexKey | undefined {
  return Array.isArray(position) ? { sortKey: position[0], messageSid: position[1] } : undefined;
}

function fresh(plan: ListPlan, tier: number): Position[] {
  return plan.partitionsOf(tier).map(() => null);
}

function nextTier(plan: ListPlan, state: ListCursor): void {
  state.tier++;
  state.positions = state.tier < plan.tierCount ? fresh(plan, state.tier) : [];
}

function fits(plan: ListPlan, state: ListCursor): boolean {
  return state.positions.length === plan.partitionsOf(state.tier).length;
}
