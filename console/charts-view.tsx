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
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeTwilioError } from '../lambda/domain/error-codes';
import { FAILURE_STATUSES } from '../lambda/domain/lifecycle';
import { ApiError, getJson, type HistoryReport } from './api';
import { funnelOf } from './funnel';
import { deliveryRateOverTime } from './over-time';
import { WINDOWS, type WindowKey } from './query';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);

/** The buckets of the over-time line: hours up to a day's window, days beyond. */
function granularityOf(window: WindowKey): 'hour' | 'day' {
  return WINDOWS[window].ms <= 86_400_000 ? 'hour' : 'day';
}

function reportPath(window: WindowKey, now: number): string {
  const since = encodeURIComponent(new Date(now - WINDOWS[window].ms).toISOString());
  return `/history/report?since=${since}&granularity=${granularityOf(window)}`;
}

/** A bucket's start as the axis says it: `2026-12-07 10:00` per hour, `2026-12-07` per day. */
function bucketLabel(bucket: string, granularity: 'hour' | 'day'): string {
  const [day = bucket, time = ''] = bucket.split('T');
  return granularity === 'day' ? day : `${day} ${time.slice(0, 5)}`;
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
  const reached = (status: string) => funnel.find(([s]) => s === status)?.[1] ?? 0;
  const delivered = reached('delivered');
  const sent = reached('sent');
  const seconds = (ms: number | null | undefined) => (ms == null ? 0 : ms / 1000);
  const rates = report ? deliveryRateOverTime(report) : [];
  const granularity = report?.window.granularity ?? granularityOf(window);

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
              counts
              empty="no message changed status in this window"
            />
            {delivered > sent && (
              <p class="funnel-note">
                More messages reached delivered ({delivered}) than sent ({sent}): carriers do not report every
                status, so a message can go from queued straight to delivered without a sent callback.
              </p>
            )}
          </figure>
          <figure>
            <figcaption>Failures by error code</figcaption>
            <BarChart
              label="messages"
              labels={codes.map(([code]) => `${code} ${describeTwilioError(Number(code)).message}`)}
              axisLabels={codes.map(([code]) => code)}
              values={codes.map(([, count]) => count)}
              colour={COLOURS.bad}
              horizontal
              counts
              empty="no failures in this window"
            />
            {codes.length > 0 && (
              <ul class="code-key">
                {codes.map(([code, count]) => (
                  <li key={code}>
                    <span class="code">{code}</span> {describeTwilioError(Number(code)).message}: {count}
                  </li>
                ))}
              </ul>
            )}
          </figure>
          <figure>
            <figcaption>
              Time to deliver, sent to delivered ({latency?.messages ?? 0} messages), seconds
            </figcaption>
            <BarChart
              label="seconds"
              labels={['p50', 'p90', 'p99']}
              values={
                !latency || latency.messages === 0
                  ? []
                  : [seconds(latency.p50), seconds(latency.p90), seconds(latency.p99)]
              }
              colour={COLOURS.time}
              empty="no message went from sent to delivered in this window"
            />
          </figure>
          <figure>
            <figcaption>
              Delivery rate over time, per {granularity}: messages first sent then that ended delivered
            </figcaption>
            <RateChart
              labels={rates.map((point) => bucketLabel(point.bucket, granularity))}
              percents={rates.map((point) => Math.round(point.rate * 1000) / 10)}
              empty="no message was sent in this window"
            />
          </figure>
        </>
      )}
    </section>
  );
}

interface BarChartProps {
  label: string;
  /** Each bar's name, as the screen reader's text says it. */
  labels: string[];
  /** Each bar's name on the axis, when shorter than its label (an error code without its meaning). */
  axisLabels?: string[];
  values: number[];
  /** One colour, or one per bar. */
  colour: string | string[];
  horizontal?: boolean;
  /** Values are counts: the value axis has whole-number ticks only. */
  counts?: boolean;
  /** Why there is nothing to draw, said instead of blank axes. */
  empty: string;
}

function BarChart({ label, labels, axisLabels, values, colour, horizontal, counts, empty }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const blank = values.every((value) => !value);
  useEffect(() => {
    if (!canvas.current) return;
    const valueAxis = horizontal ? 'x' : 'y';
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: { labels: axisLabels ?? labels, datasets: [{ label, data: values, backgroundColor: colour }] },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { [valueAxis]: { beginAtZero: true, ...(counts ? { ticks: { precision: 0 } } : {}) } },
      },
      plugins: [
        {
          // The value axis's tick labels as drawn, on the canvas, for whoever inspects the page.
          id: 'ticksAttribute',
          afterUpdate: (chart) => {
            const ticks = chart.scales[valueAxis]?.ticks ?? [];
            chart.canvas.dataset.ticks = ticks.map((tick) => String(tick.label)).join(',');
          },
        },
      ],
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [label, labels.join('\n'), values.join(','), String(colour), horizontal, blank]);
  if (blank) return <p class="no-data">No data: {empty}.</p>;
  const text = labels.map((name, i) => `${name}: ${values[i]}`).join('; ');
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={`${text} (${label})`} />
    </div>
  );
}

interface RateChartProps {
  /** Each bucket's start, oldest first. */
  labels: string[];
  /** Each bucket's delivery rate, in percent. */
  percents: number[];
  empty: string;
}

/** A line of percentages over time, 0-100 % on the value axis. */
function RateChart({ labels, percents, empty }: RateChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration<'line'> = {
      type: 'line',
      data: {
        labels,
        datasets: [
          { label: 'delivery rate', data: percents, borderColor: COLOURS.bar, backgroundColor: COLOURS.bar },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => `${String(item.raw)}% delivered` } },
        },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 } },
          y: { min: 0, max: 100, ticks: { callback: (value) => `${String(value)}%` } },
        },
      },
      plugins: [
        {
          // As drawn, for whoever inspects the page: the value axis's ticks, the points, the last value.
          id: 'lineAttributes',
          afterUpdate: (chart) => {
            const ticks = chart.scales.y?.ticks ?? [];
            chart.canvas.dataset.ticks = ticks.map((tick) => String(tick.label)).join(',');
            chart.canvas.dataset.points = String(chart.getDatasetMeta(0).data.length);
            const data = chart.data.datasets[0]?.data ?? [];
            chart.canvas.dataset.last = data.length === 0 ? '' : String(data[data.length - 1]);
          },
        },
      ],
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [labels.join('\n'), percents.join(',')]);
  if (percents.length === 0) return <p class="no-data">No data: {empty}.</p>;
  const text = labels.map((name, i) => `${name}: ${percents[i]}%`).join('; ');
  return (
    <div class="chart">
      <canvas class="rate-over-time" ref={canvas} role="img" aria-label={`${text} (delivery rate)`} />
    </div>
  );
}
