import { startTwilioSimulator, type TwilioSimulator } from '../../local/twilio-simulator';
import { clientOf, highestStatus, rank, startRig, stopRig, type Receiver } from './support';

/** The statuses each outcome goes through, in order (Twilio's outbound lifecycle). */
const EXPECTED_SEQUENCES: readonly string[][] = [
  ['queued', 'sending', 'sent', 'delivered'],
  ['queued', 'sending', 'sent', 'delivered', 'read'],
  ['queued', 'sending', 'sent', 'undelivered'],
  ['queued', 'sending', 'failed'],
  ['queued', 'failed'],
  ['queued', 'sending', 'sent'],
];

describe('twilio simulator: message lifecycle and status callbacks', () => {
  let sim: TwilioSimulator;
  let receiver: Receiver;

  beforeAll(async () => {
    ({ sim, receiver } = await startRig({
      seed: 7,
      stepDelayMs: [1, 4],
      outcomes: { delivered: 0.5, undelivered: 0.2, failed: 0.15, sentNoReceipt: 0.15 },
      whatsappReadRate: 1,
      outOfOrderRate: 0,
      duplicateRate: 0,
      lostCallbackRate: 0,
    }));
  });

  afterAll(() => stopRig({ sim, receiver }));

  it('posts signed callbacks through the full lifecycle, ending at the truth', async () => {
    const client = clientOf(sim);
    const created: string[] = [];
    for (let i = 0; i < 48; i++) {
      const kind = i % 3;
      const message = await client.messages.create({
        to: kind === 2 ? `whatsapp:+1415555${String(1000 + i)}` : `+1415555${String(1000 + i)}`,
        from: kind === 2 ? 'whatsapp:+15005550006' : '+15005550006',
        body: `message ${i}`,
        ...(kind === 1 ? { mediaUrl: ['https://demo.example/cat.jpg'] } : {}),
        statusCallback: `${receiver.url}/message-status?tenant=t${i}`,
      });
      expect(message.status).toBe('queued');
      expect(message.sid).toMatch(kind === 1 ? /^MM[0-9a-f]{32}$/ : /^SM[0-9a-f]{32}$/);
      created.push(message.sid);
    }
    await sim.idle();

    const truth = sim.truth();
    expect([...truth.keys()].sort()).toEqual([...created].sort());
    // The seed gives every outcome at least once, so each branch below is exercised.
    const finals = new Set([...truth.values()].map((t) => t.status));
    expect([...finals].sort()).toEqual(['delivered', 'failed', 'read', 'sent', 'undelivered']);

    expect(receiver.callbacks.length).toBe(sim.stats().callbacksSent);
    for (const cb of receiver.callbacks) {
      expect(cb.signatureValid).toBe(true);
      expect(cb.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
      expect(cb.headers['user-agent']).toBe('TwilioProxy/1.1');
      expect(cb.headers['i-twilio-idempotency-token']).toMatch(/^[0-9a-f-]{36}$/);
      expect(cb.params.ApiVersion).toBe('2010-04-01');
      expect(cb.params.AccountSid).toBe(sim.accountSid);
      expect(cb.params.SmsSid).toBe(cb.params.MessageSid);
      expect(cb.params.SmsStatus).toBe(cb.params.MessageStatus);
    }

    const bySid = receiver.accepted();
    for (const sid of created) {
      const expected = truth.get(sid);
      const callbacks = bySid.get(sid) ?? [];
      const statuses = callbacks.map((cb) => cb.params.MessageStatus ?? '');
      // Without fault knobs every status arrives once, in lifecycle order.
      expect(EXPECTED_SEQUENCES).toContainEqual(statuses);
      expect(statuses.map((s) => rank(s))).toEqual([...statuses.map((s) => rank(s))].sort((a, b) => a - b));
      expect(highestStatus(callbacks)).toBe(expected?.status);
      expect(statuses[statuses.length - 1]).toBe(expected?.status);

      const last = callbacks[callbacks.length - 1];
      expect(last?.params.ErrorCode).toBe(
        expected?.errorCode === undefined ? undefined : String(expected.errorCode),
      );
      expect(last?.url).toMatch(/\/message-status\?tenant=t\d+$/);
      const whatsapp = last?.params.To?.startsWith('whatsapp:') ?? false;
      for (const cb of callbacks) {
        expect(cb.params.To).toBe(expected?.to);
        if (whatsapp) {
          expect(cb.params.ChannelPrefix).toBe('whatsapp');
          expect(cb.params.ChannelInstallSid).toMatch(/^XE[0-9a-f]{32}$/);
          expect(cb.params.RawDlrDoneDate).toBeUndefined();
        } else {
          expect(cb.params.ChannelPrefix).toBeUndefined();
        }
        const withReceipt = !whatsapp && ['delivered', 'undelivered'].includes(cb.params.MessageStatus ?? '');
        if (withReceipt)
          expect(cb.params.RawDlrDoneDate).toMatch(
            /^\d{2}(0[1-9]|1[0-2])([0-2]\d|3[01])([01]\d|2[0-3])[0-5]\d$/,
          );
        else expect(cb.params.RawDlrDoneDate).toBeUndefined();
        if (cb.params.MessageStatus === 'read') expect(cb.params.EventType).toBe('READ');
        else expect(cb.params.EventType).toBeUndefined();
        if (['failed', 'undelivered'].includes(cb.params.MessageStatus ?? ''))
          expect(cb.params.ErrorCode).toMatch(/^\d{5}$/);
        else expect(cb.params.ErrorCode).toBeUndefined();
      }
    }

    // The REST API agrees with the truth once the lifecycle is over, error code included.
    for (const sid of created) {
      const fetched = await client.messages(sid).fetch();
      expect(fetched.status).toBe(truth.get(sid)?.status);
      expect(fetched.errorCode ?? undefined).toBe(truth.get(sid)?.errorCode);
      if (fetched.errorCode) expect(fetched.errorMessage).toEqual(expect.any(String));
      if (['delivered', 'read', 'undelivered', 'sent'].includes(fetched.status)) {
        expect(fetched.dateSent).toBeInstanceOf(Date);
        expect(fetched.price).toMatch(/^-\d+\.\d{5}$/);
      }
    }
    const stats = sim.stats();
    expect(stats).toMatchObject({
      messages: 48,
      callbacksDuplicated: 0,
      callbacksReordered: 0,
      callbacksLost: 0,
      callbackRetries: 0,
      callbackFailures: 0,
    });
    expect(sim.messages().every((m) => m.lifecycleDone && m.status === m.finalStatus)).toBe(true);
  });
});

describe('twilio simulator: GET message reflects the lifecycle', () => {
  it('shows the create status while the lifecycle has not moved', async () => {
    const sim = await startTwilioSimulator({ seed: 1, stepDelayMs: [60_000, 60_000] });
    try {
      const client = clientOf(sim);
      const message = await client.messages.create({
        to: '+14155550100',
        from: '+15005550006',
        body: 'hello',
      });
      const fetched = await client.messages(message.sid).fetch();
      expect(fetched.status).toBe('queued');
      expect(fetched.dateSent).toBeNull();
      expect(fetched.price).toBeNull();
      expect(fetched.errorCode).toBeNull();
      expect(sim.message(message.sid)?.lifecycleDone).toBe(false);
      // The truth is known from the start: it is what the lifecycle will end with.
      expect(sim.truth().get(message.sid)?.status).toBe(sim.message(message.sid)?.finalStatus);
    } finally {
      await sim.stop();
    }
  });

  it('shows every final status and error code even when no callback URL was given', async () => {
    const sim = await startTwilioSimulator({
      seed: 11,
      stepDelayMs: [1, 2],
      outcomes: { delivered: 1, undelivered: 1, failed: 1, sentNoReceipt: 1 },
    });
    try {
      const client = clientOf(sim);
      const sids: string[] = [];
      for (let i = 0; i < 24; i++) {
        sids.push(
          (await client.messages.create({ to: '+14155550100', from: '+15005550006', body: `m${i}` })).sid,
        );
      }
      await sim.idle();
      const seen = new Set<string>();
      for (const sid of sids) {
        const fetched = await client.messages(sid).fetch();
        const truth = sim.truth().get(sid);
        expect(fetched.status).toBe(truth?.status);
        expect(fetched.errorCode ?? undefined).toBe(truth?.errorCode);
        seen.add(fetched.status);
      }
      expect([...seen].sort()).toEqual(['delivered', 'failed', 'sent', 'undelivered']);
      expect(sim.stats().callbacksSent).toBe(0);
      expect(sim.stats().callbacksWithoutUrl).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });
});

describe('twilio simulator: Messaging Service status callback', () => {
  let sim: TwilioSimulator;
  let receiver: Receiver;

  beforeAll(async () => {
    ({ sim, receiver } = await startRig({
      seed: 3,
      stepDelayMs: [1, 3],
      outOfOrderRate: 0,
      duplicateRate: 0,
      outcomes: { delivered: 1, undelivered: 0, failed: 0, sentNoReceipt: 0 },
    }));
  });

  afterAll(() => stopRig({ sim, receiver }));

  it('gets and updates the service-level callback through the real client', async () => {
    const client = clientOf(sim);
    const sid = 'MG' + 'ab'.repeat(16);
    const before = await client.messaging.v1.services(sid).fetch();
    expect(before.sid).toBe(sid);
    expect(before.statusCallback).toBeNull();
    expect(before.accountSid).toBe(sim.accountSid);

    const updated = await client.messaging.v1
      .services(sid)
      .update({ statusCallback: `${receiver.url}/service-status` });
    expect(updated.statusCallback).toBe(`${receiver.url}/service-status`);
    expect((await client.messaging.v1.services(sid).fetch()).statusCallback).toBe(
      `${receiver.url}/service-status`,
    );
    expect(sim.services().find((s) => s.sid === sid)?.statusCallback).toBe(`${receiver.url}/service-status`);

    const created = await client.messaging.v1.services.create({
      friendlyName: 'Alerts',
      statusCallback: 'https://x.example/cb',
    });
    expect(created.sid).toMatch(/^MG[0-9a-f]{32}$/);
    expect(created.friendlyName).toBe('Alerts');
    expect(created.statusCallback).toBe('https://x.example/cb');
  });

  it('uses the service callback when the message has none, and the message callback over it', async () => {
    const client = clientOf(sim);
    const service = sim.createService({
      friendlyName: 'Service-level',
      statusCallback: `${receiver.url}/service-level`,
    });

    const viaService = await client.messages.create({
      to: '+14155550123',
      messagingServiceSid: service.sid,
      body: 'hi',
    });
    // Twilio answers `accepted` when the service will pick the sender.
    expect(viaService.status).toBe('accepted');
    expect(viaService.from).toBeNull();
    expect(viaService.messagingServiceSid).toBe(service.sid);

    const ownCallback = await client.messages.create({
      to: '+14155550124',
      messagingServiceSid: service.sid,
      body: 'hi',
      statusCallback: `${receiver.url}/message-level`,
    });
    const withFrom = await client.messages.create({
      to: '+14155550125',
      from: '+15005550006',
      messagingServiceSid: service.sid,
      body: 'hi',
    });
    expect(withFrom.status).toBe('queued');
    await sim.idle();

    const paths = (sid: string) => [
      ...new Set(receiver.callbacks.filter((c) => c.params.MessageSid === sid).map((c) => c.path)),
    ];
    expect(paths(viaService.sid)).toEqual(['/service-level']);
    expect(paths(ownCallback.sid)).toEqual(['/message-level']);
    expect(paths(withFrom.sid)).toEqual(['/service-level']);

    const serviceCallbacks = receiver.callbacks.filter((c) => c.params.MessageSid === viaService.sid);
    expect(serviceCallbacks.map((c) => c.params.MessageStatus)).toEqual([
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    for (const cb of serviceCallbacks) {
      expect(cb.signatureValid).toBe(true);
      expect(cb.params.MessagingServiceSid).toBe(service.sid);
      expect(cb.params.From).toBe('+15005550006');
    }
    const fetched = await client.messages(viaService.sid).fetch();
    expect(fetched.from).toBe('+15005550006');
    expect(fetched.status).toBe('delivered');
  });

  it('sends nothing for a service message when neither the service nor the message has a callback', async () => {
    const client = clientOf(sim);
    const before = sim.stats();
    const count = receiver.callbacks.length;
    const message = await client.messages.create({
      to: '+14155550126',
      messagingServiceSid: 'MG' + 'cd'.repeat(16),
      body: 'x',
    });
    await sim.idle();
    expect(receiver.callbacks.length).toBe(count);
    expect(sim.stats().callbacksWithoutUrl - before.callbacksWithoutUrl).toBe(4);
    expect((await client.messages(message.sid).fetch()).status).toBe('delivered');
  });
});
