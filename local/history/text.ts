/**
 * The history report as text tables for a terminal: one table per named query, under its title, in the
 * order of NAMED_HISTORY_QUERIES. `npm run report` and `npm run demo` print it.
 */
import { NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import type { HistoryQueryValue, HistoryReport } from '../../lambda/domain/history/report';

export function historyReportText(report: HistoryReport): string {
  const sections = [
    `History from ${report.window.since} to ${report.window.until}: ${report.messages} messages`,
  ];
  for (const { name, title } of NAMED_HISTORY_QUERIES) {
    const rows = report.queries[name] ?? [];
    sections.push(`${title} (${name})\n${rows.length === 0 ? '(no rows)' : textTable(rows)}`);
  }
  return sections.join('\n\n');
}

/** Rows as an aligned table: a header of the column names, numbers right-aligned. */
export function textTable(rows: ReadonlyArray<Record<string, HistoryQueryValue>>): string {
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((column) => cellText(row[column] ?? null)));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map(
    (column) =>
      rows.some((row) => typeof row[column] === 'number') &&
      rows.every((row) => typeof row[column] === 'number' || row[column] === null),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function cellText(value: HistoryQueryValue): string {
  if (value === null) return '-';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Math.round(value * 10000) / 10000);
  return String(value);
}
