/**
 * Hostile requests to the list API over real HTTP (the local server, the query handler, DynamoDB
 * Local): unknown parameters, bad statuses and dates, limits out of range, malformed and forged cursors,
 * huge values, injection attempts. Each is a 400 naming the parameter, never a 5xx; the client the
 * handler runs on records every DynamoDB command it sends, so "nothing scanned, nothing written" is what
 * DynamoDB was asked, not a guess; and the table is unchanged (a Scan by the test before and after).
 */
import { createDynamoClient } from '../../lambda/adapters/secondary/dynamodb';
import { createListHandler } from '../../lambda/adapters/primary/list-endpoint';
import { MessageIndexReader } from '../../lambda/adapters/secondary/message-index-reader';
import { createQueryHandler } from '../../lambda/adapters/primary/query-endpoint';
import { LIST_INDEX_NAMES } from '../../lambda/domain/contract';
import { createMessageLister } from '../../lambda/use-cases/list-messages';
import { startLocalServer, type LocalServer } from '../../local/server';
import { dynamoEndpoint, trackerStore, useMessageStore } from '../support/dynamodb';
import { applySeed, seedMessages } from '../support/seed-messages';
import { rawRequest, silentLogger, tableSnapshot } from './support';

const db = useMessageStore('list-hostile');
let server: LocalServer;
const commands: string[] = [];
let validCursor = '';

beforeAll(async () => {
  const { table, store } = db;
  const client = createDynamoClient({ endpoint: dynamoEndpoint() });
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  await applySeed(store, seedMessages(300, { endAt: new Date(), spacingMs: 60_000 }));
  const list = createListHandler({
    listMessages: createMessageLister({
      store: new MessageIndexReader(client, table.tableName),
      setup: { available: LIST_INDEX_NAMES, pendingShards: 16 },
    }),
    logger: silentLogger,
  });
  server = await startLocalServer({
    port: 0,
    statusCallback: async () => ({ statusCode: 404 }),
    query: createQueryHandler({
      store: trackerStore(client, table.tableName),
      logger: silentLogger,
      list,
    }),
  });
  const page = await get('/messages?limit=5');
  validCursor = (JSON.parse(page.body) as { nextCursor: string }).nextCursor;
  expect(validCursor).toMatch(/^[A-Za-z0-9_-]+$/);
}, 120_000);
afterAll(() => server.close());

function get(path: string) {
  return rawRequest(server.url, { method: 'GET', path });
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decoded = () =>
  JSON.parse(Buffer.from(validCursor, 'base64url').toString('utf8')) as Record<string, unknown>;

const cases: Array<[name: string, path: () => string, parameter: string]> = [
  ['an unknown parameter', () => '/messages?stauts=failed', 'stauts'],
  ['a parameter that is almost a tag', () => '/messages?tags.tenant=acme', 'tags.tenant'],
  ['a status not in the lifecycle', () => '/messages?status=failed,exploded', 'status'],
  ['an empty status', () => '/messages?status=', 'status'],
  ['a repeated parameter', () => '/messages?status=sent&status=failed', 'status'],
  ['final that is not a boolean', () => '/messages?final=yes', 'final'],
  ['an error code with letters', () => '/messages?errorCode=3000a', 'errorCode'],
  ['a date that is not ISO 8601', () => '/messages?since=yesterday', 'since'],
  ['a day that does not exist', () => '/messages?since=2026-02-30', 'since'],
  ['an instant without a zone', () => '/messages?until=2026-01-01T10:00:00', 'until'],
  ['until before since', () => '/messages?since=2026-02-01&until=2026-01-01', 'until'],
  ['limit 0', () => '/messages?limit=0', 'limit'],
  ['limit 1001', () => '/messages?limit=1001', 'limit'],
  ['a negative limit', () => '/messages?limit=-5', 'limit'],
  ['a fractional limit', () => '/messages?limit=2.5', 'limit'],
  ['a cursor that is not base64url', () => '/messages?cursor=%7B%22t%22%3A0%7D', 'cursor'],
  [
    'a cursor that is base64url of nonsense',
    () => `/messages?cursor=${Buffer.from('garbage').toString('base64url')}`,
    'cursor',
  ],
  ['a cursor of another query', () => `/messages?status=failed&cursor=${validCursor}`, 'cursor'],
  [
    'a cursor with a forged tier',
    () => `/messages?cursor=${base64url({ ...decoded(), t: 99999 })}`,
    'cursor',
  ],
  [
    'a cursor with a forged start key',
    () => `/messages?cursor=${base64url({ ...decoded(), p: [['2026-01-01T00:00:00.000Z', 'not-a-sid']] })}`,
    'cursor',
  ],
  [
    'a cursor with a start key of the wrong type',
    () => `/messages?cursor=${base64url({ ...decoded(), p: [[{ S: 'x' }, 1]] })}`,
    'cursor',
  ],
  ['a huge cursor', () => `/messages?cursor=${'A'.repeat(9_000)}`, 'cursor'],
  ['a huge recipient', () => `/messages?to=${'1'.repeat(5000)}`, 'to'],
  ['an unencoded + in a number', () => '/messages?to=+15551234567', 'to'],
  ['a recipient with a control character', () => '/messages?to=%2B1555%00', 'to'],
  [
    'a tag key with an expression injection',
    () => '/messages?tag.a%20OR%20attribute_exists(x)=1',
    'tag.a OR attribute_exists(x)',
  ],
  ['a tag key that is the prototype', () => '/messages?tag.__proto__=x', 'tag.__proto__'],
  ['a tag value too long', () => `/messages?tag.tenant=${'x'.repeat(300)}`, 'tag.tenant'],
  ['a forged account SID', () => '/messages?accountSid=AC%27%20OR%201%3D1', 'accountSid'],
  [
    'a Messaging Service SID that is a message SID',
    () => `/messages?messagingServiceSid=SM${'0'.repeat(32)}`,
    'messagingServiceSid',
  ],
  ['an unknown format', () => '/messages?format=xml', 'format'],
  ['a prototype key', () => '/messages?__proto__=1', '__proto__'],
  ['a constructor key', () => '/messages?constructor=1', 'constructor'],
];

describe('GET /messages refuses hostile input', () => {
  it.each(cases)(
    '%s: 400 naming the parameter, nothing scanned or written',
    async (_name, path, parameter) => {
      const before = await tableSnapshot(db.table.client, db.table.tableName);
      commands.length = 0;
      const answer = await get(path());
      expect(answer.status).toBe(400);
      const body = JSON.parse(answer.body) as { error: string; parameter: string };
      expect(body.parameter).toBe(parameter);
      expect(body.error).toContain(parameter.startsWith('tag.') ? 'tag' : parameter);
      expect(answer.body).not.toMatch(/at .+\.ts:\d+|Exception/);
      expect(commands.filter((c) => !['QueryCommand', 'BatchGetItemCommand'].includes(c))).toEqual([]);
      expect(await tableSnapshot(db.table.client, db.table.tableName)).toBe(before);
    },
  );

  it('answers a valid query with only Query and BatchGetItem', async () => {
    commands.length = 0;
    const answer = await get('/messages?status=delivered&tag.tenant=acme&limit=20');
    expect(answer.status).toBe(200);
    expect(new Set(commands)).toEqual(new Set(['QueryCommand', 'BatchGetItemCommand']));
  });
});
