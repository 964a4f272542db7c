/** The overall delivery rate per bucket of a history report, as the line chart draws it. */
import type { HistoryReport } from '../lambda/domain/history/report';

/** The over-time query whose rows the line is drawn from (each message has exactly one channel). */
export const DELIVERY_RATE_OVER_TIME = 'delivery-rate-by-channel-over-time';

export interface RatePoint {
  /** The bucket's start, `YYYY-MM-DDTHH:MM:SSZ`. */
  bucket: string;
  messages: number;
  delivered: number;
  /** Delivered / messages of the bucket, 0..1. */
  rate: number;
}

/**
 * Per bucket, in time order: messages first seen in it (every channel summed) and the share that
 * ended delivered. Buckets without a message have no point.
 */
export function deliveryRateOverTime(report: HistoryReport): RatePoint[] {
  const buckets = new Map<string, { messages: number; delivered: number }>();
  for (const row of report.queries[DELIVERY_RATE_OVER_TIME] ?? []) {
    const bucket = String(row.bucket);
    const sum = buckets.get(bucket) ?? { messages: 0, delivered: 0 };
    sum.messages += Number(row.messages ?? 0);
    sum.delivered += Number(row.delivered ?? 0);
    buckets.set(bucket, sum);
  }
  return [...buckets]
    .filter(([, { messages }]) => messages > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([bucket, { messages, delivered }]) => ({
      bucket,
      messages,
      delivered,
      rate: delivered / messages,
    }));
}
