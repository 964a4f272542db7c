import { statusChangeDetailOf } from '../../lambda/domain/history/detail';
import { statusChangeOf } from '../../lambda/domain/status-event';

/** A detail exactly as the stream consumer makes it. */
const made = statusChangeOf(undefined, {
  messageSid: 'SM0123456789abcdef0123456789abcdef',
  status: 'queued',
  statusRank: 1,
  to: '+14155550100',
  statusAt_queued: '2026-11-30T10:00:00.000Z',
})!.detail;
const roundTrip = () => JSON.parse(JSON.stringify(made)) as Record<string, unknown>;

describe('statusChangeDetailOf', () => {
  it('takes every detail the stream consumer makes, unchanged', () => {
    expect(statusChangeDetailOf(roundTrip())).toEqual({ ok: true, detail: made });
  });

  it('reads a missing nullable field as null and missing maps as empty (details from before a field existed)', () => {
    const older = roundTrip();
    delete older.channelPrefix;
    delete older.tags;
    const checked = statusChangeDetailOf(older);
    expect(checked.ok && checked.detail).toMatchObject({ channelPrefix: null, tags: {} });
  });

  it.each([
    ['a list', [], 'not a JSON object'],
    ['no status', { ...roundTrip(), status: undefined }, '"status" missing or of the wrong type'],
    ['a rank that is text', { ...roundTrip(), statusRank: '1' }, '"statusRank" missing or of the wrong type'],
    ['an error code that is text', { ...roundTrip(), errorCode: '30008' }, '"errorCode" of the wrong type'],
    ['a number as "to"', { ...roundTrip(), to: 14155550100 }, '"to" of the wrong type'],
    ['a tag that is not text', { ...roundTrip(), tags: { n: 1 } }, '"tags" is not an object of strings'],
  ])('refuses %s, naming the field and not its value', (_case, value, problem) => {
    expect(statusChangeDetailOf(value)).toEqual({ ok: false, problem });
  });
});
