/**
 * Events: how long from a status write to its event delivered on GET /events (SSE), under load, and how
 * many events a message gives. Baseline in the same run, on the same writes: a bare reader of the same
 * DynamoDB Local stream (GetRecords in a loop, the same idle pause as the consumer, no use case, no SSE),
 * so the difference is what the consumer, the use case and the SSE delivery add to the stream itself.
 *
 * The writes are a realistic callback stream (out of order, duplicated; bench/support/callback-stream.ts)
 * sent through the local server at a fixed concurrency. A write's time is when the handler had it (the
 * endpoint's onCallback, right after the UpdateItem returned; not the HTTP answer, which queues under
 * load); its event's, when the SSE client read it. Everything runs in this one process.
 */
import { createStreamsApi, type StreamsApi } from '../local/events/streams-api';
import { subscribeEvents, waitUntil } from '../local/events/sse-client';
import { sourcedRecordOf } from '../local/events/stream-reader';
import { statusChangeOf } from '../lambda/domain/status-event';
import { ensureMessagesTable } from '../local/dynamodb-local';
import { startLocalPipeline } from '../local/pipeline';
import { buildRealisticStream, runLanes, signParams } from './support/callback-stream';
import type { BenchDynamoDb } from './support/dynamodb';
import { markdownTable, ms, percentile, perSecond, type BenchmarkReport } from './support/stats';

const TOKEN = 'bench-events-token-0123456789';
/** The consumer's pause when the stream is idle (its default), used by the baseline reader too. */
const IDLE_POLL_MS = 100;
const RUN_LIMIT_MS = 300_000;

export interface EventsBenchOptions {
  dynamo: BenchDynamoDb;
  messages: number;
  concurrency: number;
  seed: number;
}

export async function runEventsBenchmark(options: EventsBenchOptions): Promise<BenchmarkReport> {
  const tableName = await options.dynamo.createTable('events');
  const streamArn = await ensureMessagesTable(options.dynamo.endpoint, tableName);
  const stream = buildRealisticStream({ messages: options.messages, seed: options.seed });
  const writtenAt = new Map<string, number>();
  const pipeline = await startLocalPipeline({
    port: 0,
    authToken: TOKEN,
    dynamodbEndpoint: options.dynamo.endpoint,
    tableName,
    twilio: false,
    logLevel: 'ERROR',
    events: { ringSize: stream.callbacks, idlePollMs: IDLE_POLL_MS },
    onCallback: (result) => {
      if (result.kind !== 'applied' || result.result.outcome !== 'advanced') return;
      writtenAt.set(`${result.observation.messageSid}:${result.observation.status}`, Date.now());
    },
  });
  const sse = await subscribeEvents(pipeline.url);
  const api = createStreamsApi(options.dynamo.endpoint);
  const raw = startRawReader(api, streamArn);
  const url = `${pipeline.url}/message-status`;
  try {
    const started = Date.now();
    await runLanes(
      stream.lanes,
      options.concurrency,
      async (callback) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signParams(TOKEN, url, callback.params),
          },
          body: new URLSearchParams(callback.params).toString(),
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`callback answered ${response.status}`);
      },
      RUN_LIMIT_MS,
    );
    const sentSeconds = (Date.now() - started) / 1000;
    const expected = pipeline.counts.advanced;
    await sse.until((events) => events.length >= expected, 30_000);
    await waitUntil(
      () => raw.seen.size >= expected,
      30_000,
      () => 'baseline stream reader',
    );

    const eventLatency = sse.events.map((e) => e.receivedAt - writtenAt.get(e.message.detail.eventId)!);
    const rawLatency = [...raw.seen].map(([key, at]) => at - writtenAt.get(key)!);
    const within2s = eventLatency.filter((latency) => latency <= 2_000).length / eventLatency.length;
    const row = (name: string, values: number[]) => [
      name,
      String(values.length),
      ms(percentile(values, 50), 0),
      ms(percentile(values, 99), 0),
      ms(Math.max(...values), 0),
    ];
    const table = markdownTable(
      ['write -> seen', 'writes', 'p50', 'p99', 'max'],
      [
        row(`baseline: bare GetRecords loop on the stream (${IDLE_POLL_MS} ms idle pause)`, rawLatency),
        row('event delivered on GET /events (consumer, use case, SSE)', eventLatency),
      ],
    );
    const perMessage = sse.events.length / options.messages;
    return {
      title: 'Status-change events: write -> event latency under load',
      table,
      notes: [
        `${options.messages} messages, ${stream.callbacks} callbacks (${stream.reordered} out of order, ${stream.duplicates} duplicates) at concurrency ${options.concurrency}: ${perSecond(stream.callbacks / sentSeconds)} callbacks`,
        `events ${sse.events.length}: ${perMessage.toFixed(2)} per message, ${(stream.callbacks / options.messages).toFixed(2)} callbacks per message; one per write that moved the status (${expected}), none for stale or duplicate callbacks`,
        `events within 2 s of their write: ${(within2s * 100).toFixed(1)}%; added over the bare stream read at p50: ${ms(percentile(eventLatency, 50) - percentile(rawLatency, 50), 0)}`,
      ],
      figures: {
        messages: options.messages,
        callbacks: stream.callbacks,
        events: sse.events.length,
        eventsPerMessage: perMessage,
        eventP50Ms: percentile(eventLatency, 50),
        eventP99Ms: percentile(eventLatency, 99),
        rawP50Ms: percentile(rawLatency, 50),
        rawP99Ms: percentile(rawLatency, 99),
        within2s,
      },
    };
  } finally {
    sse.close();
    await raw.stop();
    api.close();
    await pipeline.stop();
  }
}

/** The baseline: reads the stream and notes when each status change is first visible. */
function startRawReader(api: StreamsApi, streamArn: string) {
  const seen = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    const description = await api.describeStream({ StreamArn: streamArn });
    const iterators = await Promise.all(
      (description.StreamDescription?.Shards ?? []).map(async (shard) => {
        const answer = await api.getShardIterator({
          StreamArn: streamArn,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        });
        return answer.ShardIterator;
      }),
    );
    while (!stopped) {
      let read = 0;
      for (let i = 0; i < iterators.length; i++) {
        if (!iterators[i]) continue;
        const page = await api.getRecords({ ShardIterator: iterators[i]!, Limit: 1000 });
        const now = Date.now();
        for (const record of page.Records ?? []) {
          const { before, after } = sourcedRecordOf(record).images();
          const change = statusChangeOf(before, after);
          if (change && !seen.has(change.detail.eventId)) seen.set(change.detail.eventId, now);
        }
        read += page.Records?.length ?? 0;
        iterators[i] = page.NextShardIterator;
      }
      if (read === 0) await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    }
  })();
  return {
    seen,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
