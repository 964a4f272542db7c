/**
 * The reconciler: Twilio says status callbacks can be lost and asks users to poll messages that are not
 * final after 12 hours. This finds them through the sparse `pending` index, fetches each from Twilio's
 * Messages API and applies what it learns through the same apply-observation rule (source `poll`).
 *
 *   schedule --> each pending shard, oldest first --> fetch (bounded concurrency, 429 backoff)
 *            --> MessageStore.apply(poll observation) | markUnresolved past the horizon
 *
 * The index itself is the work list: a message leaves it only in the write that makes it final or marks
 * it unresolved, so a run that dies half way loses nothing and the next run picks up the rest.
 */
import type { StatusObservation } from '../domain/observation';
import { isFinal } from '../domain/lifecycle';
import { describeError } from '../domain/describe-error';
import { pendingShardNames } from '../domain/contract';
import { fetchWithBackoff, runBounded } from './message-fetch';
import {
  MessageNotFoundError,
  type FetchedMessage,
  type Log,
  type PageCursor,
  type PendingEntry,
  type ReconcilerStore,
} from './ports';

export interface ReconcilerDeps {
  store: ReconcilerStore;
  /** Twilio's view of a message, read from its own account (a subaccount's SID in the path) when known. */
  fetchMessage(messageSid: string, accountSid?: string): Promise<FetchedMessage>;
  shards: number;
  /** Poll messages not final for longer than this (hours, default 12). */
  minAgeHours?: number;
  /** Give up on messages still not final after this (hours, default 72): mark `unresolved`. */
  horizonHours?: number;
  /** Twilio requests in flight at once (default 8). */
  concurrency?: number;
  /** Stop starting new work when this returns false (the Lambda's remaining time). */
  hasTime?: () => boolean;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  logger?: Pick<Log, 'info' | 'warn'>;
}

export interface ReconcileReport {
  examined: number;
  polled: number;
  /** Became final through the poll. */
  resolved: number;
  /** Given up on (past the horizon), now marked `unresolved`. */
  unresolved: number;
  stillPending: number;
  errors: number;
  /** False when the run stopped early for lack of time; the next run continues. */
  complete: boolean;
}

const HOUR = 3_600_000;
const PAGE_SIZE = 100;

export async function reconcile(deps: ReconcilerDeps): Promise<ReconcileReport> {
  const now = (deps.now ?? (() => new Date()))();
  const minAge = (deps.minAgeHours ?? 12) * HOUR;
  const horizon = (deps.horizonHours ?? 72) * HOUR;
  const concurrency = Math.max(1, deps.concurrency ?? 8);
  const hasTime = deps.hasTime ?? (() => true);
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const olderThan = new Date(now.getTime() - minAge).toISOString();
  const horizonStart = new Date(now.getTime() - horizon).toISOString();
  const report: ReconcileReport = {
    examined: 0,
    polled: 0,
    resolved: 0,
    unresolved: 0,
    stillPending: 0,
    errors: 0,
    complete: true,
  };

  const fetchMessage = async (sid: string): Promise<FetchedMessage> =>
    // Twilio finds a subaccount's message only under that subaccount's path.
    fetchWithBackoff(deps.fetchMessage, sid, await deps.store.accountOf(sid), { hasTime, sleep });

  const handle = async (entry: PendingEntry): Promise<void> => {
    report.examined++;
    const pastHorizon = entry.pendingSince < horizonStart;
    try {
      let known = true;
      try {
        const message = await fetchMessage(entry.messageSid);
        report.polled++;
        const applied = await deps.store.apply(toObservation(message, now));
        if (applied.outcome === 'foreign') {
          // Twilio answered under another account than the item names: nothing was written.
          throw new Error(`Twilio reports account ${message.accountSid}, the item another`);
        }
        if (isFinal(message.status)) {
          report.resolved++;
          return;
        }
      } catch (error) {
        // Twilio no longer has the message: past the horizon it is given up on like an unfinished one.
        if (!(error instanceof MessageNotFoundError)) throw error;
        known = false;
      }
      // Only a message Twilio itself reports as unfinished (or no longer has) is ever given up on; one
      // that could not be polled stays pending, whatever its age.
      if (pastHorizon && (await deps.store.markUnresolved(entry.messageSid, now.toISOString()))) {
        report.unresolved++;
      } else {
        report.stillPending++;
        if (!known) report.errors++;
      }
    } catch (error) {
      report.errors++;
      report.stillPending++;
      deps.logger?.warn('reconciler could not reconcile a message; it stays pending', {
        messageSid: entry.messageSid,
        error: describeError(error).message,
      });
    }
  };

  // One page per shard in turn, so that a shard with more work than one run can do never starves the
  // others; every shard gets its share of each run.
  const cursors = pendingShardNames(deps.shards).map((shard) => ({
    shard,
    startKey: undefined as PageCursor | undefined,
    done: false,
  }));
  // Rotate the first shard between runs, so a run cut short does not always favour the low shards.
  const first = Math.floor(now.getTime() / HOUR) % deps.shards;
  const order = [...cursors.slice(first), ...cursors.slice(0, first)];
  while (order.some((c) => !c.done)) {
    for (const cursor of order) {
      if (cursor.done) continue;
      if (!hasTime()) {
        report.complete = false;
        deps.logger?.warn('reconcile run stopped for time; the next run continues', { ...report });
        return report;
      }
      const page = await deps.store.queryPending(cursor.shard, olderThan, PAGE_SIZE, cursor.startKey);
      cursor.startKey = page.nextKey;
      cursor.done = page.nextKey === undefined;
      await runBounded(page.entries, concurrency, handle, hasTime);
    }
  }
  if (!hasTime()) report.complete = false;
  deps.logger?.info('reconcile run finished', { ...report });
  return report;
}

export function toObservation(message: FetchedMessage, now: Date): StatusObservation {
  const observation: StatusObservation = {
    messageSid: message.sid,
    status: message.status.toLowerCase(),
    observedAt: now.toISOString(),
    source: 'poll',
  };
  if (message.errorCode !== undefined) observation.errorCode = message.errorCode;
  if (message.accountSid) observation.accountSid = message.accountSid;
  if (message.messagingServiceSid) observation.messagingServiceSid = message.messagingServiceSid;
  if (message.from) observation.from = message.from;
  if (message.to) observation.to = message.to;
  if (message.dateCreated) observation.createdAt = message.dateCreated;
  return observation;
}
