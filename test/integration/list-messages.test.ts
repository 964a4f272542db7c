/**
 * The list API over real HTTP (the local server, the query handler, DynamoDB Local) against a known
 * truth: 3,000 messages over ten days written through the store, then every filter alone and combined,
 * paged to the end. Each answer must be exactly the matching messages, newest first, none twice.
 */
import type { MessageRecord } from '../../lambda/domain/message';
import { listApiOver, newestFirst, sids } from '../support/list-api';
import { seedMessages, SEED_ACCOUNTS, SEED_SERVICE, type SeededMessage } from '../support/seed-messages';

const DAY = 86_400_000;
const END = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const messages = seedMessages(3000, { endAt: END, spacingMs: (10 * DAY) / 3000, seed: 11 });
const ALL_SINCE = new Date(END.getTime() - 11 * DAY).toISOString();
const api = listApiOver(messages, { tableName: `list-${Date.now()}` });
const { get, all } = api;

const truth = (match: (m: SeededMessage) => boolean, since = ALL_SINCE, until?: string) =>
  newestFirst(messages, match, since, until);

const enc = encodeURIComponent;
const some = messages[123]!;
const mid = new Date(END.getTime() - 6 * DAY).toISOString();
const midEnd = new Date(END.getTime() - 3.5 * DAY).toISOString();

const cases: Array<
  [name: string, query: string, match: (m: SeededMessage) => boolean, since?: string, until?: string]
> = [
  ['no filter', '', () => true],
  ['failures', 'status=failed,undelivered', (m) => m.status === 'failed' || m.status === 'undelivered'],
  ['canceled', 'status=canceled', (m) => m.status === 'canceled'],
  ['delivered', 'status=delivered', (m) => m.status === 'delivered'],
  ['not final statuses', 'status=queued,sent', (m) => m.status === 'queued' || m.status === 'sent'],
  ['final=true', 'final=true', (m) => m.final],
  ['final=false', 'final=false', (m) => !m.final],
  ['errorCode', 'errorCode=30003', (m) => m.errorCode === 30003],
  ['since and until', '', () => true, mid, midEnd],
  ['to', `to=${enc(some.to)}`, (m) => m.to === some.to],
  ['from', `from=${enc('whatsapp:+15017250606')}`, (m) => m.from === 'whatsapp:+15017250606'],
  [
    'messagingServiceSid',
    `messagingServiceSid=${SEED_SERVICE}`,
    (m) => m.messagingServiceSid === SEED_SERVICE,
  ],
  ['accountSid', `accountSid=${SEED_ACCOUNTS[1]}`, (m) => m.accountSid === SEED_ACCOUNTS[1]],
  ['clientReference', 'clientReference=order-5', (m) => m.clientReference === 'order-5'],
  ['one tag', 'tag.tenant=acme', (m) => m.tags.tenant === 'acme'],
  [
    'two tags',
    'tag.tenant=globex&tag.campaign=spring',
    (m) => m.tags.tenant === 'globex' && m.tags.campaign === 'spring',
  ],
  [
    'failures of one tenant from one sender in a window',
    `status=undelivered&tag.tenant=initech&from=${enc('+15017250605')}`,
    (m) => m.status === 'undelivered' && m.tags.tenant === 'initech' && m.from === '+15017250605',
    mid,
  ],
  ['to and status', `to=${enc(some.to)}&final=true`, (m) => m.to === some.to && m.final],
  [
    'clientReference, account and error code',
    `clientReference=order-7&accountSid=${SEED_ACCOUNTS[0]}&status=delivered,read`,
    (m) => m.clientReference === 'order-7' && m.accountSid === SEED_ACCOUNTS[0] && m.final && !m.errorCode,
  ],
  ['not final in a window', 'final=false', (m) => !m.final, mid, midEnd],
  [
    'error code and service',
    `errorCode=30008&messagingServiceSid=${SEED_SERVICE}`,
    (m) => m.errorCode === 30008 && m.messagingServiceSid === SEED_SERVICE,
  ],
];

describe('GET /messages against 3,000 known messages', () => {
  it.each(cases)('%s', async (_name, query, match, since = ALL_SINCE, until) => {
    const window = `since=${enc(since)}${until ? `&until=${enc(until)}` : ''}`;
    const expected = truth(match, since, until);
    expect(expected.length).toBeGreaterThan(0);
    const found = await all(`${query ? `${query}&` : ''}${window}`);
    expect(sids(found)).toEqual(expected);
  });

  // The budget comes from the work: three seconds a page (a page takes about 30 ms alone; under a load
  // average of 9-12 on 2 cores, 58 pages took over a minute), for the pages the two listings need.
  const acmeSinceMid = truth((m) => m.tags.tenant === 'acme', mid).length;
  const pagesOfBoth = Math.ceil(acmeSinceMid / 7) + Math.ceil(acmeSinceMid / 1000) + 2;
  it(
    'pages through 1,000 at a time and 7 at a time to the same answer',
    async () => {
      const query = `tag.tenant=acme&since=${enc(mid)}`;
      expect(sids(await all(query, 1000))).toEqual(sids(await all(query, 7)));
    },
    pagesOfBoth * 3000,
  );

  it('starts at today when until is far in the future: the first page holds the newest messages', async () => {
    const query = `since=${enc(ALL_SINCE)}&until=2100-01-01&limit=50`;
    const first = await get(query);
    expect(first.status).toBe(200);
    const newest = truth(() => true);
    expect(sids(first.body.messages)).toEqual(newest.slice(0, 50));
    const second = await get(`${query}&cursor=${first.body.nextCursor}`);
    expect(sids(second.body.messages)).toEqual(newest.slice(50, 100));
  });

  it('looks at the last 7 days when no since is given to a filtered or time-ordered query', async () => {
    const lastWeek = new Date(Date.now() - 7 * DAY).toISOString();
    const expected = truth((m) => m.status === 'failed', lastWeek);
    const found = sids(await all('status=failed'));
    // The window starts when the request is served, a moment after lastWeek was taken.
    expect(found.every((sid) => expected.includes(sid))).toBe(true);
    expect(expected.length - found.length).toBeLessThanOrEqual(1);
  });

  it('finds one recipient and one reference over all history without since', async () => {
    expect(sids(await all(`to=${enc(some.to)}`))).toEqual(truth((m) => m.to === some.to));
    expect(sids(await all('clientReference=order-9'))).toEqual(truth((m) => m.clientReference === 'order-9'));
  });

  it('returns each message as GET /messages/{sid} does, tags included', async () => {
    const { body } = await get(`clientReference=${enc(some.clientReference ?? 'none')}&limit=1000`);
    const listed = body.messages.find((m) => m.messageSid === some.messageSid);
    const single = (await (
      await fetch(`${api.pipeline.url}/messages/${some.messageSid}`)
    ).json()) as MessageRecord;
    if (some.clientReference) expect(listed).toEqual(single);
    expect(single.tags).toEqual(some.tags);
  });
});
