/**
 * Status-callback Lambda: POST /message-status. Reads its environment (domain/environment.ts) and runs
 * what composition/status-callback.ts builds, once per container; the contract is in
 * adapters/primary/status-callback-endpoint.ts (HTTP) and use-cases/apply-callback.ts.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { statusCallbackFunction } from '../composition/status-callback';
import { readEnvironment, STATUS_CALLBACK_ENV } from '../domain/environment';

export const handler = lambdaHandler(
  statusCallbackFunction(readEnvironment(process.env, STATUS_CALLBACK_ENV)),
  { readableStack: makeStackReadable },
);
