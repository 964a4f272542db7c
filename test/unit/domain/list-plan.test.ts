/**
 * The list plan (lambda/domain/list-plan.ts) on its own: which index a request is served by, which days
 * a time window walks and in what order, and which cursors are taken back. The pages themselves are
 * tested against DynamoDB Local in test/integration/list-messages.test.ts.
 */
import { LIST_INDEX_NAMES, TIME_SHARDS } from '../../../lambda/domain/contract';
import {
  decodeCursor,
  encodeCursor,
  LOOKBACK_DAYS,
  planList,
  type ListIndexSetup,
  type ListPlan,
} from '../../../lambda/domain/list-plan';
import type { ListFilters } from '../../../lambda/domain/list-query';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const ALL: ListIndexSetup = { available: LIST_INDEX_NAMES, pendingShards: 4 };
const filters = (more: Partial<ListFilters> = {}): ListFilters => ({ tags: {}, ...more });

function plan(more: Partial<ListFilters>, setup = ALL, cursorWindow?: ListPlan['window']): ListPlan {
  const planned = planList(filters(more), setup, NOW, cursorWindow);
  if (!planned.ok) throw new Error(`no plan: ${planned.missingIndex} missing`);
  return planned.plan;
}

/** The days a day-partitioned plan walks, newest first. */
const days = (p: ListPlan) =>
  Array.from({ length: p.tierCount }, (_, tier) => p.partitionsOf(tier)[0]!.slice(0, 10));

describe('the index a request is served by', () => {
  it.each<[string, Partial<ListFilters>, string]>([
    ['a reference, before everything else', { clientReference: 'order-1', to: '+1555' }, 'byClientReference'],
    ['a recipient', { to: '+15551234567', statuses: ['failed'] }, 'byTo'],
    ['failures only', { statuses: ['failed', 'undelivered'] }, 'failures'],
    ['an error code', { errorCode: 30003 }, 'failures'],
    ['not final', { final: false }, 'pending'],
    ['not-final statuses', { statuses: ['queued', 'sent'] }, 'pending'],
    ['a final status that is no failure', { statuses: ['delivered'] }, 'byTime'],
    ['a tag', { tags: { tenant: 'acme' } }, 'byTime'],
  ])('%s', (_name, more, index) => {
    expect(plan(more).index).toBe(index);
  });

  it('falls back to the next index a staged upgrade has, and names byTime when none serves', () => {
    const early: ListIndexSetup = { available: ['byTime'], pendingShards: 4 };
    expect(plan({ to: '+15551234567' }, early).index).toBe('byTime');
    expect(planList(filters(), { available: [], pendingShards: 4 }, NOW)).toEqual({
      ok: false,
      missingIndex: 'byTime',
    });
  });

  it('reads every pending shard at once, and one partition for a recipient', () => {
    const pending = plan({ final: false });
    expect(pending.tierCount).toBe(1);
    expect(pending.partitionsOf(0)).toHaveLength(4);
    expect(plan({ to: '+15551234567' }).partitionsOf(0)).toEqual(['+15551234567']);
  });
});

describe('the days a time window walks', () => {
  it('walks the last LOOKBACK_DAYS days and today, newest first, every shard of each', () => {
    const p = plan({});
    expect(days(p)).toHaveLength(LOOKBACK_DAYS + 1);
    expect(days(p)[0]).toBe('2026-12-07');
    expect(days(p).at(-1)).toBe('2026-11-30');
    expect(p.partitionsOf(0)).toHaveLength(TIME_SHARDS);
  });

  it('ends at its until, exclusive: a window ending at midnight does not read that day', () => {
    const p = plan({ since: '2026-12-01T00:00:00.000Z', until: '2026-12-03T00:00:00.000Z' });
    expect(days(p)).toEqual(['2026-12-02', '2026-12-01']);
  });

  it('starts at today when until is in the future, and keeps that end in the cursor', () => {
    const p = plan({ since: '2026-12-06T00:00:00.000Z', until: '2100-01-01T00:00:00.000Z' });
    expect(days(p)).toEqual(['2026-12-07', '2026-12-06']);
    // A later page made the next day still counts its days from the first page's end.
    const later = planList(filters(), ALL, new Date('2026-12-08T10:00:00.000Z'), p.window);
    expect(later.ok && days(later.plan)).toEqual(['2026-12-07', '2026-12-06']);
  });

  it('walks no day at all when since is in the future', () => {
    expect(plan({ since: '2099-01-01T00:00:00.000Z' }).tierCount).toBe(0);
  });

  it('does not bound a recipient or a reference by time unless asked', () => {
    expect(plan({ to: '+15551234567' }).range).toEqual({});
  });
});

describe('cursors', () => {
  const p = plan({ tags: { tenant: 'acme' } });
  const cursor = { window: p.window, tier: 1, positions: p.partitionsOf(1).map(() => null) };

  it('come back as they were made, for the same filters', () => {
    expect(decodeCursor(encodeCursor(p, cursor), filters({ tags: { tenant: 'acme' } }))).toEqual(cursor);
  });

  it('are refused for other filters, and when forged', () => {
    const text = encodeCursor(p, cursor);
    expect(decodeCursor(text, filters({ tags: { tenant: 'globex' } }))).toBeUndefined();
    const forged = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const same = filters({ tags: { tenant: 'acme' } });
    expect(decodeCursor(encode({ ...forged, t: -1 }), same)).toBeUndefined();
    expect(decodeCursor(encode({ ...forged, p: [['yesterday', 'SM1']] }), same)).toBeUndefined();
    expect(decodeCursor(encode({ ...forged, w: ['2026-12-01', null] }), same)).toBeUndefined();
    expect(decodeCursor('not json', same)).toBeUndefined();
  });
});
