/**
 * Events under a storm: a few thousand messages through the sender to the Twilio simulator, whose
 * callbacks arrive shuffled and duplicated far more than Twilio's do, with GET /events (SSE) listened to
 * from the start. Counted against the simulator's truth:
 * - per message, the events' ranks strictly increase, and the last event's status is the final truth;
 * - every event names a status the message really went through;
 * - exactly one event per write that moved the status: as many callback events as callbacks the
 *   endpoint recorded as advancing, and none for a duplicate or stale callback (no eventId twice).
 *
 * Full size (3,000 messages) under `npm run test:reliability`; 300 under the main config.
 */
import { compareWithTruth, sendBatch } from '../../local/batch';
import { settledEvents, subscribeEvents, type EventsSubscription } from '../../local/events/sse-client';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { dynamoEndpoint } from '../support/dynamodb';
import { STORM_SIMULATOR } from '../support/storm';

const fullSize =
  (globalThis as { RELIABILITY_LOAD?: boolean }).RELIABILITY_LOAD === true ||
  process.env.RELIABILITY_LOAD === '1';
const MESSAGES = Number(process.env.RELIABILITY_EVENTS_MESSAGES ?? (fullSize ? 3_000 : 300));

let pipeline: LocalPipeline;
let sse: EventsSubscription;

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    authToken: 'reliability-events-token-0123456789',
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `events-storm-${Date.now()}`,
    logLevel: 'ERROR',
    // A ring as large as the storm: the check reads every event back, none may have fallen out.
    events: { ringSize: MESSAGES * 10 },
    twilio: { simulator: STORM_SIMULATOR },
  });
  sse = await subscribeEvents(pipeline.url);
});
afterAll(async () => {
  sse?.close();
  await pipeline?.stop();
});

it(`${MESSAGES} messages in a shuffled, duplicated storm: events match the truth`, async () => {
  const simulator = pipeline.simulator!;
  const sids = await sendBatch({ url: pipeline.url, count: MESSAGES, concurrency: 32, whatsappShare: 0.1 });
  await simulator.idle();
  const truth = simulator.truth();
  const comparison = await compareWithTruth(sids, truth, (sid) => pipeline.store.get(sid));
  expect(comparison.mismatches).toEqual([]);

  const finalTruth = new Map(sids.map((sid) => [sid, truth.get(sid)?.status]));
  const check = await settledEvents(sse, finalTruth, 30_000);
  const stats = simulator.stats();
  const { counts } = pipeline;
  const details = sse.events.map((e) => e.message.detail);
  const fromCallbacks = details.filter((d) => d.source === 'callback').length;
  console.log(
    [
      `events storm: ${MESSAGES} messages, ${stats.callbacksSent} callbacks (${stats.callbacksReordered} out of order, ${stats.callbacksDuplicated} duplicated)`,
      `  answered: advanced ${counts.advanced}, stale ${counts.stale}, duplicate ${counts.duplicate}`,
      `  events ${details.length} (${(details.length / MESSAGES).toFixed(2)} per message), ${fromCallbacks} from callbacks; problems ${check.problems.length}`,
    ].join('\n'),
  );

  expect(check.problems).toEqual([]);
  expect(new Set(details.map((d) => d.eventId)).size).toBe(details.length);
  expect(fromCallbacks).toBe(counts.advanced);
  for (const detail of details) {
    expect(simulator.message(detail.messageSid)?.history).toContain(detail.status);
  }
  // The storm really was one: many callbacks changed nothing, and so produced no event.
  expect(counts.stale + counts.duplicate).toBeGreaterThan(MESSAGES * 0.5);
  expect(details.length).toBeLessThan(stats.callbacksSent);
  expect(pipeline.events!.failures().total).toBe(0);
}, 600_000);
