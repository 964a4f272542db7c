/**
 * The sender and the reconciler act for any account: a subaccount's message is sent with the parent's
 * credentials and the subaccount's SID in the API path, recorded under that account, and polled back
 * from that account (the simulator, like Twilio, finds and lists it only there), however many accounts
 * there are. Real tables in DynamoDB Local.
 */
import { environmentCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { twilioMessageFetcher } from '../../lambda/adapters/secondary/twilio-message-fetcher';
import { messagesByAccount } from '../../lambda/adapters/secondary/twilio-messages';
import { isSendFailure, type SendResult } from '../../lambda/use-cases/send-results';
import { reconcile } from '../../lambda/use-cases/reconcile';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { twilioClientFor } from '../../local/twilio-simulator/client';
import { useMessageStore } from '../support/dynamodb';
import {
  createIdempotencyTestTable,
  startRecordingProxy,
  testSender,
  type IdempotencyTestTable,
  type RecordingProxy,
} from './support';

const SUB = { accountSid: `AC${'5'.repeat(32)}`, authToken: 'subaccount-token-0123456789abcdef' };
const STRANGER = `AC${'9'.repeat(32)}`;
const MANY = Array.from({ length: 300 }, (_, i) => ({
  accountSid: `AC${'b'.repeat(24)}${i.toString(16).padStart(8, '0')}`,
  authToken: `many-token-${i}-0123456789abcdef`,
}));
const HOUR = 3_600_000;

const db = useMessageStore('accounts-send', { retentionDays: 30, pendingShards: 2 });
let sim: TwilioSimulator;
let proxy: RecordingProxy;
let idempotencyTable: IdempotencyTestTable;

beforeAll(async () => {
  // Every callback lost: the reconciler must learn each final status from the right account.
  sim = await startTwilioSimulator({
    seed: 5,
    subaccounts: [SUB, ...MANY],
    lostCallbackRate: 1,
    stepDelayMs: [1, 3],
  });
  proxy = await startRecordingProxy(sim.url);
  idempotencyTable = await createIdempotencyTestTable();
});
afterAll(async () => {
  await sim.stop();
  await Promise.all([proxy.stop(), idempotencyTable.drop()]);
});

const sender = () =>
  testSender({
    sim,
    proxy,
    store: db.store,
    idempotencyTable,
    from: '+15005550006',
    statusCallbackUrl: 'http://127.0.0.1:9/message-status',
  }).sender;

/** One reconcile pass as the reconciler Lambda makes it, with the parent's credentials, 13 hours on. */
async function reconcileAll() {
  const parent = environmentCredentials({
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: sim.authToken,
  })!;
  return reconcile({
    store: db.store,
    fetchMessage: twilioMessageFetcher(messagesByAccount(await parent.get(), { baseUrl: sim.url })),
    shards: 2,
    now: () => new Date(Date.now() + 13 * HOUR),
    sleep: async () => undefined,
  });
}

function sid(result: SendResult): string {
  if (isSendFailure(result)) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.messageSid;
}

it('sends as a subaccount with the parent’s credentials and records the message under it', async () => {
  const messageSid = sid(await sender().send({ to: '+14155550100', body: 'hi', accountSid: SUB.accountSid }));
  expect(proxy.creates().at(-1)?.path).toBe(`/2010-04-01/Accounts/${SUB.accountSid}/Messages.json`);
  expect(sim.message(messageSid)?.accountSid).toBe(SUB.accountSid);
  expect(await db.store.get(messageSid)).toMatchObject({ accountSid: SUB.accountSid, source: 'send' });
});

it('without accountSid, sends as the parent, as before', async () => {
  const messageSid = sid(await sender().send({ to: '+14155550101', body: 'hi' }));
  expect(sim.message(messageSid)?.accountSid).toBe(sim.accountSid);
  expect(await db.store.get(messageSid)).toMatchObject({ accountSid: sim.accountSid });
});

it('refuses a malformed accountSid before anything reaches Twilio or the table', async () => {
  const creates = proxy.creates().length;
  const result = await sender().send({ to: '+14155550102', body: 'hi', accountSid: 'AC123' });
  expect(isSendFailure(result) && result.error).toMatchObject({
    type: 'ValidationError',
    field: 'accountSid',
  });
  expect(proxy.creates()).toHaveLength(creates);
});

it('an account the parent does not own is refused by Twilio (401): retryable, nothing recorded', async () => {
  const result = await sender().send({ to: '+14155550103', body: 'hi', accountSid: STRANGER });
  expect(isSendFailure(result) && result.error).toMatchObject({ type: 'TwilioUnavailable', httpStatus: 401 });
});

it('the reconciler fetches each message from its own account', async () => {
  const sids = [
    sid(await sender().send({ to: '+14155550110', body: 'a', accountSid: SUB.accountSid })),
    sid(await sender().send({ to: '+14155550111', body: 'b' })),
    sid(await sender().send({ to: '+14155550112', body: 'c', accountSid: SUB.accountSid })),
  ];
  await sim.idle();
  const report = await reconcileAll();
  expect(report.errors).toBe(0);
  const truth = sim.truth();
  for (const messageSid of sids) {
    const record = await db.store.get(messageSid);
    expect({ messageSid, status: record?.status, accountSid: record?.accountSid }).toEqual({
      messageSid,
      status: truth.get(messageSid)?.status,
      accountSid: truth.get(messageSid)?.accountSid,
    });
  }
});

it('under many subaccounts, each lists only its own messages and the reconciler finds every one', async () => {
  const owners = [MANY[0]!, MANY[150]!, MANY.at(-1)!];
  const sent = new Map<string, string[]>();
  for (const { accountSid } of owners) {
    for (const to of ['+14155550120', '+14155550121']) {
      const messageSid = sid(await sender().send({ to, body: 'many', accountSid }));
      sent.set(accountSid, [...(sent.get(accountSid) ?? []), messageSid]);
    }
  }
  await sim.idle();
  const client = twilioClientFor(sim.url, sim.accountSid, sim.authToken);
  for (const [accountSid, sids] of sent) {
    const listed = await client.api.v2010.accounts(accountSid).messages.list();
    expect(listed.map((m) => m.sid)).toEqual([...sids].reverse());
  }

  const report = await reconcileAll();
  expect(report.errors).toBe(0);
  const truth = sim.truth();
  for (const [accountSid, sids] of sent) {
    for (const messageSid of sids) {
      const record = await db.store.get(messageSid);
      expect({ messageSid, status: record?.status, accountSid: record?.accountSid }).toEqual({
        messageSid,
        status: truth.get(messageSid)?.status,
        accountSid,
      });
    }
  }
});
