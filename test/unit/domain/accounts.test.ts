/** Where an account's token is looked for, and the budget of lookups of unseen accounts. */
import {
  accountSecretNames,
  accountShardOf,
  accountTokensIn,
  TokenBucket,
} from '../../../lambda/domain/accounts';

const SID = 'AC0123456789abcdef0123456789abcdef';

it('puts an account in the shard its last 8 hex digits name, the one an operator computes in a shell', () => {
  // echo shard-$(( 0x89abcdef % 64 ))  ->  shard-47
  expect(accountShardOf(SID, 64)).toBe('shard-47');
  expect(accountSecretNames('twilio/accounts/', SID, 64)).toEqual([
    'twilio/accounts/shard-47',
    `twilio/accounts/${SID}`,
  ]);
  expect(accountSecretNames('twilio/accounts/', SID, 0)).toEqual([`twilio/accounts/${SID}`]);
});

it('spreads random SIDs evenly over the shards', () => {
  const counts = new Array<number>(16).fill(0);
  for (let i = 0; i < 16_000; i++) {
    const sid = `AC${Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')}`;
    counts[Number(accountShardOf(sid, 16).slice(6))]!++;
  }
  for (const count of counts) expect(count).toBeGreaterThan(800);
});

it('reads an account from a map secret or a single-account secret, and nothing from anything else', () => {
  const map = { accounts: { [SID]: { authToken: ' t1 ', secondaryAuthToken: 't2' } } };
  expect(accountTokensIn(map, SID)).toEqual({ authToken: 't1', secondaryAuthToken: 't2' });
  expect(accountTokensIn(map, 'AC' + 'f'.repeat(32))).toBeUndefined();
  expect(accountTokensIn({ authToken: 'own' }, SID)).toEqual({ authToken: 'own' });
  // A map secret never falls back to its own top-level fields.
  expect(accountTokensIn({ accounts: {}, authToken: 'x' }, SID)).toBeUndefined();
  for (const junk of [null, 'text', [], { authToken: '' }, { accounts: [] }]) {
    expect(accountTokensIn(junk, SID)).toBeUndefined();
  }
});

it('allows a burst of lookups, then one per refill interval', () => {
  let now = 0;
  const bucket = new TokenBucket(3, 6, () => now);
  expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  now += 5_999;
  expect(bucket.take()).toBe(false);
  now += 1;
  expect(bucket.take()).toBe(true);
  now += 3_600_000; // never more than the burst, however long it rested
  expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
});
