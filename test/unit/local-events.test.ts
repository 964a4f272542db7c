/**
 * The parts of local event delivery that need no DynamoDB: the ring and its replay, the checkpoint file,
 * and the webhook queue's bounds and refusals.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { statusChangeOf, type StatusChangeEvent } from '../../lambda/domain/status-event';
import { createCheckpoint } from '../../local/events/checkpoint';
import { EventHub, isAnomaly, type AnyDelivery, type Delivery } from '../../local/events/event-hub';
import { ANOMALY_DETAIL_TYPE, type DeliveryAnomalyDetail } from '../../lambda/domain/history/anomaly';
import { waitUntil } from '../../local/events/sse-client';
import { startWebhook, webhookUrlProblem } from '../../local/events/webhook';
import { startStandIn, type StandIn } from '../support/stand-in';

function event(n: number): StatusChangeEvent {
  const sid = `SM${n.toString(16).padStart(32, '0')}`;
  return statusChangeOf(undefined, { messageSid: sid, status: 'queued', statusRank: 1, statusTimes: {} })!;
}

describe('EventHub', () => {
  it('numbers deliveries 1, 2, 3 and replays what followed an id', () => {
    const hub = new EventHub(10);
    for (let n = 1; n <= 5; n++) hub.deliver(event(n));
    expect(hub.replayAfter(3)).toEqual({
      deliveries: [expect.objectContaining({ id: 4 }), expect.objectContaining({ id: 5 })],
      missed: 0,
    });
    expect(hub.replayAfter(5).deliveries).toEqual([]);
  });

  it('says how many a client missed for good once the ring moved past them', () => {
    const hub = new EventHub(3);
    for (let n = 1; n <= 10; n++) hub.deliver(event(n));
    const replay = hub.replayAfter(2);
    expect(replay.deliveries.map((d) => d.id)).toEqual([8, 9, 10]);
    expect(replay.missed).toBe(5);
  });

  it('replays everything kept for an id from before a restart (newer than any delivered)', () => {
    const hub = new EventHub(10);
    hub.deliver(event(1));
    expect(hub.replayAfter(500).deliveries.map((d) => d.id)).toEqual([1]);
  });

  it('hands a delivery anomaly to listeners of everything only, in the one id sequence', () => {
    const hub = new EventHub();
    const statusOnly: number[] = [];
    const all: AnyDelivery[] = [];
    hub.subscribe((delivery) => statusOnly.push(delivery.id));
    hub.subscribeAll((delivery) => all.push(delivery));
    hub.deliver(event(1));
    const anomaly: DeliveryAnomalyDetail = {
      anomalyId: 'country=44@2026-12-07T10:15:00.000Z',
      segment: { dimension: 'country', value: '44' },
      metric: 'delivery_rate',
      bucket: { start: '2026-12-07T10:15:00.000Z', end: '2026-12-07T10:30:00.000Z' },
      baseline: { value: 0.95, sample: 1300, buckets: 24 },
      observed: { value: 0.2, sample: 56, delivered: 11, failed: 45, bound: 0.5 },
    };
    hub.deliverAnomaly(anomaly);
    hub.deliver(event(2));
    expect(statusOnly).toEqual([1, 3]);
    expect(all.map((d) => [d.id, isAnomaly(d)])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(all[1]!.message).toMatchObject({ 'detail-type': ANOMALY_DETAIL_TYPE, detail: anomaly });
    expect(hub.replayAfter(1).deliveries.map((d) => d.id)).toEqual([2, 3]);
  });

  it('keeps delivering when one listener throws', () => {
    const hub = new EventHub();
    const seen: number[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    hub.subscribe(() => {
      throw new Error('broken listener');
    });
    hub.subscribe((delivery) => seen.push(delivery.id));
    hub.deliver(event(1));
    expect(seen).toEqual([1]);
    error.mockRestore();
  });
});

describe('checkpoint file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'checkpoint-'));
  const arn = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/1';

  it('is written on flush and read back by the next start', () => {
    const file = path.join(dir, 'a.json');
    const first = createCheckpoint({ streamArn: arn, file });
    first.advance('shard-1', '000000000000000000007');
    first.finish('shard-0');
    first.flush();
    const second = createCheckpoint({ streamArn: arn, file });
    expect(second.position('shard-1')).toBe('000000000000000000007');
    expect(second.isDone('shard-0')).toBe(true);
  });

  it('is written by itself shortly after a change', async () => {
    const file = path.join(dir, 'b.json');
    const checkpoint = createCheckpoint({ streamArn: arn, file, flushEveryMs: 20 });
    checkpoint.advance('shard-1', '000000000000000000003');
    await waitUntil(
      () => existsSync(file) && readFileSync(file, 'utf8').includes('000000000000000000003'),
      2_000,
      () => 'write',
    );
  });

  it('starts over for another stream, or a damaged file, and says so', () => {
    const problems: string[] = [];
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ streamArn: 'other', shards: { s: { sequenceNumber: '1' } } }));
    expect(
      createCheckpoint({ streamArn: arn, file, onProblem: (m) => problems.push(m) }).position('s'),
    ).toBeUndefined();
    writeFileSync(file, '{ not json');
    expect(
      createCheckpoint({ streamArn: arn, file, onProblem: (m) => problems.push(m) }).position('s'),
    ).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(/another stream/),
      expect.stringMatching(/not a checkpoint/),
    ]);
  });
});

describe('webhook', () => {
  let receiver: StandIn;
  let url: string;
  let answer = 204;
  const bodies: string[] = [];

  beforeAll(async () => {
    receiver = await startStandIn((request, response) => {
      bodies.push(request.body);
      response.writeHead(answer).end();
    });
    url = `${receiver.url}/hook`;
  });
  afterAll(() => receiver.close());

  const hub = new EventHub();
  const deliveries = (count: number): Delivery[] =>
    Array.from({ length: count }, (_, i) => hub.deliver(event(i + 1)));

  it('drops, and reports, what a full queue cannot take: memory stays bounded', () => {
    const dropped: string[] = [];
    // Nothing listens on port 9 (discard): every POST fails and stays queued.
    const webhook = startWebhook({
      url: 'http://127.0.0.1:9/',
      maxQueued: 5,
      onDrop: (_, reason) => dropped.push(reason),
    });
    for (const delivery of deliveries(8)) webhook.enqueue(delivery);
    expect(webhook.stats()).toMatchObject({ queued: 5, dropped: 3 });
    expect(dropped[0]).toMatch(/queue full \(5 events\)/);
    webhook.stop();
  });

  it('gives up on an event the receiver refuses (4xx), and goes on', async () => {
    answer = 400;
    const dropped: string[] = [];
    const webhook = startWebhook({ url, onDrop: (_, reason) => dropped.push(reason) });
    for (const delivery of deliveries(2)) webhook.enqueue(delivery);
    await waitUntil(
      () => dropped.length === 2,
      5_000,
      () => 'refusals',
    );
    expect(webhook.stats()).toMatchObject({ delivered: 0, dropped: 2, queued: 0, retries: 0 });
    expect(dropped[0]).toMatch(/refused/);
    webhook.stop();
    answer = 204;
  });

  it('posts the event JSON', async () => {
    const webhook = startWebhook({ url, onDrop: () => undefined });
    const [delivery] = deliveries(1);
    bodies.length = 0;
    webhook.enqueue(delivery!);
    await waitUntil(
      () => webhook.stats().delivered === 1,
      5_000,
      () => 'delivery',
    );
    expect(JSON.parse(bodies[0]!)).toEqual(delivery!.message);
    webhook.stop();
  });

  it.each([['not a url'], ['ftp://example.com/x'], ['']])('refuses EVENTS_WEBHOOK_URL %j', (raw) => {
    expect(webhookUrlProblem(raw)).toMatch(/must be an http\(s\) URL/);
  });
});
