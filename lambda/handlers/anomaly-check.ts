/**
 * Anomaly-check Lambda, run on an EventBridge schedule when history is on. Reads its environment
 * (domain/environment.ts) and runs what composition/anomaly-check.ts builds.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { anomalyCheckFunction } from '../composition/anomaly-check';
import { ANOMALY_CHECK_ENV, readEnvironment } from '../domain/environment';

export const handler = lambdaHandler(anomalyCheckFunction(readEnvironment(process.env, ANOMALY_CHECK_ENV)), {
  readableStack: makeStackReadable,
});
