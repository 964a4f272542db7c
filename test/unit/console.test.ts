/**
 * The console's rules that need no browser: what a search means, which list API parameters the filters
 * become, the order of a timeline and which statuses arrived late, the funnel's order, how a time reads, the commands an empty tracker shows.
 */
import { firstMessageCommands } from '../../console/first-message';
import { formatTime } from '../../console/format';
import { funnelOf } from '../../console/funnel';
import {
  DEFAULT_FILTERS,
  filtersFromQuery,
  filtersToQuery,
  interpretSearch,
  listParams,
  type ConsoleFilters,
} from '../../console/query';
import { timelineOf } from '../../console/timeline';
import type { HistoryReport } from '../../lambda/domain/history/report';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const filters = (change: Partial<ConsoleFilters>): ConsoleFilters => ({
  statuses: [],
  failuresOnly: false,
  window: '24h',
  search: '',
  ...change,
});
const params = (change: Partial<ConsoleFilters>) => {
  const answer = listParams(filters(change), NOW);
  return answer && Object.fromEntries(answer);
};

describe('search', () => {
  it.each([
    ['SM0123456789abcdef0123456789abcdef', { kind: 'sid', messageSid: 'SM0123456789abcdef0123456789abcdef' }],
    ['  +14155551234 ', { kind: 'param', name: 'to', value: '+14155551234', label: 'recipient' }],
    [
      'whatsapp:+14155551234',
      { kind: 'param', name: 'to', value: 'whatsapp:+14155551234', label: 'recipient' },
    ],
    [
      'campaign=spring sale',
      { kind: 'param', name: 'tag.campaign', value: 'spring sale', label: 'tag campaign' },
    ],
    ['order-42', { kind: 'param', name: 'clientReference', value: 'order-42', label: 'clientReference' }],
    // Not a tag key (a space), not a SID (too short): a reference as typed.
    ['a b=c', { kind: 'param', name: 'clientReference', value: 'a b=c', label: 'clientReference' }],
    ['SM0123', { kind: 'param', name: 'clientReference', value: 'SM0123', label: 'clientReference' }],
    ['   ', { kind: 'none' }],
  ])('%j', (text, expected) => expect(interpretSearch(text)).toEqual(expected));
});

describe('list parameters', () => {
  it('asks for the window and a page of 100 when nothing is picked', () => {
    expect(params({})).toEqual({ since: '2026-11-29T12:00:00.000Z', limit: '100' });
    expect(params({ window: '15m' })!.since).toBe('2026-11-30T11:45:00.000Z');
  });

  it('sends the picked statuses, and the search as its parameter', () => {
    expect(params({ statuses: ['sent', 'delivered'], search: 'tenant=acme' })).toEqual({
      status: 'sent,delivered',
      since: '2026-11-29T12:00:00.000Z',
      'tag.tenant': 'acme',
      limit: '100',
    });
  });

  it('failures only: every failure status, or the picked ones that are failures, or nothing to ask', () => {
    expect(params({ failuresOnly: true })!.status).toBe('failed,undelivered,canceled');
    expect(params({ failuresOnly: true, statuses: ['delivered', 'failed'] })!.status).toBe('failed');
    expect(params({ failuresOnly: true, statuses: ['delivered'] })).toBeUndefined();
  });
});

describe('filters in the route', () => {
  it('round-trips, leaving the defaults out', () => {
    const picked = filters({
      statuses: ['failed', 'sent'],
      failuresOnly: true,
      window: '1h',
      search: 'a b&c=d',
    });
    const query = filtersToQuery(picked);
    expect(query).toBe('status=failed%2Csent&failures=1&window=1h&q=a+b%26c%3Dd');
    expect(filtersFromQuery(query)).toEqual(picked);
    expect(filtersToQuery(DEFAULT_FILTERS)).toBe('');
    expect(filtersFromQuery('')).toEqual(DEFAULT_FILTERS);
  });

  it('drops what a hand-edited link gets wrong', () => {
    expect(filtersFromQuery('status=failed,nonsense&window=3y&failures=yes')).toEqual(
      filters({ statuses: ['failed'] }),
    );
  });
});

describe('timeline', () => {
  it('orders statuses by first-seen time and marks one that arrived after a later status', () => {
    expect(
      timelineOf({
        delivered: '2026-11-30T10:00:03.000Z',
        queued: '2026-11-30T10:00:00.000Z',
        sent: '2026-11-30T10:00:05.000Z',
      }),
    ).toEqual([
      { status: 'queued', at: '2026-11-30T10:00:00.000Z', late: false },
      { status: 'delivered', at: '2026-11-30T10:00:03.000Z', late: false },
      { status: 'sent', at: '2026-11-30T10:00:05.000Z', late: true },
    ]);
  });

  it('puts statuses seen at the same time in lifecycle order', () => {
    const at = '2026-11-30T10:00:00.000Z';
    expect(timelineOf({ sent: at, queued: at, sending: at }).map((s) => s.status)).toEqual([
      'queued',
      'sending',
      'sent',
    ]);
  });
});

it('funnel: the way to delivery in lifecycle order, then the failures, summed over days', () => {
  const report: HistoryReport = {
    window: { since: '2026-11-29T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' },
    messages: 10,
    finalStatus: {},
    errorCodes: {},
    deliveryLatencyMs: { p50: null, p90: null, p99: null, messages: 0 },
    queries: {},
    funnel: [
      { day: '2026-11-29', statuses: { delivered: 5, failed: 1, queued: 8, sent: 7, undelivered: 1 } },
      { day: '2026-11-30', statuses: { read: 2, queued: 2 } },
    ],
  };
  expect(funnelOf(report)).toEqual([
    ['queued', 10],
    ['sent', 7],
    ['delivered', 5],
    ['read', 2],
    ['failed', 1],
    ['undelivered', 1],
  ]);
});

describe('a time as the page shows it', () => {
  // Local times, so the expectations hold in any time zone.
  const at = (ms: number) => new Date(2026, 10, 30, 16, 3, 50, ms).toISOString();
  it('has no .000 when the time is whole seconds (Twilio gives its times in seconds)', () => {
    expect(formatTime(at(0))).toBe('2026-11-30 16:03:50');
  });
  it('keeps the milliseconds a time has', () => {
    expect(formatTime(at(7))).toBe('2026-11-30 16:03:50.007');
    expect(formatTime(at(120))).toBe('2026-11-30 16:03:50.120');
  });
  it('shows nothing for no time, and a time it cannot read as given', () => {
    expect(formatTime(undefined)).toBe('');
    expect(formatTime('yesterday')).toBe('yesterday');
  });
});

describe('the commands an empty tracker shows', () => {
  it("name npm start's server by the page's own origin", () => {
    expect(firstMessageCommands('http://127.0.0.1:4567', 'sse')).toEqual({
      send: 'npm run send -- --url http://127.0.0.1:4567 --to +14155551234 --body "Hello"',
      demo: 'npm run demo -- --url http://127.0.0.1:4567 --messages 50',
    });
  });
  it('behind the --stack console, send to the stack and offer no demo (it sends to a local server only)', () => {
    expect(firstMessageCommands('http://127.0.0.1:40131', 'poll')).toEqual({
      send: 'npm run send -- --stack STACK_NAME --to +14155551234 --body "Hello"',
      demo: undefined,
    });
  });
});
