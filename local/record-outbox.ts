/**
 * The local sender's outbox: a JSON-lines file of records the store could not take after Twilio had
 * accepted the message (DynamoDB Local stopped in between), written to the store once it answers again.
 * The Lambda sender keeps them on the send queue instead (lambda/adapters/secondary/send-queue-outbox.ts).
 *
 * The file lives next to DynamoDB Local's data (`npm start -- --persist`), so it is exactly as durable as
 * the records it completes; one process appends and drains it, one step at a time.
 */
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { deferredObservationOf, deferredRecordBody } from '../lambda/domain/deferred-record';
import type { StatusObservation } from '../lambda/domain/observation';
import type { Log, RecordOutbox } from '../lambda/use-cases/ports';

export interface FileOutbox extends RecordOutbox {
  readonly path: string;
  /** Writes every kept record it can; keeps the rest for the next drain. Returns how many remain. */
  drain(): Promise<number>;
  stop(): void;
}

export function startFileOutbox(options: {
  path: string;
  /** Writes one kept record (the sender's recordDeferred); throws while the store cannot take it. */
  write: (observation: StatusObservation) => Promise<unknown>;
  logger: Log;
  /** How often a non-empty outbox is drained. Default 2 s. */
  everyMs?: number;
}): FileOutbox {
  const { path, logger } = options;
  // put and drain run one after the other, so a record appended mid-drain is never overwritten.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step);
    queue = next.catch(() => undefined);
    return next;
  };
  let waiting = 0;

  const drainNow = async (): Promise<number> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return 0;
    }
    const remaining: string[] = [];
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      const observation = parse(line);
      if (observation === undefined) {
        logger.error('outbox line dropped: not a record the sender wrote', { line: line.slice(0, 200) });
        continue;
      }
      try {
        await options.write(observation);
        logger.info('deferred record written', { messageSid: observation.messageSid });
      } catch {
        remaining.push(line);
      }
    }
    await writeFile(`${path}.tmp`, remaining.map((l) => `${l}\n`).join(''));
    await rename(`${path}.tmp`, path);
    waiting = remaining.length;
    return waiting;
  };

  const timer = setInterval(() => {
    if (waiting > 0) void serial(drainNow).catch(() => undefined);
  }, options.everyMs ?? 2000);
  timer.unref();
  // Records kept by an earlier run over the same data.
  void serial(drainNow).catch(() => undefined);

  return {
    path,
    put: (observation) =>
      serial(async () => {
        await appendFile(path, `${deferredRecordBody(observation)}\n`);
        waiting++;
      }),
    drain: () => serial(drainNow),
    stop: () => clearInterval(timer),
  };
}

function parse(line: string): StatusObservation | undefined {
  try {
    const parsed = deferredObservationOf(JSON.parse(line));
    return parsed.ok ? parsed.observation : undefined;
  } catch {
    return undefined;
  }
}
