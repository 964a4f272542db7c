import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { parseCallbackUrl, type SimulatorOptions, type SimulatorStats } from '../../local/twilio-simulator';
import {
  clientOf,
  closedPort,
  highestStatus,
  rank,
  withRig,
  type ReceivedCallback,
  type Receiver,
  type Responder,
} from './support';

const DELIVERED_ONLY = { delivered: 1, undelivered: 0, failed: 0, sentNoReceipt: 0 };
/** Steps of a delivered SMS: queued, sending, sent, delivered. */
const STEPS = 4;

/** Runs one simulator against one receiver: sends `count` SMS to `path`, waits until idle. */
async function run(
  options: SimulatorOptions,
  count: number,
  path: string,
  respond?: Responder,
): Promise<{
  receiver: Receiver;
  stats: SimulatorStats;
  truth: Map<string, { status: string }>;
  sids: string[];
}> {
  return withRig(
    { stepDelayMs: [0, 2], retryBackoffMs: [1, 5], ...options },
    async ({ sim, receiver }) => {
      const client = clientOf(sim);
      const sids: string[] = [];
      for (let i = 0; i < count; i++) {
        const to = `+1415555${String(1000 + i)}`;
        const statusCallback = path.startsWith('http') ? path : receiver.url + path;
        sids.push(
          (await client.messages.create({ to, from: '+15005550006', body: 'x', statusCallback })).sid,
        );
      }
      await sim.idle();
      return { receiver, stats: sim.stats(), truth: sim.truth(), sids };
    },
    respond,
  );
}

/** Original deliveries (first request per idempotency token) of each message, in arrival order. */
function originals(callbacks: readonly ReceivedCallback[]): Map<string, ReceivedCallback[]> {
  const seen = new Set<string>();
  const bySid = new Map<string, ReceivedCallback[]>();
  for (const cb of callbacks) {
    if (seen.has(cb.token)) continue;
    seen.add(cb.token);
    const sid = cb.params.MessageSid ?? '';
    bySid.set(sid, [...(bySid.get(sid) ?? []), cb]);
  }
  return bySid;
}

describe('twilio simulator: out-of-order, duplicate and lost callbacks', () => {
  const knobs: SimulatorOptions = {
    seed: 2024,
    outcomes: DELIVERED_ONLY,
    outOfOrderRate: 0.2,
    duplicateRate: 0.1,
    lostCallbackRate: 0.1,
  };
  const MESSAGES = 250;
  let result: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    result = await run(knobs, MESSAGES, '/status');
  });

  it('honours the rates roughly', () => {
    const { stats } = result;
    const steps = MESSAGES * STEPS;
    expect(stats.messages).toBe(MESSAGES);
    expect(stats.callbacksLost / steps).toBeGreaterThan(0.07);
    expect(stats.callbacksLost / steps).toBeLessThan(0.13);
    // Only callbacks that are not lost can be duplicated: about 0.1 * 0.9.
    expect(stats.callbacksDuplicated / steps).toBeGreaterThan(0.06);
    expect(stats.callbacksDuplicated / steps).toBeLessThan(0.12);
    // Only a callback that is not lost, not the last and not right after a held one is held back.
    expect(stats.callbacksReordered / steps).toBeGreaterThan(0.07);
    expect(stats.callbacksReordered / steps).toBeLessThan(0.2);
    expect(stats.callbackFailures).toBe(0);
    expect(stats.callbackRetries).toBe(0);
  });

  it('delivers exactly what the counters say, every request validly signed', () => {
    const { receiver, stats } = result;
    expect(receiver.callbacks.length).toBe(stats.callbacksSent);
    expect(receiver.callbacks.every((cb) => cb.signatureValid)).toBe(true);
    const distinct = new Set(receiver.callbacks.map((cb) => cb.token)).size;
    expect(distinct).toBe(MESSAGES * STEPS - stats.callbacksLost);
    expect(receiver.callbacks.filter((cb) => cb.attempt > 1).length).toBe(stats.callbacksDuplicated);
    // A duplicate is the same callback: same token, same fields.
    const firstByToken = new Map<string, ReceivedCallback>();
    for (const cb of receiver.callbacks) {
      const first = firstByToken.get(cb.token);
      if (first) expect(cb.params).toEqual(first.params);
      else firstByToken.set(cb.token, cb);
    }
  });

  it('holds callbacks back so that they arrive after a later status', () => {
    const { receiver, stats } = result;
    let inversions = 0;
    for (const callbacks of originals(receiver.callbacks).values()) {
      let highest = -1;
      for (const cb of callbacks) {
        const r = rank(cb.params.MessageStatus);
        if (r < highest) inversions++;
        highest = Math.max(highest, r);
      }
    }
    expect(inversions).toBe(stats.callbacksReordered);
    // Replayed duplicates arrive after the final status (stale replays).
    const stale = [...receiver.accepted().values()].filter((callbacks) => {
      const last = callbacks[callbacks.length - 1];
      return (
        last !== undefined &&
        last.attempt > 1 &&
        rank(last.params.MessageStatus) < rank(highestStatus(callbacks))
      );
    });
    expect(stale.length).toBeGreaterThan(0);
  });

  it('keeps the truth whatever was lost, and the highest received status equals it unless the final callback was lost', () => {
    const { receiver, truth, sids } = result;
    const received = originals(receiver.callbacks);
    let finalLost = 0;
    for (const sid of sids) {
      expect(truth.get(sid)?.status).toBe('delivered');
      const callbacks = received.get(sid) ?? [];
      if (callbacks.some((cb) => cb.params.MessageStatus === 'delivered')) {
        expect(highestStatus(callbacks)).toBe('delivered');
      } else {
        finalLost++;
      }
    }
    // About one final callback in ten is lost: a reconciler has something to recover.
    expect(finalLost).toBeGreaterThan(MESSAGES * 0.05);
    expect(finalLost).toBeLessThan(MESSAGES * 0.15);
  });

  it('is deterministic for a seed', async () => {
    const again = await run(knobs, MESSAGES, '/status');
    expect(again.stats).toEqual(result.stats);
    const sequence = (r: typeof result) =>
      r.sids.map((sid) =>
        r.receiver.callbacks
          .filter((cb) => cb.params.MessageSid === sid)
          .map((cb) => cb.params.MessageStatus),
      );
    expect(sequence(again)).toEqual(sequence(result));
  });

  it('varies with the seed', async () => {
    const other = await run({ ...knobs, seed: 99 }, MESSAGES, '/status');
    expect(other.stats).not.toEqual(result.stats);
  });
});

describe('twilio simulator: callback retries (connection overrides)', () => {
  const base: SimulatorOptions = { seed: 1, outcomes: DELIVERED_ONLY, outOfOrderRate: 0, duplicateRate: 0 };

  it('retries #rc=2&rp=5xx against 500, 500, 200 and delivers each callback once', async () => {
    const { receiver, stats } = await run(base, 2, '/flaky?x=1#rc=2&rp=5xx', (cb) =>
      cb.attempt <= 2 ? 500 : 200,
    );
    expect(stats.callbackRetries).toBe(2 * STEPS * 2);
    expect(stats.callbackFailures).toBe(0);
    expect(receiver.callbacks.length).toBe(2 * STEPS * 3);
    // The fragment is never sent and never signed; the query string is.
    for (const cb of receiver.callbacks) {
      expect(cb.path).toBe('/flaky?x=1');
      expect(cb.signatureValid).toBe(true);
    }
    for (const callbacks of receiver.accepted().values()) {
      expect(callbacks.map((cb) => cb.params.MessageStatus)).toEqual([
        'queued',
        'sending',
        'sent',
        'delivered',
      ]);
      expect(callbacks.every((cb) => cb.attempt === 3)).toBe(true);
    }
  });

  it('does not retry without the fragment', async () => {
    const { receiver, stats } = await run(base, 2, '/down', () => 500);
    expect(receiver.callbacks.length).toBe(2 * STEPS);
    expect(stats.callbackRetries).toBe(0);
    expect(stats.callbackFailures).toBe(2 * STEPS);
  });

  it('retries only the failures the policy names', async () => {
    const fourxx = await run(base, 1, '/bad#rc=3&rp=5xx', () => 400);
    expect(fourxx.receiver.callbacks.length).toBe(STEPS);
    expect(fourxx.stats.callbackFailures).toBe(STEPS);

    const all = await run(base, 1, '/bad#rc=1&rp=all', () => 404);
    expect(all.receiver.callbacks.length).toBe(STEPS * 2);
    expect(all.stats).toMatchObject({ callbackRetries: STEPS, callbackFailures: STEPS });

    const exhausted = await run(base, 1, '/bad#rc=1&rp=4xx,5xx', () => 503);
    expect(exhausted.receiver.callbacks.length).toBe(STEPS * 2);
    expect(exhausted.stats).toMatchObject({ callbackRetries: STEPS, callbackFailures: STEPS });
  });

  it('retries connect failures (ct) and read timeouts (rt)', async () => {
    const port = await closedPort();
    const refused = await run(base, 1, `http://127.0.0.1:${port}/nobody#rc=2&rp=ct`);
    expect(refused.stats).toMatchObject({
      callbacksSent: STEPS,
      callbackRetries: STEPS * 2,
      callbackFailures: STEPS,
    });

    // Only the first attempt of the first callback hangs, so one read timeout is all the test waits for.
    const hangFirst: Responder = (cb) =>
      cb.params.MessageStatus === 'queued' && cb.attempt === 1 ? 'hang' : 200;
    const slow = await run(base, 1, '/slow#rc=1&rp=rt&rt=500', hangFirst);
    expect(slow.stats).toMatchObject({ callbackRetries: 1, callbackFailures: 0 });
    expect([...slow.receiver.accepted().values()][0]?.map((cb) => cb.params.MessageStatus)).toEqual([
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);

    // A read timeout is not a connect failure: the default policy (ct) does not retry it.
    const notRetried = await run(base, 1, '/slow#rc=2&rt=500', hangFirst);
    expect(notRetried.stats).toMatchObject({ callbackRetries: 0, callbackFailures: 1 });
    expect(notRetried.receiver.callbacks.length).toBe(STEPS);
  });
});

describe('twilio simulator: concurrency, token rotation and stop', () => {
  it('keeps callbacks in flight within callbackConcurrency', () =>
    withRig(
      { seed: 4, stepDelayMs: [0, 1], callbackConcurrency: 3 },
      async ({ sim, receiver }) => {
        const client = clientOf(sim);
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            client.messages.create({
              to: `+1415555${1000 + i}`,
              from: '+15005550006',
              body: 'x',
              statusCallback: receiver.url + '/c',
            }),
          ),
        );
        await sim.idle();
        expect(receiver.maxInFlight).toBeLessThanOrEqual(3);
        expect(receiver.callbacks.length).toBe(sim.stats().callbacksSent);
        expect(sim.stats().callbackFailures).toBe(0);
      },
      () => 200,
      { answerDelayMs: 5 },
    ));

  it('signs with the token in force when the callback is sent', () =>
    withRig({ seed: 8, stepDelayMs: [0, 1], authToken: 'old-token' }, async ({ sim, receiver }) => {
      sim.setOptions({ authToken: 'new-token' });
      expect(sim.authToken).toBe('new-token');
      await clientOf(sim, 'new-token').messages.create({
        to: '+14155550100',
        from: '+15005550006',
        body: 'x',
        statusCallback: receiver.url + '/c',
      });
      await sim.idle();
      expect(receiver.callbacks.length).toBeGreaterThan(0);
      for (const cb of receiver.callbacks) {
        expect(cb.signatureValid).toBe(true);
        expect(
          validateRequest('old-token', String(cb.headers['x-twilio-signature']), cb.url, cb.params),
        ).toBe(false);
      }
    }));

  it('stops with callbacks stuck in flight and lifecycles pending', async () => {
    let firstArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    const hangOnFirst = () => {
      firstArrived();
      return 'hang' as const;
    };
    await withRig(
      { seed: 2, stepDelayMs: [0, 0], stopGraceMs: 50 },
      async ({ sim, receiver }) => {
        await clientOf(sim).messages.create({
          to: '+14155550100',
          from: '+15005550006',
          body: 'x',
          statusCallback: receiver.url + '/c',
        });
        await arrived;
        await sim.stop();
        await sim.idle();
        await sim.stop(); // idempotent
        await expect(fetch(sim.url + '/health')).rejects.toThrow();
      },
      hangOnFirst,
    );
  });
});

describe('parseCallbackUrl', () => {
  it('parses the connection overrides and strips the fragment', () => {
    const { url, overrides } = parseCallbackUrl(
      'https://host/path?a=1#rc=5&rp=5xx,ct,rt&ct=1500&rt=2000&tt=9000',
    );
    expect(url).toBe('https://host/path?a=1');
    expect(overrides.retryCount).toBe(5);
    expect([...overrides.retryPolicy].sort()).toEqual(['5xx', 'ct', 'rt']);
    expect(overrides).toMatchObject({ connectTimeoutMs: 1500, readTimeoutMs: 2000, totalTimeoutMs: 9000 });
  });

  it("defaults to no retry and Twilio's ct policy, clamps and ignores what it does not know", () => {
    expect(parseCallbackUrl('http://h/p')).toEqual({
      url: 'http://h/p',
      overrides: { retryCount: 0, retryPolicy: new Set(['ct']) },
    });
    expect(parseCallbackUrl('http://h/p#rc=9').overrides.retryCount).toBe(5);
    expect(parseCallbackUrl('http://h/p#rc=x&e=ashburn&sni=y').overrides.retryCount).toBe(0);
    expect([...parseCallbackUrl('http://h/p#rc=1&rp=all').overrides.retryPolicy].sort()).toEqual([
      '4xx',
      '5xx',
      'ct',
      'rt',
    ]);
    expect(parseCallbackUrl('http://h/p#rt=999999').overrides.readTimeoutMs).toBe(15000);
  });
});
