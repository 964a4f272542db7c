import { advances, isFinal, KNOWN_STATUSES, rankOf } from '../../../lambda/domain/lifecycle';

// The lifecycle order written out again, independently of the implementation.
const EXPECTED: Record<string, { rank: number; final: boolean }> = {
  accepted: { rank: 0, final: false },
  scheduled: { rank: 0, final: false },
  queued: { rank: 1, final: false },
  sending: { rank: 2, final: false },
  sent: { rank: 3, final: false },
  partially_delivered: { rank: 4, final: false },
  failed: { rank: 5, final: true },
  undelivered: { rank: 5, final: true },
  canceled: { rank: 5, final: true },
  delivered: { rank: 6, final: true },
  read: { rank: 7, final: true },
};

describe('status lifecycle', () => {
  it('knows exactly the statuses of the design table', () => {
    expect([...KNOWN_STATUSES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s has rank %o', (status, { rank, final }) => {
    expect(rankOf(status)).toBe(rank);
    expect(isFinal(status)).toBe(final);
  });

  const pairs = Object.keys(EXPECTED).flatMap((a) => Object.keys(EXPECTED).map((b) => [a, b] as const));
  it.each(pairs)('from %s, %s advances only when it ranks strictly higher', (current, next) => {
    expect(advances(current, next)).toBe(EXPECTED[next]!.rank > EXPECTED[current]!.rank);
  });

  it('any known status advances a message with no status yet', () => {
    for (const status of KNOWN_STATUSES) expect(advances(undefined, status)).toBe(true);
  });

  it('an unknown status never advances and has no rank', () => {
    expect(rankOf('teleported')).toBeUndefined();
    expect(isFinal('teleported')).toBe(false);
    expect(advances('queued', 'teleported')).toBe(false);
    expect(advances(undefined, 'teleported')).toBe(false);
  });

  it('inbound statuses are not outbound lifecycle statuses', () => {
    expect(rankOf('received')).toBeUndefined();
    expect(rankOf('receiving')).toBeUndefined();
  });
});
