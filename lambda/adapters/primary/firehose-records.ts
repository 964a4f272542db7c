/**
 * Amazon Data Firehose's data-transformation contract for the history-row processor. Each record is a
 * `Message Status Changed` event's `detail` (the EventBridge rule's input path is `$.detail`); each
 * becomes one history row as a newline-terminated JSON line, which Firehose converts to Parquet against
 * the Glue table. `to` and `from` leave the function only as a keyed hash and a country calling code.
 * The rules are in use-cases/history-rows.ts.
 *
 * A record that is not a detail is answered `ProcessingFailed` (Firehose writes it under the error
 * prefix) and counted; the others are written. When the key cannot be read the invocation fails and
 * Firehose retries it, then sends the batch to the error prefix.
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import type { Pseudonymise } from '../../domain/history/row';
import type { Log } from '../../use-cases/ports';
import { historyLinesOf } from '../../use-cases/history-rows';

export interface HistoryRowHandlerDeps {
  /** The pseudonymiser under the current key (read and cached by the caller). */
  readonly pseudonymiser: () => Promise<Pseudonymise>;
  readonly logger: Pick<Log, 'warn'>;
  readonly now?: () => number;
  /** Called with the number of refused records of each invocation that refused any. */
  readonly onRejected?: (count: number) => void;
}

export function createHistoryRowHandler(deps: HistoryRowHandlerDeps) {
  return async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
    const pseudonymise = await deps.pseudonymiser();
    const input = event.records.map((record) => ({
      recordId: record.recordId,
      text: Buffer.from(record.data, 'base64').toString('utf8'),
    }));
    const output = historyLinesOf(input, { pseudonymise, now: deps.now ?? Date.now });
    const refused = output.filter((record) => record.result === 'ProcessingFailed');
    if (refused.length > 0) {
      // The problem names a field, never a value: a refused record may hold phone numbers.
      deps.logger.warn('history records refused', {
        refused: refused.length,
        records: event.records.length,
        problems: refused.slice(0, 10).map((r) => ({ recordId: r.recordId, problem: r.problem })),
      });
      deps.onRejected?.(refused.length);
    }
    return {
      records: output.map((record, index) =>
        record.result === 'Ok'
          ? { recordId: record.recordId, result: 'Ok', data: Buffer.from(record.line).toString('base64') }
          : // Firehose writes a failed record's original data under the error prefix.
            { recordId: record.recordId, result: 'ProcessingFailed', data: event.records[index]!.data },
      ),
    };
  };
}
