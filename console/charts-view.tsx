/**
 * Charts of a time window, from the history report (GET /history/report, typed in
 * lambda/domain/history/report.ts): the delivery funnel, failures by error code, time to deliver.
 * Chart.js draws on canvas; each canvas carries its figures as text for screen readers.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeTwilioError } from '../lambda/domain/error-codes';
import { FAILURE_STATUSES } from '../lambda/domain/lifecycle';
import { ApiError, getJson, type HistoryReport } from './api';
import { funnelOf } from './funnel';
import { WINDOWS, type WindowKey } from './query';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

function reportPath(window: WindowKey, now: number): string {
  return `/history/report?since=${encodeURIComponent(new Date(now - WINDOWS[window].ms).toISOString())}`;
}

/** What #/charts shows when the tracker keeps no history (or its report answers 404). */
export function HistoryOff() {
  return <p class="notice">No charts: the message history is off for this tracker.</p>;
}

const COLOURS = { bar: '#1f5fa8', bad: '#b3261e', time: '#2e6b30' };

export function ChartsView() {
  const [window, setWindow] = useState<WindowKey>('24h');
  const [report, setReport] = useState<HistoryReport | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [off, setOff] = useState(false);

  useEffect(() => {
    // A window changed quickly: only the answer for the window shown now is drawn.
    let current = true;
    setReport(undefined);
    setProblem(undefined);
    getJson<HistoryReport>(reportPath(window, Date.now())).then(
      (answer) => {
        if (!current) return;
        setReport(answer);
        setProblem(undefined);
      },
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.status === 404) setOff(true);
        else setProblem(error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      current = false;
    };
  }, [window]);

  const funnel = report ? funnelOf(report) : [];
  const codes = report ? Object.entries(report.errorCodes).sort(([, a], [, b]) => b - a) : [];
  const latency = report?.deliveryLatencyMs;
  const seconds = (ms: number | null | undefined) => (ms == null ? 0 : ms / 1000);

  if (off) return <HistoryOff />;

  return (
    <section aria-labelledby="charts-title" class="charts">
      <h1 id="charts-title">Charts</h1>
      <div class="row">
        <label for="chart-window">Window</label>
        <select
          id="chart-window"
          value={window}
          onChange={(e) => setWindow((e.target as HTMLSelectElement).value as WindowKey)}
        >
          {Object.entries(WINDOWS).map(([key, { label }]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      {report && (
        <>
          <p class="summary">{report.messages} messages changed status in this window.</p>
          <figure>
            <figcaption>Delivery funnel: messages that reached each status</figcaption>
            <BarChart
              label="messages"
              labels={funnel.map(([status]) => status)}
              values={funnel.map(([, count]) => count)}
              colour={funnel.map(([status]) =>
                FAILURE_STATUSES.includes(status) ? COLOURS.bad : COLOURS.bar,
              )}
            />
          </figure>
          <figure>
            <figcaption>Failures by error code</figcaption>
            {codes.length === 0 ? (
              <p>No failures in this window.</p>
            ) : (
              <BarChart
                label="messages"
                labels={codes.map(([code]) => `${code} ${describeTwilioError(Number(code)).message}`)}
                values={codes.map(([, count]) => count)}
                colour={COLOURS.bad}
                horizontal
              />
            )}
          </figure>
          <figure>
            <figcaption>
              Time to deliver, sent to delivered ({latency?.messages ?? 0} messages), seconds
            </figcaption>
            {!latency || latency.messages === 0 ? (
              <p>No message went from sent to delivered in this window.</p>
            ) : (
              <BarChart
                label="seconds"
                labels={['p50', 'p90', 'p99']}
                values={[seconds(latency.p50), seconds(latency.p90), seconds(latency.p99)]}
                colour={COLOURS.time}
              />
            )}
          </figure>
        </>
      )}
    </section>
  );
}

interface BarChartProps {
  label: string;
  labels: string[];
  values: number[];
  /** One colour, or one per bar. */
  colour: string | string[];
  horizontal?: boolean;
}

function BarChart({ label, labels, values, colour, horizontal }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: { labels, datasets: [{ label, data: values, backgroundColor: colour }] },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { [horizontal ? 'x' : 'y']: { beginAtZero: true } },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [label, labels.join('\n'), values.join(','), String(colour), horizontal]);
  const text = labels.map((name, i) => `${name}: ${values[i]}`).join('; ');
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={`${text} (${label})`} />
    </div>
  );
}
