/**
 * History row Lambda: Amazon Data Firehose's data-transformation processor (one history row per
 * `Message Status Changed` detail; `to` and `from` only as a keyed hash). Reads its environment
 * (HISTORY_KEY_SECRET_ID) and runs what composition/history-row.ts builds; the rules are in
 * use-cases/history-rows.ts, the Firehose contract in adapters/primary/firehose-records.ts.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { historyRowFunction } from '../composition/history-row';
import { HISTORY_ROW_ENV, readEnvironment } from '../domain/environment';

export const handler = lambdaHandler(historyRowFunction(readEnvironment(process.env, HISTORY_ROW_ENV)), {
  readableStack: makeStackReadable,
});
