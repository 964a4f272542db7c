/**
 * The sender and the reconciler act for any account: a subaccount's message is sent with the parent's
 * credentials and the subaccount's SID in the API path, recorded under that account, and polled back
 * from that account (the simulator, like Twilio, finds it only there). Real tables in DynamoDB Local.
 */
import { environmentCredentials } from '../../lambda/adapters/twilio-credentials';
import { twilioMessageFetcher } from '../../lambda/adapters/twilio-message-fetcher';
import { messagesByAccount } from '../../lambda/adapters/twilio-messages';
import { isSendFailure, type SendResult } from '../../lambda/use-cases/send-results';
import { reconcile } from '../../lambda/use-cases/reconcile';
import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
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
const HOUR = 3_600_000;

const db = useMessageStore('accounts-send', { retentionDays: 30, pendingShards: 2 });
let sim: TwilioSimulator;
let proxy: RecordingProxy;
let idempotencyTable: IdempotencyTestTable;

beforeAll(async () => {
  // Every callback lost: the reconciler must learn each final status from the right account.
  sim = await startTwilioSimulator({ seed: 5, subaccounts: [SUB], lostCallbackRate: 1, stepDelayMs: [1, 3] });
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
  const parent = environmentCredentials({
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: sim.authToken,
  })!;
  const report = await reconcile({
    store: db.store,
    fetchMessage: twilioMessageFetcher(messagesByAccount(await parent.get(), { baseUrl: sim.url })),
    shards: 2,
    now: () => new Date(Date.now() + 13 * HOUR),
    sleep: async () => undefined,
  });
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
