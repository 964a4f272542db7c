/**
 * The simulator serving a parent and its subaccounts, reached the way twilio-node reaches them: each
 * account's messages are created, listed and fetched under its own path only, and an account's token is
 * found without going through the subaccounts on every request.
 */
import {
  startTwilioSimulator,
  type SimulatedAccount,
  type TwilioSimulator,
} from '../../local/twilio-simulator';
import { twilioClientFor } from '../../local/twilio-simulator/client';
import { startReceiver } from './support';

const account = (n: number): SimulatedAccount => ({
  accountSid: `AC${n.toString(16).padStart(32, '0')}`,
  authToken: `token-${n}-0123456789abcdef`,
});
const SUBS = [account(1), account(2), account(3)];
const TO = '+14155550100';

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return (error as { status: number }).status;
  }
  throw new Error('expected the request to fail');
}

describe('twilio simulator: subaccounts', () => {
  let sim: TwilioSimulator;
  let parent: ReturnType<typeof twilioClientFor>;
  /** The SIDs created under each account, oldest first. */
  const created = new Map<string, string[]>();

  beforeAll(async () => {
    sim = await startTwilioSimulator({ seed: 9, subaccounts: SUBS, stepDelayMs: [1, 2] });
    parent = twilioClientFor(sim.url, sim.accountSid, sim.authToken);
    // Interleaved; a subaccount's messages made with the parent's credentials and its own in turn.
    const owners = [sim.accountSid, SUBS[0]!.accountSid, SUBS[1]!.accountSid];
    for (let i = 0; i < 3; i++) {
      for (const accountSid of owners) {
        const sub = SUBS.find((a) => a.accountSid === accountSid);
        const client = sub && i % 2 === 1 ? twilioClientFor(sim.url, sub.accountSid, sub.authToken) : parent;
        const message = await client.api.v2010
          .accounts(accountSid)
          .messages.create({ to: TO, from: '+15005550006', body: `m${i}` });
        created.set(accountSid, [...(created.get(accountSid) ?? []), message.sid]);
      }
    }
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('records a message created under a subaccount path under that account', () => {
    for (const [accountSid, sids] of created) {
      for (const sid of sids) expect(sim.message(sid)?.accountSid).toBe(accountSid);
    }
  });

  it("lists only the path's account's messages, newest first, through every page", async () => {
    for (const { accountSid } of [{ accountSid: sim.accountSid }, ...SUBS]) {
      const listed = await parent.api.v2010.accounts(accountSid).messages.list({ to: TO, pageSize: 2 });
      expect({ accountSid, sids: listed.map((m) => m.sid) }).toEqual({
        accountSid,
        sids: [...(created.get(accountSid) ?? [])].reverse(),
      });
    }
    const own = twilioClientFor(sim.url, SUBS[0]!.accountSid, SUBS[0]!.authToken);
    expect((await own.messages.list()).map((m) => m.sid)).toEqual(
      [...(created.get(SUBS[0]!.accountSid) ?? [])].reverse(),
    );
  });

  it("pages under the path's account", async () => {
    const { accountSid } = SUBS[1]!;
    const page = await parent.api.v2010.accounts(accountSid).messages.page({ pageSize: 1 });
    expect(new URL(page.nextPageUrl ?? '').pathname).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`);
  });

  it("answers 404 for another account's message, 401 for another account's path with a subaccount's credentials", async () => {
    const [parentSid] = created.get(sim.accountSid) ?? [];
    const [subSid] = created.get(SUBS[0]!.accountSid) ?? [];
    expect(await statusOf(parent.api.v2010.accounts(SUBS[0]!.accountSid).messages(parentSid!).fetch())).toBe(
      404,
    );
    expect(await statusOf(parent.api.v2010.accounts(SUBS[1]!.accountSid).messages(subSid!).fetch())).toBe(
      404,
    );
    expect(await statusOf(parent.messages(subSid!).fetch())).toBe(404);
    expect((await parent.api.v2010.accounts(SUBS[0]!.accountSid).messages(subSid!).fetch()).sid).toBe(subSid);

    const own = twilioClientFor(sim.url, SUBS[0]!.accountSid, SUBS[0]!.authToken);
    expect(await statusOf(own.api.v2010.accounts(sim.accountSid).messages.list())).toBe(401);
    expect(await statusOf(own.api.v2010.accounts(SUBS[1]!.accountSid).messages.list())).toBe(401);
  });
});

describe('twilio simulator: many subaccounts', () => {
  it('finds an account’s token without going through the subaccounts on each request', async () => {
    const accounts = Array.from({ length: 2000 }, (_, i) => account(i + 1));
    let reads = 0;
    const counted = new Proxy(accounts, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const last = accounts.at(-1)!;
    const receiver = await startReceiver(() => last.authToken);
    const sim = await startTwilioSimulator({ seed: 4, subaccounts: counted, stepDelayMs: [1, 2] });
    try {
      reads = 0;
      const client = twilioClientFor(sim.url, last.accountSid, last.authToken);
      for (let i = 0; i < 5; i++) {
        await client.messages.create({
          to: TO,
          from: '+15005550006',
          body: 'x',
          statusCallback: `${receiver.url}/cb`,
        });
      }
      await sim.idle();
      expect(await client.messages.list()).toHaveLength(5);
      expect(receiver.callbacks.length).toBeGreaterThan(0);
      expect(receiver.callbacks.every((cb) => cb.signatureValid)).toBe(true);
      expect(receiver.callbacks.every((cb) => cb.params.AccountSid === last.accountSid)).toBe(true);
      expect(reads).toBe(0);
    } finally {
      await sim.stop();
      await receiver.close();
    }
  });
});
