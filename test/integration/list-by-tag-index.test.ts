/**
 * The optional tag index (`tagIndexKey`) over real HTTP: the local server creates the table with the
 * sparse `byTag` index and a list filtered by that tag key reads it. Each answer must be exactly the
 * tagged messages, newest first, over every page; a message tagged later (by a callback URL's query)
 * appears; a filter on another tag key still works through the items; bad input is a 400.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { localClient } from '../../local/dynamodb-local';
import { dynamoEndpoint } from '../support/dynamodb';
import { listApiOver, newestFirst as newestFirstOf, sids } from '../support/list-api';
import { seedMessages, type SeededMessage } from '../support/seed-messages';

const DAY = 86_400_000;
const END = new Date(Math.floor(Date.now() / 60_000) * 60_000);
// Over 20 days: the tag index has no 7-day default window, unlike a filter checked on the items.
const messages = seedMessages(1200, { endAt: END, spacingMs: (20 * DAY) / 1200, seed: 5 });
const tableName = `tagindex-${Date.now()}`;
const api = listApiOver(messages, { tableName, tagIndexKey: 'campaign' });
const { get } = api;
const all = async (query: string, limit: number) => sids(await api.all(query, limit));
const newestFirst = (match: (m: SeededMessage) => boolean, since = '') =>
  newestFirstOf(messages, match, since);

test('the local table has the sparse tag index, keyed by the tag attribute and createdAt', async () => {
  const client = localClient(dynamoEndpoint());
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  client.destroy();
  const index = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === 'byTag');
  expect(index?.KeySchema).toEqual([
    { AttributeName: 'tag_campaign', KeyType: 'HASH' },
    { AttributeName: 'createdAt', KeyType: 'RANGE' },
  ]);
  expect(index?.Projection?.ProjectionType).toBe('KEYS_ONLY');
});

test('a list by the indexed tag answers exactly the tagged messages, newest first, over every page', async () => {
  const expected = newestFirst((m) => m.tags.campaign === 'summer');
  // Older than the 7 days an item-checked filter looks back: the index serves the whole history.
  expect(
    messages.some((m) => m.tags.campaign === 'summer' && Date.parse(m.createdAt) < END.getTime() - 8 * DAY),
  ).toBe(true);
  expect(expected.length).toBeGreaterThan(100);
  expect(await all('tag.campaign=summer', 37)).toEqual(expected);
  expect(await all('tag.campaign=summer', 500)).toEqual(expected);
});

test('the indexed tag with another filter checks the other filter on the items', async () => {
  const expected = newestFirst((m) => m.tags.campaign === 'spring' && m.tags.tenant === 'acme');
  expect(expected.length).toBeGreaterThan(0);
  const since = new Date(END.getTime() - 30 * DAY).toISOString();
  expect(await all(`tag.campaign=spring&tag.tenant=acme&since=${since}`, 20)).toEqual(expected);
});

test('a filter on a tag key that is not indexed still works (last 7 days)', async () => {
  const since = new Date(END.getTime() - 7 * DAY).toISOString();
  const expected = newestFirst((m) => m.tags.tenant === 'globex', since);
  expect(expected.length).toBeGreaterThan(0);
  const found = await all('tag.tenant=globex', 100);
  // The 7-day window starts at the request's clock, a little after `since`.
  expect(expected.slice(0, found.length)).toEqual(found);
  expect(expected.length - found.length).toBeLessThanOrEqual(1);
});

test('a message tagged later, by its callback URL, appears in the indexed list', async () => {
  const untagged = messages.find((m) => m.tags.campaign === undefined && m.status === 'delivered')!;
  expect(await all('tag.campaign=autumn', 100)).toEqual([]);
  await api.pipeline.store.apply({
    messageSid: untagged.messageSid,
    status: 'delivered',
    observedAt: new Date(Date.parse(untagged.createdAt) + 9_000).toISOString(),
    source: 'callback',
    tags: { campaign: 'autumn' },
  });
  expect(await all('tag.campaign=autumn', 100)).toEqual([untagged.messageSid]);
});

test('an empty value of the indexed key is not stored, and the write still succeeds', async () => {
  const message = messages.find(
    (m) => m.tags.campaign === undefined && m.tags.tenant === undefined && m.status === 'sent',
  )!;
  await api.pipeline.store.apply({
    messageSid: message.messageSid,
    status: 'delivered',
    observedAt: new Date(Date.parse(message.createdAt) + 20_000).toISOString(),
    source: 'callback',
    tags: { campaign: '', tenant: 'hooli' },
  });
  const { status, body } = await get(
    `tag.tenant=hooli&since=${new Date(END.getTime() - 30 * DAY).toISOString()}`,
  );
  expect(status).toBe(200);
  expect(body.messages.map((m) => [m.messageSid, m.status, m.tags])).toEqual([
    [message.messageSid, 'delivered', { tenant: 'hooli' }],
  ]);
  // An empty filter value cannot be looked up in the index: it is checked on the items, and matches none.
  expect((await get('tag.campaign=')).body.messages).toEqual([]);
});

test.each([
  ['a tag value too long', `tag.campaign=${'x'.repeat(257)}`, 'tag.campaign'],
  ['a control character', 'tag.campaign=a%00b', 'tag.campaign'],
  ['a bad cursor', 'tag.campaign=summer&cursor=abc', 'cursor'],
])('%s is a 400 naming the parameter', async (_name, query, parameter) => {
  const { status, body } = await get(query);
  expect(status).toBe(400);
  expect(body.parameter).toBe(parameter);
});

test('a cursor of the indexed list is refused by another tag value', async () => {
  const { body } = await get('tag.campaign=summer&limit=5');
  expect(body.nextCursor).not.toBeNull();
  expect((await get(`tag.campaign=spring&cursor=${body.nextCursor}`)).status).toBe(400);
});
