/**
 * The window of a history query: which rows it reads ([since, until) of their status time, or the last
 * n days), the first partition to read, and the buckets of the time series.
 */
import { isoInstantMs } from '../instant';
import { HISTORY_PARTITION } from './columns';
import type { Dialect } from './dialect';

export class HistoryQueryError extends Error {}

/**
 * The buckets of the time series (the `-over-time` queries): UTC hours or UTC days. Other queries
 * ignore it. Default: `day`, what the saved Athena queries (30 days) use.
 */
export type HistoryGranularity = 'hour' | 'day';
export const HISTORY_GRANULARITIES: readonly HistoryGranularity[] = ['hour', 'day'];
export const DEFAULT_GRANULARITY: HistoryGranularity = 'day';
export const BUCKET_MS: Readonly<Record<HistoryGranularity, number>> = { hour: 3_600_000, day: 86_400_000 };
/**
 * The rows whose status time falls in [since, until) (ISO instants), or in the last n days up to now;
 * the time series in buckets of `granularity`.
 */
export type HistoryWindow = ({ since: string; until: string } | { lastDays: number }) & {
  granularity?: HistoryGranularity;
};

export const DAY_MS = 86_400_000;
/** The most `lastDays` accepts: ten years, far beyond any retention. */
export const MAX_LAST_DAYS = 3660;

/** The time a row counts at: its status time, else (an event without one) when it was recorded. */
export const ROW_TIME = 'coalesce(status_at_ms, recorded_at_ms)';

/** The window of a report: [since, until) as ISO instants, and the buckets of its time series. */
export interface ReportWindow {
  since: string;
  until: string;
  granularity: HistoryGranularity;
}

/**
 * The window a report asks for, as instants: `since` an ISO instant, a UTC day or `Nd` (the last N days
 * before `until`; default 7d), `until` an ISO instant or day (default now), `granularity` hour or day
 * (default day). Errors name the parameter.
 */
export function reportWindowOf(
  input: { since?: string; until?: string; granularity?: string },
  nowMs: number,
): ReportWindow {
  const granularity = input.granularity ?? DEFAULT_GRANULARITY;
  if (!HISTORY_GRANULARITIES.includes(granularity as HistoryGranularity))
    throw new HistoryQueryError(
      `granularity must be ${HISTORY_GRANULARITIES.join(' or ')}, got "${granularity}"`,
    );
  const until = input.until === undefined ? nowMs : instantMs(input.until, 'until');
  const since = input.since ?? '7d';
  const days = /^(\d+)d$/.exec(since);
  let sinceMs: number;
  if (days) {
    const n = Number(days[1]);
    if (n < 1 || n > MAX_LAST_DAYS)
      throw new HistoryQueryError(`since must be from 1d to ${MAX_LAST_DAYS}d, got "${since}"`);
    sinceMs = until - n * DAY_MS;
  } else {
    sinceMs = instantMs(since, 'since', ', or 7d for the last 7 days');
  }
  if (sinceMs >= until)
    throw new HistoryQueryError(`since (${since}) must be before until (${new Date(until).toISOString()})`);
  return {
    since: new Date(sinceMs).toISOString(),
    until: new Date(until).toISOString(),
    granularity: granularity as HistoryGranularity,
  };
}

/** `WITH w AS (the rows of source in the window)`: the start of every history query. */
export function windowRowsSql(source: string, window: HistoryWindow, d: Dialect): string {
  const bounds = windowBounds(window, d);
  return `WITH w AS (
  SELECT *
  FROM ${source}
  WHERE ${HISTORY_PARTITION} >= ${bounds.sinceDay}
    AND ${ROW_TIME} >= ${bounds.sinceMs}
    AND ${ROW_TIME} < ${bounds.untilMs}
)`;
}

/**
 * The window as SQL: `since`/`until` as epoch-ms bounds and the first partition to read. A row is
 * recorded after its status time, and partitions are the day recorded; but Firehose names an object's
 * folder by the arrival of the oldest row in it, so a row recorded just after midnight (UTC) can sit in
 * the previous day's folder. The first partition read is therefore the day before `since`'s: one more
 * day scanned, no row of the window missed.
 */
function windowBounds(
  window: HistoryWindow,
  d: Dialect,
): { sinceMs: string; untilMs: string; sinceDay: string } {
  if ('lastDays' in window) {
    const days = window.lastDays;
    if (!Number.isInteger(days) || days < 1 || days > MAX_LAST_DAYS)
      throw new HistoryQueryError(`lastDays must be a whole number from 1 to ${MAX_LAST_DAYS}, got ${days}`);
    const sinceMs = `(${d.nowMs} - ${days * DAY_MS})`;
    return { sinceMs, untilMs: d.nowMs, sinceDay: d.dayOfMs(`(${sinceMs} - ${DAY_MS})`) };
  }
  const since = instantMs(window.since, 'since');
  const until = instantMs(window.until, 'until');
  if (since >= until)
    throw new HistoryQueryError(`since (${window.since}) must be before until (${window.until})`);
  return {
    sinceMs: String(since),
    untilMs: String(until),
    sinceDay: `'${new Date(since - DAY_MS).toISOString().slice(0, 10)}'`,
  };
}

/** An ISO 8601 instant with a time zone (`2026-01-02T03:04:05Z`) or a UTC day (`2026-01-02`), as epoch ms. */
function instantMs(value: string, name: string, alsoAccepted = ''): number {
  const ms = isoInstantMs(value);
  if (ms === undefined)
    throw new HistoryQueryError(
      `${name} must be an ISO 8601 instant such as 2026-01-02T00:00:00Z (or a UTC day, 2026-01-02${alsoAccepted}), got "${value}"`,
    );
  return ms;
}
