/**
 * Query Lambda: GET /messages and GET /messages/{messageSid} behind IAM authorisation. Reads its
 * environment (domain/environment.ts) and runs what composition/query.ts builds.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { queryFunction } from '../composition/query';
import { QUERY_ENV, readEnvironment } from '../domain/environment';

export const handler = lambdaHandler(queryFunction(readEnvironment(process.env, QUERY_ENV)), {
  readableStack: makeStackReadable,
});
