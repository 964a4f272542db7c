/**
 * The local anomaly check: every `everyMs` (60 s), each bucket that ended at least `settleMs` (2 min)
 * ago and was not checked yet is judged (lambda/domain/history/anomaly.ts) from the `anomaly-cells`
 * query, run by DuckDB over the history folder; each anomaly found is handed to `publish`, which
 * delivers it the way status-change events are (GET /events, EVENTS_WEBHOOK_URL).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import {
  ANOMALY_SETTLE_MS,
  anomalyCellsOf,
  anomalyWindow,
  DEFAULT_ANOMALY_SETTINGS,
  deliveryAnomalies,
  lastSettledBucket,
  type AnomalySettings,
  type DeliveryAnomalyDetail,
} from '../../lambda/domain/history/anomaly';
import { anomalyCellsSql } from '../../lambda/domain/history/anomaly-cells';
import { parquetSource, queryRows } from './duckdb';
import { existsSync, readdirSync } from 'node:fs';

export const DEFAULT_SETTLE_MS = ANOMALY_SETTLE_MS;
export { lastSettledBucket };

/** The anomalies whose episode opens at the bucket starting `bucketMs`, over the folder's files. */
export async function checkAnomaliesAt(
  dir: string,
  bucketMs: number,
  settings: AnomalySettings = DEFAULT_ANOMALY_SETTINGS,
): Promise<DeliveryAnomalyDetail[]> {
  if (!existsSync(dir) || !readdirSync(dir).some((d) => d.startsWith('dt='))) return [];
  const window = anomalyWindow(bucketMs, settings);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const rows = await queryRows(
      connection,
      anomalyCellsSql('duckdb', parquetSource(dir), window, settings.bucketMs),
    );
    const cells = anomalyCellsOf(rows);
    return deliveryAnomalies(cells, bucketMs, settings);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export interface AnomalyMonitorOptions {
  dir: string;
  publish: (anomaly: DeliveryAnomalyDetail) => void;
  settings?: AnomalySettings;
  everyMs?: number;
  settleMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

export interface AnomalyMonitor {
  /** Judges every settled bucket not judged yet (the timer calls it); resolves with what it published. */
  check(): Promise<DeliveryAnomalyDetail[]>;
  stop(): Promise<void>;
}

export function startAnomalyMonitor(options: AnomalyMonitorOptions): AnomalyMonitor {
  const settings = options.settings ?? DEFAULT_ANOMALY_SETTINGS;
  const now = options.now ?? Date.now;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  // At start, only the latest settled bucket: older ones were judged by an earlier run, or never will be.
  let next = lastSettledBucket(now(), settings.bucketMs, settleMs);
  let running: Promise<DeliveryAnomalyDetail[]> = Promise.resolve([]);
  const check = () =>
    (running = running
      .catch(() => [])
      .then(async () => {
        const published: DeliveryAnomalyDetail[] = [];
        const last = lastSettledBucket(now(), settings.bucketMs, settleMs);
        for (; next <= last; next += settings.bucketMs)
          for (const anomaly of await checkAnomaliesAt(options.dir, next, settings)) {
            options.publish(anomaly);
            published.push(anomaly);
          }
        return published;
      }));
  const timer = setInterval(() => {
    check().catch((error: unknown) => options.onError?.(error));
  }, options.everyMs ?? 60_000);
  timer.unref();
  return {
    check,
    async stop() {
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
