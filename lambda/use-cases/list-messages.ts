/**
 * GET /messages: one page of messages, newest first, through the plan of domain/list-plan.ts.
 *
 * Each partition of the current tier (a day of a sharded index, or the one partition of `to`) is read
 * newest first and the keys merged; a key is taken only when no partition still unread could hold a newer
 * one. The taken keys' items are read with BatchGetItem (chunks of 100 at the same time) and checked
 * against every filter. A filter checked on the items (a tag, a sender) reads more keys per round in
 * proportion to how few items matched so far, so a selective filter costs one or two rounds. A page stops
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
/** Keys per getMessages call (BatchGetItem's own limit); a round's calls run at the same time. */
const BATCH_GET_KEYS = 100;

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
  let matched = 0;
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
    const missing = request.limit - messages.length;
    // Keys to evaluate this round: what is missing, scaled by the share of items that matched so far
    // (a tag or sender filter keeps one item in ten, say), so a selective filter takes one or two rounds
    // of reads instead of ten. Never more than the page's evaluation budget.
    const need = Math.min(MAX_EVALUATED - evaluated, overFetch(missing, evaluated, matched));
    // Each partition is asked for about twice its share: the merge takes the newest `need` over all.
    const perPartition =
      active.length === 1 ? need : Math.min(need, Math.ceil((2 * need) / active.length) + 8);
    const pages = await Promise.all(
      active.map((i) =>
        store.queryKeys({
          index: plan.index,
          partitionKey: plan.partitionKey,
          sortKey: plan.sortKey,
          partition: partitions[i]!,
          range: plan.range,
          startAfter: startAfter(state.positions[i]!),
          limit: perPartition,
        }),
      ),
    );
    queries += active.length;
    let taken = takeNewest(active, pages, need);
    const found = new Map((await readItems(store, taken)).map((m) => [m.messageSid, m]));
    // Keep the keys up to the one that completes the page: the cursor points right after it, so a
    // match beyond it is on the next page, not lost.
    const kept: MessageRecord[] = [];
    let cut = taken.length;
    for (const [n, { key }] of taken.entries()) {
      const message = found.get(key.messageSid);
      if (message && matchesFilters(message, request.filters)) {
        kept.push(message);
        if (kept.length === missing) {
          cut = n + 1;
          break;
        }
      }
    }
    taken = taken.slice(0, cut);
    for (const [n, i] of active.entries()) {
      const page = pages[n]!;
      const mine = taken.filter((c) => c.partition === i);
      const last = mine.at(-1)?.key;
      if (last) state.positions[i] = [last.sortKey, last.messageSid];
      if (!page.more && mine.length === page.keys.length) state.positions[i] = 0;
    }
    evaluated += taken.length;
    matched += kept.length;
    messages.push(...kept);
  }
  return messages;
}

/** The keys to read for `missing` more matches, after `matched` of `evaluated` items matched. */
function overFetch(missing: number, evaluated: number, matched: number): number {
  if (evaluated === 0) return missing;
  // At least one match assumed, so a filter that matched nothing yet still grows the next round.
  const share = Math.max(matched, 1) / evaluated;
  return Math.ceil((missing / share) * 1.2);
}

/** The items of `taken`, read in chunks of BATCH_GET_KEYS at the same time. */
async function readItems(store: ListStore, taken: Array<{ key: IndexKey }>): Promise<MessageRecord[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < taken.length; i += BATCH_GET_KEYS) {
    chunks.push(taken.slice(i, i + BATCH_GET_KEYS).map((c) => c.key.messageSid));
  }
  return (await Promise.all(chunks.map((sids) => store.getMessages(sids)))).flat();
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
