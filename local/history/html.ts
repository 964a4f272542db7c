/**
 * `npm run report -- --html FILE`: the history report as one self-contained HTML page, charts drawn here
 * as inline SVG (no script, no external stylesheet, font or image), so the file can be mailed or opened
 * offline: the delivery funnel per day, failures by error code, and the time from sent to delivered;
 * then every named query's rows as a table.
 */
import { NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import type { HistoryReport, HistoryQueryValue } from '../../lambda/domain/history/report';
import { KNOWN_STATUSES } from '../../lambda/domain/lifecycle';

const PALETTE = [
  '#9e9e9e',
  '#bdbdbd',
  '#90caf9',
  '#42a5f5',
  '#80deea',
  '#e57373',
  '#ef9a9a',
  '#ffb74d',
  '#66bb6a',
  '#2e7d32',
];
const colourOf = (status: string) => {
  const index = KNOWN_STATUSES.indexOf(status as (typeof KNOWN_STATUSES)[number]);
  return index < 0 ? '#7e57c2' : PALETTE[index % PALETTE.length]!;
};

export function historyReportHtml(report: HistoryReport): string {
  const { since, until } = report.window;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Message history ${escape(since)} to ${escape(until)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #212121; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: 2px 10px; border-bottom: 1px solid #e0e0e0; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font: 12px system-ui, sans-serif; fill: #424242; }
.note { color: #616161; }
</style>
</head>
<body>
<h1>Message history</h1>
<p>From ${escape(since)} to ${escape(until)} (status times, UTC): <strong>${report.messages}</strong> messages.</p>
<h2>Delivery funnel per day</h2>
${funnelChart(report)}
<h2>Failures by error code</h2>
${errorCodeChart(report)}
<h2>Time from sent to delivered</h2>
${latencyChart(report)}
${NAMED_HISTORY_QUERIES.map(
  ({ name, title, description }) => `<h2>${escape(title)}</h2>
<p class="note">${escape(description)} (<code>${escape(name)}</code>)</p>
${htmlTable(report.queries[name] ?? [])}`,
).join('\n')}
</body>
</html>
`;
}

/** Per day, one bar per status: messages that reached it that day. */
function funnelChart(report: HistoryReport): string {
  if (report.funnel.length === 0) return '<p class="note">No status changes in the window.</p>';
  const statuses = KNOWN_STATUSES.filter((s) => report.funnel.some((d) => d.statuses[s] !== undefined));
  const others = [...new Set(report.funnel.flatMap((d) => Object.keys(d.statuses)))].filter(
    (s) => !statuses.includes(s as (typeof KNOWN_STATUSES)[number]),
  );
  const all = [...statuses, ...others];
  const max = Math.max(1, ...report.funnel.flatMap((d) => Object.values(d.statuses)));
  const bar = 12;
  const groupWidth = all.length * bar + 16;
  const height = 220;
  const top = 20;
  const width = Math.max(400, 60 + report.funnel.length * groupWidth);
  const bars = report.funnel.flatMap((day, d) => {
    const x0 = 50 + d * groupWidth;
    return [
      ...all.map((status, s) => {
        const value = day.statuses[status] ?? 0;
        const h = (value / max) * height;
        return `<rect x="${x0 + s * bar}" y="${top + height - h}" width="${bar - 2}" height="${h}" fill="${colourOf(status)}"><title>${escape(`${day.day} ${status}: ${value}`)}</title></rect>`;
      }),
      `<text x="${x0}" y="${top + height + 16}">${escape(day.day.slice(5))}</text>`,
    ];
  });
  const legend = all
    .map(
      (status, i) =>
        `<rect x="${50 + i * 110}" y="${top + height + 30}" width="10" height="10" fill="${colourOf(status)}"/><text x="${64 + i * 110}" y="${top + height + 39}">${escape(status)}</text>`,
    )
    .join('');
  const svgWidth = Math.max(width, 60 + all.length * 110);
  return `<svg width="${svgWidth}" height="${top + height + 50}" role="img" aria-label="Delivery funnel per day">
<text x="0" y="${top + 10}">${max}</text><text x="0" y="${top + height}">0</text>
<line x1="48" y1="${top + height}" x2="${svgWidth}" y2="${top + height}" stroke="#bdbdbd"/>
${bars.join('\n')}
${legend}
</svg>`;
}

/** One horizontal bar per error code: messages that carried it. */
function errorCodeChart(report: HistoryReport): string {
  const codes = Object.entries(report.errorCodes).sort(([, a], [, b]) => b - a);
  if (codes.length === 0) return '<p class="note">No error codes in the window.</p>';
  return horizontalBars(
    codes.map(([code, messages]) => ({
      label: code,
      value: messages,
      text: `${messages} message${messages === 1 ? '' : 's'}`,
    })),
    'Failures by error code',
    '#e57373',
  );
}

function latencyChart(report: HistoryReport): string {
  const { p50, p90, p99, messages } = report.deliveryLatencyMs;
  if (p50 === null || p90 === null || p99 === null)
    return '<p class="note">No message with both sent and delivered (learnt from callbacks) in the window.</p>';
  return `${horizontalBars(
    [
      { label: 'p50', value: p50, text: seconds(p50) },
      { label: 'p90', value: p90, text: seconds(p90) },
      { label: 'p99', value: p99, text: seconds(p99) },
    ],
    'Time from sent to delivered',
    '#42a5f5',
  )}
<p class="note">Over ${messages} messages; statuses learnt by polling are left out (their time is the poll's).</p>`;
}

function horizontalBars(
  bars: ReadonlyArray<{ label: string; value: number; text: string }>,
  label: string,
  colour: string,
): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowHeight = 22;
  const width = 600;
  const rows = bars.map((b, i) => {
    const y = 10 + i * rowHeight;
    const w = Math.max(1, (Math.max(0, b.value) / max) * 400);
    return `<text x="0" y="${y + 13}">${escape(b.label)}</text><rect x="80" y="${y}" width="${w}" height="${rowHeight - 6}" fill="${colour}"/><text x="${86 + w}" y="${y + 13}">${escape(b.text)}</text>`;
  });
  return `<svg width="${width}" height="${20 + bars.length * rowHeight}" role="img" aria-label="${escape(label)}">
${rows.join('\n')}
</svg>`;
}

function htmlTable(rows: ReadonlyArray<Record<string, HistoryQueryValue>>): string {
  if (rows.length === 0) return '<p class="note">(no rows)</p>';
  const columns = Object.keys(rows[0]!);
  const cell = (value: HistoryQueryValue | undefined) =>
    typeof value === 'number'
      ? `<td class="n">${Number.isInteger(value) ? value : Math.round(value * 10000) / 10000}</td>`
      : `<td>${value === null || value === undefined ? '-' : escape(String(value))}</td>`;
  return `<table>
<tr>${columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>
${rows.map((row) => `<tr>${columns.map((c) => cell(row[c])).join('')}</tr>`).join('\n')}
</table>`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
