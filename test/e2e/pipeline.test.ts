/**
 * The whole pipeline over HTTP: 1,000 messages through the sender to the Twilio simulator, whose signed
 * callbacks arrive out of order and duplicated at the local server. Every stored final status must equal
 * the simulator's truth, and no message may be missing.
 */
import { compareWithTruth, sendBatch } from '../../local/batch';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { dynamoEndpoint } from '../support/dynamodb';

let pipeline: LocalPipeline;

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    authToken: 'e2e-pipeline-token',
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `e2e-${Date.now()}`,
    twilio: {
      simulator: {
        seed: 20261123,
        outOfOrderRate: 0.1,
        duplicateRate: 0.05,
        whatsappReadRate: 0.5,
        stepDelayMs: [2, 15],
      },
    },
  });
});
afterAll(() => pipeline.stop());

it('1,000 messages with out-of-order and duplicate callbacks end exactly at the simulator truth', async () => {
  const simulator = pipeline.simulator!;
  const sids = await sendBatch({ url: pipeline.url, count: 1000, concurrency: 16, whatsappShare: 0.1 });
  await simulator.idle();

  const comparison = await compareWithTruth(sids, simulator.truth(), (sid) => pipeline.store.get(sid));
  expect(comparison.checked).toBe(1000);
  expect(comparison.mismatches).toEqual([]);
  expect(comparison.byStatus['(missing)']).toBeUndefined();

  // The stream really was messy, and the tracker absorbed it.
  const stats = simulator.stats();
  expect(stats.callbacksReordered).toBeGreaterThan(100);
  expect(stats.callbacksDuplicated).toBeGreaterThan(50);
  expect(pipeline.counts.stale).toBeGreaterThan(0);
  expect(pipeline.counts.duplicate).toBeGreaterThan(stats.callbacksDuplicated / 2);
  expect(pipeline.counts.rejected).toBe(0);
  expect(pipeline.counts.unavailable).toBe(0);
  // Several final outcomes occurred, so the check above compared more than one kind of ending.
  expect(Object.keys(comparison.byStatus).length).toBeGreaterThanOrEqual(4);
}, 240_000);
