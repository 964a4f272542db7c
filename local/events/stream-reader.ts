/**
 * The local events consumer: reads the messages table's stream (DynamoDB Local's real Streams API) shard
 * by shard, in order, and runs the same use case as the stream consumer Lambda (publishStatusEvents) on
 * each page of records. What the Lambda gets from its event source mapping is done here by hand:
 *
 * - Shards: described every second (DESCRIBE_EVERY_MS); a child shard is read only once its parent was read to
 *   the end, so per message the order of the writes is kept across a shard split.
 * - Polling: a page with records is followed at once; when every shard is idle, the next poll is
 *   `idlePollMs` later, which bounds the write -> event delay.
 * - Position: moves past a record only after its event was delivered (checkpoint.ts), so a stop or a
 *   crash replays, never skips.
 * - Failures: a record the use case cannot handle is retried a few times; one that still fails (or
 *   cannot be read at all) goes to the failure path and the records after it go on. The Lambda does the
 *   same with bisect-on-error and its on-failure queue.
 */
import { changeRecordOf } from '../../lambda/adapters/primary/stream-records';
import { backoffMs } from '../../lambda/domain/backoff';
import { publishStatusEvents } from '../../lambda/use-cases/publish-status-events';
import type { ChangeRecord, EventPublisher } from '../../lambda/use-cases/ports';
import type { Checkpoint } from './checkpoint';
import { errorName, type StreamRecord, type StreamsApi, type StreamShard } from './streams-api';

export interface RecordFailure {
  shardId: string;
  /** The record's sequence number. */
  recordId: string;
  eventName?: string;
  messageSid?: string;
  error: string;
  at: string;
}

export interface ConsumerLogger {
  warn(message: string, extra?: object): void;
  error(message: string, extra?: object): void;
}

/** How often the stream's shards are described (new shards appear as the table's partitions split). */
const DESCRIBE_EVERY_MS = 1_000;
/** Tries of a record the publisher refuses before it goes to the failure path. */
const MAX_ATTEMPTS = 3;

export interface StreamConsumerOptions {
  api: StreamsApi;
  streamArn: string;
  publisher: EventPublisher;
  checkpoint: Checkpoint;
  logger: ConsumerLogger;
  onFailure: (failure: RecordFailure) => void;
  idlePollMs?: number;
}

/** Whether the consumer is reading: not stopped, its last round read the stream, and one ended lately. */
export type ConsumerHealth = { ok: true } | { ok: false; reason: string };

/** A round that has not ended for this long means the reader is stuck. */
const STALLED_AFTER_MS = 30_000;

export interface StreamConsumer {
  /** Liveness, for GET /health: down while the stream cannot be read, stopped, or stuck. */
  health(): ConsumerHealth;
  /** Resolves once everything read so far is handled and no shard has more right now. */
  caughtUp(): Promise<void>;
  /** Finishes the page in hand, writes the position, and stops. */
  stop(): Promise<void>;
}

interface ShardState {
  parentId?: string;
  iterator?: string;
}

export function startStreamConsumer(options: StreamConsumerOptions): StreamConsumer {
  const idlePollMs = options.idlePollMs ?? 100;
  const { api, checkpoint, logger } = options;
  const shards = new Map<string, ShardState>();
  let stopped = false;
  let wake: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  let lastDescribe = 0;
  /** Why the last round could not read the stream (all of it, or a shard); undefined when it could. */
  let failing: string | undefined;
  let roundProblem: string | undefined;
  let lastRoundAt = Date.now();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const describe = async () => {
    const found: StreamShard[] = [];
    let start: string | undefined;
    do {
      const page = await api.describeStream({ StreamArn: options.streamArn, ExclusiveStartShardId: start });
      found.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of found) {
      if (!shard.ShardId || shards.has(shard.ShardId) || checkpoint.isDone(shard.ShardId)) continue;
      shards.set(shard.ShardId, { parentId: shard.ParentShardId });
    }
    lastDescribe = Date.now();
  };

  // A shard is readable when its parent is finished or gone (trimmed, or never seen by this consumer).
  const readable = () =>
    [...shards.entries()].filter(
      ([, shard]) => !shard.parentId || !shards.has(shard.parentId) || checkpoint.isDone(shard.parentId),
    );

  const iteratorOf = async (shardId: string): Promise<string | undefined> => {
    const after = checkpoint.position(shardId);
    const answer = await api.getShardIterator({
      StreamArn: options.streamArn,
      ShardId: shardId,
      ...(after
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: after }
        : { ShardIteratorType: 'TRIM_HORIZON' as const }),
    });
    return answer.ShardIterator;
  };

  /** Reads one page of a shard; answers how many records it held. */
  const poll = async (shardId: string, shard: ShardState): Promise<number> => {
    shard.iterator ??= await iteratorOf(shardId);
    if (!shard.iterator) return finish(shardId);
    const page = await api.getRecords({ ShardIterator: shard.iterator, Limit: 1000 });
    const records = page.Records ?? [];
    await handle(shardId, records);
    shard.iterator = page.NextShardIterator;
    if (!shard.iterator) finish(shardId);
    return records.length;
  };

  const finish = (shardId: string) => {
    checkpoint.finish(shardId);
    shards.delete(shardId);
    return 0;
  };

  const handle = async (shardId: string, page: readonly StreamRecord[]) => {
    let remaining = page.map(sourcedRecordOf);
    for (let attempt = 1; remaining.length > 0 && !stopped;) {
      const report = await publishStatusEvents(remaining, { publisher: options.publisher, logger });
      const failedIndex = report.failedAt ? remaining.findIndex((r) => r.id === report.failedAt) : -1;
      const handled = failedIndex < 0 ? remaining.length : failedIndex;
      if (handled > 0) {
        advance(shardId, remaining.slice(0, handled));
        remaining = remaining.slice(handled);
        attempt = 1;
        continue;
      }
      const first = remaining[0]!;
      const unreadable = readError(first);
      if (unreadable === undefined && attempt < MAX_ATTEMPTS) {
        await pause(backoffMs(attempt++, { baseMs: 100, maxMs: 1_000 }));
        continue;
      }
      options.onFailure({
        shardId,
        recordId: first.id,
        eventName: first.raw.eventName,
        messageSid: first.raw.dynamodb?.Keys?.messageSid?.S,
        error: unreadable ?? `events not accepted after ${attempt} attempts`,
        at: new Date().toISOString(),
      });
      advance(shardId, [first]);
      remaining = remaining.slice(1);
      attempt = 1;
    }
  };

  // Only a real sequence number can be resumed after (a record without one still counts as handled).
  const advance = (shardId: string, handled: readonly SourcedRecord[]) => {
    const resumable = handled.filter((record) => record.raw.dynamodb?.SequenceNumber !== undefined);
    const last = resumable[resumable.length - 1];
    if (last) checkpoint.advance(shardId, last.id);
  };

  const step = async (): Promise<number> => {
    roundProblem = undefined;
    if (Date.now() - lastDescribe >= DESCRIBE_EVERY_MS || shards.size === 0) await describe();
    let read = 0;
    for (const [shardId, shard] of readable()) {
      if (stopped) break;
      try {
        read += await poll(shardId, shard);
      } catch (error) {
        read += await recover(shardId, shard, error);
      }
    }
    return read;
  };

  // Iterators expire (15 minutes) and records are trimmed (24 hours): start the shard again from the
  // position or, when that is gone, from its oldest record. Anything else: log and try again later.
  const recover = async (shardId: string, shard: ShardState, error: unknown): Promise<number> => {
    const name = errorName(error);
    shard.iterator = undefined;
    if (name === 'TrimmedDataAccessException') checkpoint.reset(shardId);
    else if (name === 'ResourceNotFoundException') finish(shardId);
    else if (name !== 'ExpiredIteratorException') {
      logger.warn('reading the stream failed; trying again', { shardId, error: String(error) });
      roundProblem = `reading shard ${shardId} failed: ${String(error)}`;
      await pause(500);
    }
    return 0;
  };

  const loop = (async () => {
    while (!stopped) {
      // Only a round that started after caughtUp() was asked can answer it.
      const waiting = idleWaiters.splice(0);
      let read = 0;
      try {
        read = await step();
        failing = roundProblem;
        lastRoundAt = Date.now();
      } catch (error) {
        // Describing the stream failed (DynamoDB unreachable, say): nothing moved, so try again later.
        logger.warn('reading the stream failed; trying again', { error: String(error) });
        failing = `describing the stream failed: ${String(error)}`;
        lastRoundAt = Date.now();
        idleWaiters.unshift(...waiting);
        await pause(500);
        continue;
      }
      if (read > 0) idleWaiters.unshift(...waiting);
      else {
        for (const resolve of waiting) resolve();
        if (!stopped) await pause(idlePollMs);
      }
    }
  })();

  return {
    health: () => {
      if (stopped) return { ok: false, reason: 'stopped' };
      if (failing !== undefined) return { ok: false, reason: failing };
      const since = Date.now() - lastRoundAt;
      if (since > STALLED_AFTER_MS)
        return { ok: false, reason: `no read of the stream ended for ${Math.round(since / 1000)} s` };
      return { ok: true };
    },
    caughtUp: () => new Promise<void>((resolve) => idleWaiters.push(resolve)),
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      checkpoint.flush();
      for (const resolve of idleWaiters.splice(0)) resolve();
      idleWaiters = [];
    },
  };
}

type SourcedRecord = ChangeRecord & { raw: StreamRecord };

/** The use case's view of a stream record (lambda/adapters/primary/stream-records.ts), with the record kept. */
export function sourcedRecordOf(raw: StreamRecord): SourcedRecord {
  return {
    ...changeRecordOf(raw.dynamodb, `(no sequence number: ${raw.eventID ?? 'unknown record'})`),
    raw,
  };
}

function readError(record: ChangeRecord): string | undefined {
  try {
    record.images();
    return undefined;
  } catch (error) {
    return `unreadable record: ${error instanceof Error ? error.message : String(error)}`;
  }
}
