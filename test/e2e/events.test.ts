/**
 * Status-change events on the local server, end to end: signed callbacks -> DynamoDB Local -> its stream
 * -> the events consumer -> GET /events (SSE). One event per write that moved the status, none for a
 * duplicate or stale callback, replay after Last-Event-ID, and a clear 400 for a bad one.
 */
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { subscribeEvents, type EventsSubscription, type ReceivedEvent } from '../../local/events/sse-client';
import { postCallback, statusParams, testSid } from '../support/callbacks';
import { dynamoEndpoint } from '../support/dynamodb';

const TOKEN = 'e2e-events-token';
let pipeline: LocalPipeline;
let subscription: EventsSubscription;

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    authToken: TOKEN,
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `events-${Date.now()}`,
    twilio: false,
  });
  subscription = await subscribeEvents(pipeline.url);
});
afterAll(async () => {
  subscription?.close();
  await pipeline?.stop();
});

const post = (sid: string, status: string) => postCallback(pipeline.url, TOKEN, statusParams(sid, status));
const eventsOf = (sid: string) => subscription.events.filter((e) => e.message.detail.messageSid === sid);

/** Every record written before the marker's event has been read: the stream keeps the table's order. */
async function markerSeen(): Promise<void> {
  const marker = testSid();
  expect(await post(marker, 'queued')).toBe(200);
  await subscription.until(() => eventsOf(marker).length === 1, 5_000);
}

describe('GET /events', () => {
  it("sends one event per status change of a message's lifecycle, within 2 s of the write", async () => {
    const sid = testSid();
    const answeredAt: number[] = [];
    for (const status of ['queued', 'sent', 'delivered']) {
      expect(await post(sid, status)).toBe(200);
      answeredAt.push(Date.now());
    }
    await subscription.until(() => eventsOf(sid).length === 3, 5_000);

    const events = eventsOf(sid);
    expect(events.map((e) => [e.message.detail.previousStatus, e.message.detail.status])).toEqual([
      [null, 'queued'],
      ['queued', 'sent'],
      ['sent', 'delivered'],
    ]);
    expect(events[0]!.message).toMatchObject({
      source: 'twilio-status-tracker',
      'detail-type': 'Message Status Changed',
      detail: { eventId: `${sid}:queued`, messageSid: sid, final: false, to: '+14155551234' },
    });
    expect(events[2]!.message.detail).toMatchObject({ eventId: `${sid}:delivered`, final: true });
    const ranks = events.map((e) => e.message.detail.statusRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(3);
    // The local delivery sequence numbers increase by one, in arrival order.
    expect(events.map((e) => e.id)).toEqual([events[0]!.id, events[0]!.id + 1, events[0]!.id + 2]);
    events.forEach((event, i) => expect(event.receivedAt - answeredAt[i]!).toBeLessThan(2_000));
  });

  it('sends nothing for duplicate or stale callbacks', async () => {
    const sid = testSid();
    expect(await post(sid, 'delivered')).toBe(200);
    expect(await post(sid, 'delivered')).toBe(200);
    expect(await post(sid, 'sent')).toBe(200);
    expect(await post(sid, 'queued')).toBe(200);
    await markerSeen();

    expect(eventsOf(sid).map((e) => e.message.detail.status)).toEqual(['delivered']);
    expect(eventsOf(sid)[0]!.message.detail.previousStatus).toBeNull();
    expect(pipeline.counts.duplicate + pipeline.counts.stale).toBeGreaterThanOrEqual(3);
  });

  it('replays what followed Last-Event-ID, then goes on live', async () => {
    const sid = testSid();
    for (const status of ['queued', 'sent']) expect(await post(sid, status)).toBe(200);
    await subscription.until(() => eventsOf(sid).length === 2, 5_000);
    const first = eventsOf(sid)[0]!;
    const expected = subscription.events.filter((e) => e.id > first.id).map((e) => e.id);

    const resumed = await subscribeEvents(pipeline.url, { lastEventId: String(first.id) });
    try {
      await resumed.until((events) => events.length >= expected.length, 5_000);
      expect(resumed.events.map((e) => e.id)).toEqual(expected);
      expect(resumed.events.map((e) => e.message)).toEqual(
        subscription.events.filter((e) => e.id > first.id).map((e) => e.message),
      );
      expect(await post(sid, 'delivered')).toBe(200);
      const live = (events: readonly ReceivedEvent[]) =>
        events.some((e) => e.message.detail.eventId === `${sid}:delivered`);
      await resumed.until(live, 5_000);
    } finally {
      resumed.close();
    }
  });

  it.each([['abc'], ['-1'], ['1e3'], ['12345678901234567890'], ['3; drop']])(
    'answers a Last-Event-ID of %j with a clear 400',
    async (value) => {
      const response = await fetch(`${pipeline.url}/events`, { headers: { 'last-event-id': value } });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as { error: string };
      expect(body.error).toMatch(/^Last-Event-ID must be the id of an event received/);
      expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|\.ts:\d+/);
    },
  );

  it('answers other methods with 405 and lists failures as JSON', async () => {
    expect((await fetch(`${pipeline.url}/events`, { method: 'POST', body: 'x' })).status).toBe(405);
    const failures = await fetch(`${pipeline.url}/events/failures`);
    expect(failures.status).toBe(200);
    expect(await failures.json()).toEqual({ total: 0, recent: [] });
  });
});
