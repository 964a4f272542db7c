/**
 * Plain-text tables for a terminal: a header row, optionally a rule of dashes under it, then the rows;
 * every column as wide as its widest cell, aligned left or right, two spaces between columns and no
 * trailing blanks. `npm run messages`, `npm run report` and `npm run demo` print their tables with it.
 */

export interface TextColumn {
  title: string;
  /** Default left; numbers read best right-aligned. */
  align?: 'left' | 'right';
}

/** The table's lines; `rows[i][j]` is the text of row i in column j. */
export function textTable(
  columns: readonly TextColumn[],
  rows: ReadonlyArray<readonly string[]>,
  options: { rule?: boolean } = {},
): string[] {
  const widths = columns.map(({ title }, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map(({ title }) => title)),
    ...(options.rule ? [line(widths.map((width) => '-'.repeat(width)))] : []),
    ...rows.map(line),
  ];
}
