/**
 * Turns the table's change records into status-change events and hands them to a publisher, keeping the
 * records' order: the stream consumer Lambda (EventBridge) and `npm start` (console, SSE, webhook) run
 * this same code over the same DynamoDB Streams records.
 *
 * Rules a caller can rely on:
 * - Records are taken in order; events leave in that order, in chunks the publisher accepts at once.
 *   A chunk holds at most one event per message, so a message's next event is sent only once the one
 *   before it was accepted: per message, events leave the tracker strictly in order even when some
 *   entries of a chunk are refused (one PutEvents request promises no order among its entries).
 * - A chunk entry the publisher refuses is retried (bounded, with backoff); nothing is dropped silently.
 * - When a record cannot be handled (its event still refused after the retries, or the record itself is
 *   unreadable), processing stops there and the answer names that record: everything before it was
 *   published, it and everything after it must be delivered again (the Lambda reports it as the first
 *   batch item failure, so per message the order is kept). Events are at least once: consumers dedupe by
 *   `eventId`.
 */
import { backoffMs } from '../domain/backoff';
import { statusChangeOf, type StatusChangeEvent } from '../domain/status-event';
import type { ChangeRecord, EventPublisher, Log } from './ports';

export interface PublishDeps {
  publisher: EventPublisher;
  logger: Pick<Log, 'warn' | 'error'>;
  /** Attempts per chunk, the first included. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface PublishReport {
  /** Events accepted by the publisher. */
  published: number;
  /** Records that were no status change (stale, duplicate, record-only writes, removals). */
  skipped: number;
  /** The first record not handled: it and every later record must be delivered again. */
  failedAt?: string;
}

export async function publishStatusEvents(
  records: readonly ChangeRecord[],
  deps: PublishDeps,
): Promise<PublishReport> {
  const maxAttempts = deps.maxAttempts ?? 4;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const report: PublishReport = { published: 0, skipped: 0 };
  let pending: { id: string; event: StatusChangeEvent }[] = [];

  // Sends what is pending; answers the id of the first record whose event was not accepted, if any.
  const flush = async (): Promise<string | undefined> => {
    let chunk = pending;
    pending = [];
    for (let attempt = 1; chunk.length > 0; attempt++) {
      const { failed } = await deps.publisher.put(chunk.map((entry) => entry.event));
      report.published += chunk.length - failed.length;
      if (failed.length === 0) return undefined;
      const refused = [...failed].sort((a, b) => a - b).map((index) => chunk[index]!);
      if (attempt >= maxAttempts) {
        deps.logger.error('events not accepted after retries; the records will be delivered again', {
          attempts: attempt,
          refused: refused.length,
          firstRecord: refused[0]!.id,
        });
        return refused[0]!.id;
      }
      deps.logger.warn('some events were not accepted; retrying them', { attempt, refused: refused.length });
      await sleep(backoffMs(attempt, { baseMs: 100, maxMs: 2_000 }, { random: deps.random }));
      chunk = refused;
    }
    return undefined;
  };

  for (const record of records) {
    let event: StatusChangeEvent | undefined;
    try {
      const { before, after } = record.images();
      event = statusChangeOf(before, after);
    } catch (error) {
      deps.logger.error('stream record cannot be read; it goes to the failure path', {
        record: record.id,
        error: error instanceof Error ? error.message : String(error),
      });
      const refused = await flush();
      report.failedAt = refused ?? record.id;
      return report;
    }
    if (!event) {
      report.skipped++;
      continue;
    }
    if (pending.some((entry) => entry.event.detail.messageSid === event.detail.messageSid)) {
      const refused = await flush();
      if (refused) return { ...report, failedAt: refused };
    }
    pending.push({ id: record.id, event });
    if (pending.length >= deps.publisher.maxBatch) {
      const refused = await flush();
      if (refused) return { ...report, failedAt: refused };
    }
  }
  const refused = await flush();
  return refused ? { ...report, failedAt: refused } : report;
}
