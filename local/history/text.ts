/**
 * The history report as text tables for a terminal: one table per named query, under its title, in the
 * order of NAMED_HISTORY_QUERIES. `npm run report` and `npm run demo` print it.
 */
import { NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import type { HistoryQueryValue, HistoryReport } from '../../lambda/domain/history/report';
import { textTable, type TextColumn } from '../text-table';

/** Rows shown per table: a terminal is not the place for ten thousand senders. */
const SHOWN_ROWS = 25;

export function historyReportText(report: HistoryReport): string {
  const sections = [
    `History from ${report.window.since} to ${report.window.until}: ${report.messages} messages`,
  ];
  for (const { name, title } of NAMED_HISTORY_QUERIES) {
    const rows = report.queries[name] ?? [];
    const more = rows.length - SHOWN_ROWS;
    const table = rows.length === 0 ? '(no rows)' : rowsTable(rows.slice(0, SHOWN_ROWS));
    sections.push(
      `${title} (${name})\n${table}${more > 0 ? `\n(${more} more rows: --json has them all)` : ''}`,
    );
  }
  return sections.join('\n\n');
}

/** Query rows as an aligned table under a rule: a header of the column names, numbers right-aligned. */
function rowsTable(rows: ReadonlyArray<Record<string, HistoryQueryValue>>): string {
  const names = Object.keys(rows[0] ?? {});
  const columns = names.map((name): TextColumn => ({
    title: name,
    align: isNumeric(rows, name) ? 'right' : 'left',
  }));
  const cells = rows.map((row) => names.map((name) => cellText(row[name] ?? null)));
  return textTable(columns, cells, { rule: true }).join('\n');
}

function isNumeric(rows: ReadonlyArray<Record<string, HistoryQueryValue>>, name: string): boolean {
  return (
    rows.some((row) => typeof row[name] === 'number') &&
    rows.every((row) => typeof row[name] === 'number' || row[name] === null)
  );
}

function cellText(value: HistoryQueryValue): string {
  if (value === null) return '-';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Math.round(value * 10000) / 10000);
  return String(value);
}
