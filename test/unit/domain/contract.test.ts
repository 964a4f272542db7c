import { dlrDoneDateToIso, toMessageRecord } from '../../../lambda/domain/message';
import {
  pendingShardNames,
  pendingShardOf,
  TIME_SHARDS,
  timeBucketOf,
  timeBucketsOfDay,
} from '../../../lambda/domain/contract';

const sids = Array.from({ length: 200 }, (_, i) => `SM${i.toString(16).padStart(32, '0')}`);

describe('index partition names: what readers query is what writers write', () => {
  it('every pending shard a message is written to is one the readers query', () => {
    for (const shards of [1, 4, 16]) {
      const names = pendingShardNames(shards);
      expect(names).toHaveLength(shards);
      expect(names[0]).toBe('p0');
      for (const sid of sids) expect(names).toContain(pendingShardOf(sid, shards));
    }
  });

  it("every time bucket a message is written to is one of its day's", () => {
    const createdAt = '2026-03-04T05:06:07.000Z';
    const buckets = timeBucketsOfDay('2026-03-04');
    expect(buckets).toHaveLength(TIME_SHARDS);
    expect(buckets[0]).toBe('2026-03-04#0');
    for (const sid of sids) expect(buckets).toContain(timeBucketOf(sid, createdAt));
  });
});

describe('the record users see', () => {
  it('drops the synthetic index keys and keeps the public attributes indexes are over', () => {
    const record = toMessageRecord({
      messageSid: 'SM00000000000000000000000000000001',
      status: 'sent',
      final: false,
      to: '+15551234567',
      clientReference: 'order-1',
      createdAt: '2026-03-04T05:06:07.000Z',
      pendingShard: 'p3',
      pendingSince: '2026-03-04T05:06:07.000Z',
      timeBucket: '2026-03-04#1',
      failureBucket: '2026-03-04#1',
    });
    expect(Object.keys(record).sort()).toEqual(
      ['clientReference', 'createdAt', 'final', 'messageSid', 'status', 'statusTimes', 'tags', 'to'].sort(),
    );
  });

  it('derives the error text and the ISO done date, which items do not store', () => {
    const record = toMessageRecord({
      messageSid: 'SM00000000000000000000000000000001',
      status: 'undelivered',
      errorCode: 30003,
      rawDlrDoneDate: '2611231042',
    });
    expect(record.errorMessage).toMatch(/unreachable destination handset/i);
    expect(record.dlrDoneAt).toBe('2026-11-23T10:42:00.000Z');
  });

  it('answers no error text without a code and no done date for a raw date that is not a date', () => {
    const record = toMessageRecord({
      messageSid: 'SM00000000000000000000000000000001',
      status: 'delivered',
      rawDlrDoneDate: '2613991200',
    });
    expect(record).not.toHaveProperty('errorMessage');
    expect(record).not.toHaveProperty('dlrDoneAt');
    expect(record.rawDlrDoneDate).toBe('2613991200');
  });
});

describe('dlrDoneDateToIso', () => {
  it.each([
    ['2611231042', '2026-11-23T10:42:00.000Z'],
    ['0001010000', '2000-01-01T00:00:00.000Z'],
    ['2402291159', '2024-02-29T11:59:00.000Z'],
  ])('%s -> %s', (raw, iso) => expect(dlrDoneDateToIso(raw)).toBe(iso));

  it.each(['2302291159', '2613011200', '2611321200', '2611232400', '2611231260', '26112310', 'abcdefghij'])(
    'rejects %s',
    (raw) => expect(dlrDoneDateToIso(raw)).toBeUndefined(),
  );
});
