/** Small statistics and formatting helpers shared by the benchmarks. */

/** The p-th percentile (0..100) by nearest rank over a copy of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function ms(value: number, digits = 1): string {
  return `${value.toFixed(digits)} ms`;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function ratio(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function perSecond(value: number): string {
  return `${value.toFixed(0)}/s`;
}

/** A Markdown table: the header row, then one row per entry. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What every benchmark hands back to bench/run.ts. */
export interface BenchmarkReport {
  /** Heading of the section in bench/results.md. */
  title: string;
  /** One Markdown table (paste-ready). */
  table: string;
  /** Short lines printed under the table: baseline, target, verdict, assumptions. */
  notes: string[];
  /** Machine-readable figures, for docs/SCALING.md and whoever wants them. */
  figures: Record<string, number | string | boolean>;
}

/** Rejects when `promise` does not settle within `limitMs` (every benchmark loop is bounded in time). */
export async function withTimeout<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
