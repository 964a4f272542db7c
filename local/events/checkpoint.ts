/**
 * Where the events consumer stands in the table's stream: per shard, the sequence number of the last
 * record it handled, and which shards it read to the end. Always kept in memory; with a file (npm start
 * --persist) also written there, so a restart resumes with AFTER_SEQUENCE_NUMBER instead of replaying
 * the stream or skipping what was written while it was down.
 *
 * The file is written at most every `flushEveryMs` and on stop, atomically (temporary file, then
 * rename), so a kill leaves the previous or the new position, never a torn one. A kill loses at most the
 * last interval's progress: those records are read and delivered again (events are at least once, and
 * consumers dedupe by eventId), never skipped, because the position only moves past a record after its
 * event was delivered.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CheckpointState {
  /** The stream the positions belong to: a re-created table or re-enabled stream starts over. */
  streamArn: string;
  shards: Record<string, { sequenceNumber?: string; done?: boolean }>;
}

export interface Checkpoint {
  /** The last handled sequence number of a shard, if any. */
  position(shardId: string): string | undefined;
  isDone(shardId: string): boolean;
  advance(shardId: string, sequenceNumber: string): void;
  /** The shard was read to its end (it is closed): its children may be read now. */
  finish(shardId: string): void;
  /** Forgets a shard's position (its records were trimmed): it is read again from its oldest record. */
  reset(shardId: string): void;
  /** Writes the position now, if there is a file. */
  flush(): void;
}

export interface CheckpointOptions {
  streamArn: string;
  /** Keep the position in this file too (created if absent). */
  file?: string;
  flushEveryMs?: number;
  /** Told when a file cannot be read or written (the consumer goes on from memory). */
  onProblem?: (message: string) => void;
}

export function createCheckpoint(options: CheckpointOptions): Checkpoint {
  const state: CheckpointState = { streamArn: options.streamArn, shards: {} };
  const stored = options.file ? readState(options.file, options.onProblem) : undefined;
  if (stored) {
    if (stored.streamArn === options.streamArn) state.shards = stored.shards;
    else options.onProblem?.(`${options.file} is for another stream; reading this one from its start`);
  }
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  const flushEveryMs = options.flushEveryMs ?? 200;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!options.file || !dirty) return;
    dirty = false;
    try {
      mkdirSync(path.dirname(options.file), { recursive: true });
      const temporary = `${options.file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
      renameSync(temporary, options.file);
    } catch (error) {
      dirty = true;
      options.onProblem?.(`cannot write ${options.file}: ${(error as Error).message}`);
    }
  };
  const changed = () => {
    dirty = true;
    if (options.file && !timer) {
      timer = setTimeout(flush, flushEveryMs);
      // A pending write never keeps the process alive; stop() flushes.
      timer.unref();
    }
  };
  const shard = (shardId: string) => (state.shards[shardId] ??= {});

  return {
    position: (shardId) => state.shards[shardId]?.sequenceNumber,
    isDone: (shardId) => state.shards[shardId]?.done === true,
    advance: (shardId, sequenceNumber) => {
      shard(shardId).sequenceNumber = sequenceNumber;
      changed();
    },
    finish: (shardId) => {
      shard(shardId).done = true;
      changed();
    },
    reset: (shardId) => {
      delete state.shards[shardId];
      changed();
    },
    flush,
  };
}

function readState(file: string, onProblem?: (message: string) => void): CheckpointState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') onProblem?.(`cannot read ${file}`);
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CheckpointState>;
    if (typeof parsed.streamArn === 'string' && parsed.shards && typeof parsed.shards === 'object') {
      return { streamArn: parsed.streamArn, shards: parsed.shards };
    }
  } catch {
    // Reported below: a damaged file means reading from the stream's start, never guessing a position.
  }
  onProblem?.(`${file} is not a checkpoint; reading the stream from its start`);
  return undefined;
}
