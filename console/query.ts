/**
 * What the console's filters and search box mean as list API parameters (README, "Find messages"). Pure,
 * so the rules are tested without a browser; the views only hold the state.
 */
import { SID_PATTERNS } from '../lambda/domain/contract';
import { FAILURE_STATUSES, KNOWN_STATUSES } from '../lambda/domain/lifecycle';
import { TAG_KEY_PATTERN } from '../lambda/domain/tags';

/** Time windows the console offers, by key, in milliseconds back from now. */
export const WINDOWS = {
  '15m': { label: 'last 15 minutes', ms: 15 * 60_000 },
  '1h': { label: 'last hour', ms: 3_600_000 },
  '24h': { label: 'last 24 hours', ms: 86_400_000 },
  '7d': { label: 'last 7 days', ms: 7 * 86_400_000 },
} as const;
export type WindowKey = keyof typeof WINDOWS;

/** Rows the table asks for at first, and how many more each "show more" adds (the API allows 1,000). */
export const PAGE_SIZE = 100;
export const MAX_ROWS = 1000;

/** What the console's filter panel holds; turned into the list API's parameters by `listParams`, and kept in the page's address by `filtersToQuery`. */
export interface ConsoleFilters {
  /** Statuses picked; none means any. */
  statuses: string[];
  failuresOnly: boolean;
  window: WindowKey;
  search: string;
}

const RECIPIENT = /^([a-z]+:)?\+\d{6,15}$/;

/**
 * What a search is: a message SID (opened directly), a tag (`key=value`), a recipient (`+14155551234`
 * or `whatsapp:+14155551234`), else a clientReference.
 */
export type Search =
  | { kind: 'none' }
  | { kind: 'sid'; messageSid: string }
  | { kind: 'param'; name: string; value: string; label: string };

export function interpretSearch(text: string): Search {
  const value = text.trim();
  if (!value) return { kind: 'none' };
  if (SID_PATTERNS.message.test(value)) return { kind: 'sid', messageSid: value };
  if (RECIPIENT.test(value)) return { kind: 'param', name: 'to', value, label: 'recipient' };
  const tag = /^([^=\s]+)=(.*)$/.exec(value);
  if (tag && TAG_KEY_PATTERN.test(tag[1]!))
    return { kind: 'param', name: `tag.${tag[1]}`, value: tag[2]!, label: `tag ${tag[1]}` };
  return { kind: 'param', name: 'clientReference', value, label: 'clientReference' };
}

/**
 * The list API's parameters for these filters, or `undefined` when they can match nothing (failures
 * only, with only non-failure statuses picked): the view then says so instead of asking.
 */
export function listParams(
  filters: ConsoleFilters,
  now: number,
  limit = PAGE_SIZE,
): URLSearchParams | undefined {
  let statuses = filters.statuses;
  if (filters.failuresOnly) {
    statuses = statuses.length ? statuses.filter((s) => FAILURE_STATUSES.includes(s)) : [...FAILURE_STATUSES];
    if (!statuses.length) return undefined;
  }
  const params = new URLSearchParams();
  if (statuses.length) params.set('status', statuses.join(','));
  params.set('since', new Date(now - WINDOWS[filters.window].ms).toISOString());
  const search = interpretSearch(filters.search);
  if (search.kind === 'param') params.set(search.name, search.value);
  params.set('limit', String(limit));
  return params;
}

export const DEFAULT_FILTERS: ConsoleFilters = {
  statuses: [],
  failuresOnly: false,
  window: '24h',
  search: '',
};

/**
 * The filters as the route's query (`#/?status=failed&failures=1&window=1h&q=order-42`), so a view can
 * be shared as a link and the back button returns to it as it was. Defaults are left out.
 */
export function filtersToQuery(filters: ConsoleFilters): string {
  const query = new URLSearchParams();
  if (filters.statuses.length) query.set('status', filters.statuses.join(','));
  if (filters.failuresOnly) query.set('failures', '1');
  if (filters.window !== DEFAULT_FILTERS.window) query.set('window', filters.window);
  if (filters.search.trim()) query.set('q', filters.search.trim());
  return query.toString();
}

/** The filters a route's query names; anything it does not know (a hand-edited link) is left out. */
export function filtersFromQuery(text: string): ConsoleFilters {
  const query = new URLSearchParams(text);
  const window = query.get('window') ?? '';
  return {
    statuses: (query.get('status') ?? '')
      .split(',')
      .filter((s) => (KNOWN_STATUSES as readonly string[]).includes(s)),
    failuresOnly: query.get('failures') === '1',
    window: window in WINDOWS ? (window as WindowKey) : DEFAULT_FILTERS.window,
    search: query.get('q') ?? '',
  };
}
