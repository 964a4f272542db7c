/**
 * Reconciler Lambda, run on a schedule: polls Twilio for messages whose final callback never came.
 * Reads its environment (domain/environment.ts: a missing or malformed value fails the cold start, not
 * each run) and runs what composition/reconciler.ts builds; the work is in use-cases/reconcile.ts.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { reconcilerFunction } from '../composition/reconciler';
import { readEnvironment, RECONCILER_ENV } from '../domain/environment';

export const handler = lambdaHandler(reconcilerFunction(readEnvironment(process.env, RECONCILER_ENV)), {
  readableStack: makeStackReadable,
});
