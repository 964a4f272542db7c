/**
 * What the history report answers: `npm run report -- --json` prints it, `GET /history/report` on
 * `npm start` serves it (the console draws its charts from it), and a deployed stack's Athena named
 * queries compute the same figures. The window is the rows whose status time falls in [since, until).
 */
import { DEFAULT_GRANULARITY } from './queries';

export interface HistoryReport {
  /** The window; `granularity` (hour or day) is the bucket of the `-over-time` queries' rows. */
  window: { since: string; until: string; granularity?: 'hour' | 'day' };
  /** Distinct messages with at least one status-change row in the window. */
  messages: number;
  /** Status -> messages whose highest-rank row in the window has it (non-final statuses included). */
  finalStatus: Record<string, number>;
  /** Twilio error code -> messages that carried it in the window. */
  errorCodes: Record<string, number>;
  /**
   * From `sent` to `delivered`, over messages with both in the window; statuses learnt by polling are
   * left out (their time is the poll's, not Twilio's). Null figures when no message qualifies.
   */
  deliveryLatencyMs: { p50: number | null; p90: number | null; p99: number | null; messages: number };
  /** Delivery funnel per day (UTC): day -> status -> messages that reached it that day. */
  funnel: Array<{ day: string; statuses: Record<string, number> }>;
  /** Every named query's rows, by the query's name (the same names as the Athena named queries). */
  queries: Record<string, Array<Record<string, string | number | boolean | null>>>;
}

export type HistoryQueryValue = string | number | boolean | null;
export type HistoryQueryRows = Array<Record<string, HistoryQueryValue>>;

/**
 * The report from the named queries' rows (lambda/domain/history/queries.ts), whichever engine ran them:
 * `summary`, `final-status`, `failures-by-error-code`, `delivery-latency` and `delivery-funnel-per-day`
 * give the figures; every query's rows are kept under its name.
 */
export function historyReportOf(
  window: HistoryReport['window'],
  queries: Record<string, HistoryQueryRows>,
): HistoryReport {
  const rows = (name: string) => queries[name] ?? [];
  const count = (value: HistoryQueryValue | undefined) => Number(value ?? 0);
  const figure = (value: HistoryQueryValue | undefined) =>
    value === null || value === undefined ? null : Number(value);
  const latency = rows('delivery-latency')[0] ?? {};
  const funnel = new Map<string, Record<string, number>>();
  for (const row of rows('delivery-funnel-per-day')) {
    const day = String(row.day);
    const statuses = funnel.get(day) ?? {};
    statuses[String(row.status)] = count(row.messages);
    funnel.set(day, statuses);
  }
  return {
    window: { ...window, granularity: window.granularity ?? DEFAULT_GRANULARITY },
    messages: count(rows('summary')[0]?.messages),
    finalStatus: Object.fromEntries(rows('final-status').map((r) => [String(r.status), count(r.messages)])),
    errorCodes: Object.fromEntries(
      rows('failures-by-error-code').map((r) => [String(r.error_code), count(r.messages)]),
    ),
    deliveryLatencyMs: {
      p50: figure(latency.p50_ms),
      p90: figure(latency.p90_ms),
      p99: figure(latency.p99_ms),
      messages: count(latency.messages),
    },
    funnel: [...funnel].map(([day, statuses]) => ({ day, statuses })),
    queries,
  };
}
