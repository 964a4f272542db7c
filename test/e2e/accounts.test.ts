/**
 * `npm start` with TWILIO_ACCOUNTS_FILE: the local pipeline (DynamoDB Local, the real handlers, the
 * simulator) serving a parent and two subaccounts, each signing its callbacks with its own token.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWithTruth, sendBatch } from '../../local/batch';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { readAccountsFile } from '../../local/twilio-simulator/accounts-file';
import { statusParams } from '../support/callbacks';
import { dynamoEndpoint } from '../support/dynamodb';
import { rawRequest, signBody } from '../reliability/support';
import { formBody } from '../support/callbacks';

const hex = (digit: string) => digit.repeat(32);
const ACCOUNTS = [
  { accountSid: `AC${hex('1')}`, authToken: 'parent-token-0123456789abcdef0123' },
  {
    accountSid: `AC${hex('2')}`,
    authToken: 'sub-two-token-0123456789abcdef012',
    secondaryAuthToken: 'sub-two-next',
  },
  { accountSid: `AC${hex('3')}`, authToken: 'sub-three-token-0123456789abcdef0' },
];
const OUTSIDER = `AC${hex('4')}`;

function accountsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'accounts-')), 'accounts.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** A callback as the given account would send it, signed with `token`. */
async function callback(pipeline: LocalPipeline, accountSid: string, token: string) {
  const params = statusParams(`SM${hex('a')}`, 'sent').map(([k, v]): [string, string] =>
    k === 'AccountSid' ? [k, accountSid] : [k, v],
  );
  const body = formBody(params);
  return rawRequest(pipeline.url, {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signBody(token, pipeline.callbackUrl, body),
    },
    body,
  });
}

describe('with TWILIO_ACCOUNTS_FILE', () => {
  let pipeline: LocalPipeline;
  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      port: 0,
      accounts: readAccountsFile(accountsFile({ accounts: ACCOUNTS })),
      dynamodbEndpoint: dynamoEndpoint(),
      tableName: `accounts-e2e-${Date.now()}`,
      logLevel: 'SILENT',
      twilio: { simulator: { seed: 3, stepDelayMs: [2, 8], duplicateRate: 0.1, outOfOrderRate: 0.1 } },
    });
  });
  afterAll(() => pipeline?.stop());

  it('records every account’s messages, each checked with its own token, all equal to the truth', async () => {
    const simulator = pipeline.simulator!;
    const sids = await sendBatch({
      url: pipeline.url,
      count: 60,
      accountSids: [undefined, ACCOUNTS[1]!.accountSid, ACCOUNTS[2]!.accountSid],
    });
    await simulator.idle();
    const comparison = await compareWithTruth(sids, simulator.truth(), (sid) => pipeline.store.get(sid));
    expect(comparison.mismatches).toEqual([]);
    const perAccount = new Map<string, number>();
    for (const t of simulator.truth().values())
      perAccount.set(t.accountSid, (perAccount.get(t.accountSid) ?? 0) + 1);
    expect([...perAccount.values()]).toEqual([20, 20, 20]);
    expect(pipeline.counts.rejected).toBe(0);
    expect(pipeline.counts.advanced).toBeGreaterThan(60);
  });

  it('accepts an account’s secondary token, refuses another account’s token and accounts not in the file', async () => {
    expect((await callback(pipeline, ACCOUNTS[1]!.accountSid, 'sub-two-next')).status).toBe(200);
    expect((await callback(pipeline, ACCOUNTS[1]!.accountSid, ACCOUNTS[2]!.authToken)).status).toBe(403);
    const outsider = await callback(pipeline, OUTSIDER, ACCOUNTS[0]!.authToken);
    expect(outsider.status).toBe(403);
    expect(outsider.body).toContain('no auth token for this AccountSid');
  });
});

it('with TWILIO_AUTH_TOKEN set as well, that token serves accounts not in the file', async () => {
  const pipeline = await startLocalPipeline({
    port: 0,
    accounts: ACCOUNTS,
    authToken: 'explicit-token-0123456789abcdef012',
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `accounts-e2e-fallback-${Date.now()}`,
    logLevel: 'SILENT',
    twilio: false,
  });
  try {
    expect((await callback(pipeline, OUTSIDER, 'explicit-token-0123456789abcdef012')).status).toBe(200);
    expect(
      (await callback(pipeline, ACCOUNTS[2]!.accountSid, 'explicit-token-0123456789abcdef012')).status,
    ).toBe(403);
  } finally {
    await pipeline.stop();
  }
});

it.each([
  ['not JSON', '{accounts', /is not JSON/],
  ['no list', { accounts: [] }, /must be \{"accounts"/],
  ['a bad SID', { accounts: [{ accountSid: 'AC12', authToken: 'x' }] }, /accounts\[0\]\.accountSid/],
  ['no token', { accounts: [{ accountSid: `AC${hex('5')}` }] }, /accounts\[0\]\.authToken/],
  ['a repeated account', { accounts: [ACCOUNTS[0], ACCOUNTS[0]] }, /listed twice/],
])('an accounts file with %s is refused with a sentence saying what is wrong', (_label, content, message) => {
  expect(() => readAccountsFile(accountsFile(content))).toThrow(message);
});
