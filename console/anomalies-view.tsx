/**
 * Delivery anomalies, live: each one the local server publishes (SSE event `anomaly`) is listed at
 * the top of every view, newest first, until dismissed. Text only, announced politely.
 */
import { useEffect, useState } from 'preact/hooks';
import { onAnomaly, type DeliveryAnomalyDetail } from './live';

/** How many anomalies the list keeps. */
const KEPT = 20;

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** One anomaly in words: what fell or rose, observed against baseline, on how many messages. */
export function anomalyText(a: DeliveryAnomalyDetail): string {
  const what = a.metric === 'delivery_rate' ? 'delivery rate' : 'failure share';
  return (
    `${a.segment.dimension} ${a.segment.value}: ${what} ${percent(a.observed.value)} ` +
    `(baseline ${percent(a.baseline.value)}) over ${a.observed.sample} messages, ` +
    `${a.bucket.start.replace('T', ' ').replace(/(:00)?\.000Z$|Z$/, '')} UTC`
  );
}

export function AnomaliesView() {
  const [anomalies, setAnomalies] = useState<DeliveryAnomalyDetail[]>([]);
  useEffect(
    () =>
      onAnomaly((anomaly) =>
        setAnomalies((shown) =>
          [anomaly, ...shown.filter((a) => a.anomalyId !== anomaly.anomalyId)].slice(0, KEPT),
        ),
      ),
    [],
  );
  return (
    <section class="anomalies" aria-labelledby="anomalies-title" hidden={anomalies.length === 0}>
      <h2 id="anomalies-title">Delivery anomalies</h2>
      <ul role="log" aria-live="polite">
        {anomalies.map((a) => (
          <li key={a.anomalyId} data-anomaly-id={a.anomalyId}>
            {anomalyText(a)}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => setAnomalies([])}>
        Dismiss
      </button>
    </section>
  );
}
