/**
 * One tracker, many Twilio accounts, over real HTTP (the local server, the real handler, DynamoDB Local).
 * Twilio signs each account's callbacks with that account's token, so the endpoint must check each
 * request with the token of its AccountSid, refuse (403) an account it has no token for, answer 503 when
 * it cannot find out, and survive a storm of forged AccountSids at a bounded number of secret reads.
 *
 * Secrets Manager cannot run here: the secrets are a map behind the same read boundary the Lambda uses
 * (the read counted, made to fail on demand), and the clock is the test's, so caches and the lookup
 * budget can be stepped through.
 */
import {
  createStatusCallbackHandler,
  type CallbackResult,
} from '../../lambda/adapters/primary/status-callback-endpoint';
import { secretAccountTokens } from '../../lambda/adapters/secondary/account-tokens';
import { secretCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { accountShardOf } from '../../lambda/domain/accounts';
import type { LocalServer } from '../../local/server';
import { formBody, sign, statusParams } from '../support/callbacks';
import { createTestTable, trackerStore, useMessageStore } from '../support/dynamodb';
import { rawRequest, serveCallbacks, silentLogger, tableSnapshot, uniqueSid } from './support';

const PREFIX = 'twilio/accounts/';
const SHARDS = 4;
const account = (n: number) => `AC${n.toString(16).padStart(32, '0')}`;
const PARENT = { sid: account(1), token: 'parent-token-0123456789abcdef0123' };
const SHARDED = { sid: account(2), token: 'sharded-token-0123456789abcdef012' };
const OWN = { sid: account(3), token: 'own-secret-token-0123456789abcdef' };
const NEWCOMER = { sid: account(4), token: 'newcomer-token-0123456789abcdef01' };

/** Secrets Manager as the functions see it: named JSON values, every read counted. */
const secrets = new Map<string, unknown>();
let reads: string[] = [];
let failing = false;
let clock = 0;
const read = async (name: string) => {
  reads.push(name);
  if (failing) throw new Error('ThrottlingException: Rate exceeded');
  return secrets.get(name);
};

const db = useMessageStore('accounts');
let server: LocalServer;
const results: CallbackResult[] = [];

function putAccounts() {
  secrets.clear();
  secrets.set('twilio', { accountSid: PARENT.sid, authToken: PARENT.token });
  secrets.set(`${PREFIX}${accountShardOf(SHARDED.sid, SHARDS)}`, {
    accounts: { [SHARDED.sid]: { authToken: SHARDED.token } },
  });
  secrets.set(`${PREFIX}${OWN.sid}`, { authToken: OWN.token });
}

beforeAll(async () => {
  putAccounts();
  const handler = createStatusCallbackHandler({
    store: db.store,
    // The main secret is read as before (its own cache); only the account secrets' reads are counted.
    credentials: secretCredentials({ secretId: 'twilio', read: async () => secrets.get('twilio') }),
    accounts: secretAccountTokens({ prefix: PREFIX, shards: SHARDS, read, now: () => clock }),
    logger: silentLogger,
    onResult: (result) => results.push(result),
  });
  server = await serveCallbacks(handler);
});
afterAll(() => server.close());
beforeEach(() => {
  failing = false;
  reads = [];
});

async function post(
  accountSid: string,
  token: string,
  messageSid = uniqueSid(),
  baseUrl = server.url,
  status = 'delivered',
) {
  const params = statusParams(messageSid, status).map(([k, v]): [string, string] =>
    k === 'AccountSid' ? [k, accountSid] : [k, v],
  );
  const answer = await rawRequest(baseUrl, {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(token, `${baseUrl}/message-status`, params),
    },
    body: formBody(params),
  });
  return { ...answer, messageSid };
}

const stored = (sid: string) => db.store.get(sid);

it.each([
  ['the main secret (the parent)', PARENT],
  ['a shard secret', SHARDED],
  ['its own secret', OWN],
])('an account whose token is in %s: its callbacks are stored under its AccountSid', async (_l, a) => {
  const answer = await post(a.sid, a.token);
  expect(answer.status).toBe(200);
  expect(await stored(answer.messageSid)).toMatchObject({ status: 'delivered', accountSid: a.sid });
});

it('a callback signed with another account’s token is refused (403) and writes nothing', async () => {
  const before = await tableSnapshot(db.table.client, db.table.tableName);
  for (const [claimed, signer] of [
    [SHARDED, OWN],
    [OWN, PARENT],
    [PARENT, SHARDED],
  ] as const) {
    expect((await post(claimed.sid, signer.token)).status).toBe(403);
  }
  expect(await tableSnapshot(db.table.client, db.table.tableName)).toBe(before);
});

it("an account signing with its own valid token cannot move another account's message (403)", async () => {
  const sid = uniqueSid();
  expect((await post(OWN.sid, OWN.token, sid, server.url, 'sent')).status).toBe(200);
  const before = await tableSnapshot(db.table.client, db.table.tableName);
  for (const status of ['delivered', 'read', 'sent', 'queued']) {
    const answer = await post(SHARDED.sid, SHARDED.token, sid, server.url, status);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ error: 'message belongs to another account' });
    expect(results.at(-1)).toMatchObject({ kind: 'rejected', statusCode: 403, accountMismatch: true });
  }
  expect(await tableSnapshot(db.table.client, db.table.tableName)).toBe(before);
  expect(await stored(sid)).toMatchObject({ status: 'sent', accountSid: OWN.sid });
  // Its own account still moves it.
  expect((await post(OWN.sid, OWN.token, sid, server.url, 'delivered')).status).toBe(200);
  expect(await stored(sid)).toMatchObject({ status: 'delivered', accountSid: OWN.sid });
});

it('an unknown account is refused (403), writes nothing, and is not looked up again for 60 s', async () => {
  const unknown = account(0xdead);
  const before = await tableSnapshot(db.table.client, db.table.tableName);
  const first = await post(unknown, 'whatever-token-0123456789abcdef01');
  expect(first.status).toBe(403);
  expect(first.body).toContain('no auth token for this AccountSid');
  expect(results.at(-1)).toMatchObject({ kind: 'rejected', statusCode: 403, unknownAccount: true });
  const readsAfterFirst = reads.length;
  expect(readsAfterFirst).toBeGreaterThan(0);

  clock += 59_000;
  expect((await post(unknown, 'whatever-token-0123456789abcdef01')).status).toBe(403);
  expect(reads.length).toBe(readsAfterFirst); // remembered: no read
  expect(await tableSnapshot(db.table.client, db.table.tableName)).toBe(before);

  // Added meanwhile: once the negative answer is a minute old, the account passes.
  secrets.set(`${PREFIX}${unknown}`, { authToken: 'now-known-token-0123456789abcdef0' });
  clock += 2_000;
  expect((await post(unknown, 'now-known-token-0123456789abcdef0')).status).toBe(200);
});

it('a secret that cannot be read answers 503 (Twilio retries), never 403, and writes nothing', async () => {
  clock += 3_600_000; // every cached copy is stale
  const before = await tableSnapshot(db.table.client, db.table.tableName);
  failing = true;
  for (const a of [SHARDED, OWN, { sid: account(0xbeef), token: 'x'.repeat(32) }]) {
    const answer = await post(a.sid, a.token);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.body).not.toMatch(/Throttling|Rate exceeded/);
  }
  expect(await tableSnapshot(db.table.client, db.table.tableName)).toBe(before);
  failing = false;
  expect((await post(OWN.sid, OWN.token)).status).toBe(200);
});

it('rotates one account’s token: the secondary is accepted, a promoted token is re-read once', async () => {
  clock += 3_600_000;
  expect((await post(OWN.sid, OWN.token)).status).toBe(200); // cached now
  secrets.set(`${PREFIX}${OWN.sid}`, {
    authToken: OWN.token,
    secondaryAuthToken: 'own-rotated-0123456789abcdef0123',
  });
  // The container's copy predates the secondary: the failed signature re-reads the account's secret.
  clock += 60_000;
  expect((await post(OWN.sid, 'own-rotated-0123456789abcdef0123')).status).toBe(200);
  expect((await post(OWN.sid, OWN.token)).status).toBe(200);
  // Other accounts are untouched by this account's rotation.
  expect((await post(SHARDED.sid, SHARDED.token)).status).toBe(200);
  expect((await post(PARENT.sid, 'own-rotated-0123456789abcdef0123')).status).toBe(403);
});

/** The storm's size, and its time budget: a forged request takes about 2 ms alone, 10 ms on a busy machine. */
const STORM = 10_000;
const STORM_BUDGET_MS = 30_000 + STORM * 10;

it(
  'a storm of 10,000 forged AccountSids costs a bounded number of secret reads; a real newcomer then passes',
  async () => {
    clock += 3_600_000;
    putAccounts();
    const before = await tableSnapshot(db.table.client, db.table.tableName);
    const answers = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < STORM) {
        const i = next++;
        const { status } = await post(account(0x100000 + i), 'forged-token-0123456789abcdef0123');
        answers.set(status, (answers.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    console.log(
      `forged-account storm: 10,000 requests, ${reads.length} secret reads, answers ` +
        [...answers].map(([s, n]) => `${s} x${n}`).join(', '),
    );
    // Burst of 10 own-secret reads plus each shard once; everything else answered from memory.
    expect(reads.length).toBeLessThanOrEqual(10 + SHARDS);
    expect([...answers.keys()].sort()).toEqual([403, 503]);
    expect(answers.get(403)).toBe(10);
    expect(await tableSnapshot(db.table.client, db.table.tableName)).toBe(before);
    expect(
      results.filter((r) => r.kind === 'unavailable' && r.reason === 'AccountLookupThrottledError').length,
    ).toBeGreaterThanOrEqual(9_990);

    // A genuine new account during the storm gets 503 (Twilio retries), never 403; once the budget
    // refills it passes, and known accounts whose tokens are in memory passed all along.
    secrets.set(`${PREFIX}${NEWCOMER.sid}`, { authToken: NEWCOMER.token });
    expect((await post(NEWCOMER.sid, NEWCOMER.token)).status).toBe(503);
    expect((await post(SHARDED.sid, SHARDED.token)).status).toBe(200);
    // A known account whose promoted token this container has not read yet: 503 too, not 403.
    const promoted = 'sharded-promoted-0123456789abcdef';
    secrets.set(`${PREFIX}${accountShardOf(SHARDED.sid, SHARDS)}`, {
      accounts: { [SHARDED.sid]: { authToken: SHARDED.token, secondaryAuthToken: promoted } },
    });
    expect((await post(SHARDED.sid, promoted)).status).toBe(503);
    clock += 12_000; // two reads' worth of budget
    const retried = await post(NEWCOMER.sid, NEWCOMER.token);
    expect(retried.status).toBe(200);
    expect(await stored(retried.messageSid)).toMatchObject({ accountSid: NEWCOMER.sid });
    expect((await post(SHARDED.sid, promoted)).status).toBe(200);
  },
  STORM_BUDGET_MS,
);

it('a main secret that names no account serves accounts that have no token of their own', async () => {
  const t = await createTestTable('accounts-fallback');
  try {
    const handler = createStatusCallbackHandler({
      store: trackerStore(t.dynamo, t.tableName),
      credentials: secretCredentials({ secretId: 'legacy', read: async () => ({ authToken: PARENT.token }) }),
      accounts: secretAccountTokens({ prefix: PREFIX, shards: SHARDS, read, now: () => clock }),
      logger: silentLogger,
    });
    const local = await serveCallbacks(handler);
    try {
      expect((await post(account(0x5ab), PARENT.token, uniqueSid(), local.url)).status).toBe(200);
      expect((await post(account(0x5ab), OWN.token, uniqueSid(), local.url)).status).toBe(403);
    } finally {
      await local.close();
    }
  } finally {
    await t.drop();
  }
});
