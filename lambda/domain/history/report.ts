/**
 * What the history report answers: `npm run report -- --json` prints it, `GET /history/report` on
 * `npm start` serves it (the console draws its charts from it), and a deployed stack's Athena named
 * queries compute the same figures. The window is the rows whose status time falls in [since, until).
 */
export interface HistoryReport {
  window: { since: string; until: string };
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
