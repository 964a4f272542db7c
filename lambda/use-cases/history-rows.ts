/**
 * Turns status-change details into history rows, one JSON line each: the Firehose processor in AWS
 * (record format conversion then writes them as Parquet against the Glue table). A record that is not a
 * detail is refused on its own, with the field that made it so, and the others go on: Firehose writes a
 * refused record to the error prefix instead of the table.
 */
import { statusChangeDetailOf } from '../domain/history/detail';
import { historyRowOf, type Pseudonymise } from '../domain/history/row';

/** One record as the delivery stream hands it over: its id and its text (an event's `detail`, JSON). */
export interface HistoryRecordIn {
  readonly recordId: string;
  readonly text: string;
}

export type HistoryRecordOut =
  | { readonly recordId: string; readonly result: 'Ok'; readonly line: string }
  | { readonly recordId: string; readonly result: 'ProcessingFailed'; readonly problem: string };

export interface HistoryRowsDeps {
  readonly pseudonymise: Pseudonymise;
  /** Epoch ms: the rows' `recorded_at_ms`. */
  readonly now: () => number;
}

/** Every record in order, each `Ok` with its row as one newline-terminated JSON line, or refused. */
export function historyLinesOf(
  records: readonly HistoryRecordIn[],
  deps: HistoryRowsDeps,
): HistoryRecordOut[] {
  const now = deps.now();
  return records.map(({ recordId, text }) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { recordId, result: 'ProcessingFailed', problem: 'not JSON' };
    }
    const checked = statusChangeDetailOf(parsed);
    if (!checked.ok) return { recordId, result: 'ProcessingFailed', problem: checked.problem };
    const row = historyRowOf(checked.detail, deps.pseudonymise, now);
    return { recordId, result: 'Ok', line: `${JSON.stringify(row)}\n` };
  });
}
