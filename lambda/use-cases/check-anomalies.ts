/**
 * The delivery-anomaly check of one run of the scheduled Lambda: the latest settled bucket, judged from
 * the `anomaly-cells` query (the same SQL the local monitor runs on DuckDB, here in Athena's dialect)
 * by the same domain code (domain/history/anomaly.ts); every anomaly whose episode opens at that bucket
 * is put on the bus. Runs keep no state: a run repeated for the same bucket gives the same `anomalyId`s.
 * A run that missed its schedule does not judge the bucket it missed (the local monitor's start does the
 * same): the schedule is every bucket, and EventBridge retries a failed invocation.
 */
import {
  ANOMALY_SETTLE_MS,
  anomalyCellsOf,
  anomalyWindow,
  DEFAULT_ANOMALY_SETTINGS,
  deliveryAnomalies,
  lastSettledBucket,
  overallDeliveryRate,
  type AnomalySettings,
  type DeliveryAnomalyDetail,
} from '../domain/history/anomaly';
import { anomalyCellsSql } from '../domain/history/anomaly-cells';
import type { AnomalyPublisher, HistoryQuery } from './ports';

export interface AnomalyCheckDeps {
  query: HistoryQuery;
  /** The history table, qualified for Athena: `"db"."table"`. */
  source: string;
  publisher: AnomalyPublisher;
  now?: () => number;
  settings?: AnomalySettings;
  settleMs?: number;
}

export interface AnomalyCheckResult {
  bucket: string;
  anomalies: DeliveryAnomalyDetail[];
  overall: ReturnType<typeof overallDeliveryRate>;
}

export class AnomaliesNotPublished extends Error {}

export async function checkDeliveryAnomalies(deps: AnomalyCheckDeps): Promise<AnomalyCheckResult> {
  const settings = deps.settings ?? DEFAULT_ANOMALY_SETTINGS;
  const bucketMs = lastSettledBucket(
    (deps.now ?? Date.now)(),
    settings.bucketMs,
    deps.settleMs ?? ANOMALY_SETTLE_MS,
  );
  const sql = anomalyCellsSql('athena', deps.source, anomalyWindow(bucketMs, settings), settings.bucketMs);
  const cells = anomalyCellsOf(await deps.query(sql));
  const anomalies = deliveryAnomalies(cells, bucketMs, settings);
  // One retry of the entries the bus refused; then the run fails, and EventBridge runs it again.
  let pending = anomalies;
  for (let attempt = 0; pending.length > 0 && attempt < 2; attempt++) {
    const { failed } = await deps.publisher.put(pending);
    pending = failed.map((index) => pending[index]!);
  }
  if (pending.length > 0)
    throw new AnomaliesNotPublished(
      `${pending.length} Delivery Anomaly events were not accepted by the bus: ${pending.map((a) => a.anomalyId).join(', ')}`,
    );
  return {
    bucket: new Date(bucketMs).toISOString(),
    anomalies,
    overall: overallDeliveryRate(cells, bucketMs, settings),
  };
}
