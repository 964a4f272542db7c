/**
 * Instants as the APIs take them: `YYYY-MM-DD` (midnight UTC), or a date with a time and a zone (`Z` or
 * an offset). One parser for the list API and the history report, so both refuse the same texts.
 * Pure: no I/O.
 */

/** `YYYY-MM-DD`, optionally with a time and then a zone (an instant needs one: Z or an offset). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Whether the text's leading `YYYY-MM-DD` names a day of the calendar: Date.parse would roll 2026-02-30
 * over to March 2 instead of refusing it.
 */
export function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The epoch milliseconds an ISO 8601 day or instant names; undefined for anything else. */
export function isoInstantMs(value: string): number | undefined {
  if (!ISO_8601.test(value) || !isCalendarDate(value)) return undefined;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? undefined : ms;
}
