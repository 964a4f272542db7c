/** The delivery funnel of a history report, as the charts draw it. */
import type { HistoryReport } from '../lambda/domain/history/report';
import { FAILURE_STATUSES, KNOWN_STATUSES, rankOf } from '../lambda/domain/lifecycle';

/**
 * Messages that reached each status over the window's days: the way to delivery in lifecycle order,
 * then the failures.
 */
export function funnelOf(report: HistoryReport): Array<[status: string, messages: number]> {
  const totals = new Map<string, number>();
  for (const day of report.funnel)
    for (const [status, count] of Object.entries(day.statuses))
      totals.set(status, (totals.get(status) ?? 0) + count);
  const order = (s: string) =>
    (FAILURE_STATUSES.includes(s) ? 1000 : 0) + (rankOf(s) ?? 99) * 10 + KNOWN_STATUSES.indexOf(s as never);
  return [...totals].sort(([a], [b]) => order(a) - order(b));
}
