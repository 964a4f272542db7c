/**
 * The one Powertools Logger setup. Every function logs under the same service name, so one CloudWatch
 * Logs Insights query (`service = 'twilio-status-tracker'`) finds every line the tracker wrote; which
 * function wrote a line is in the log group, not in the service name. (Metrics keep a service name per
 * function: it is a dimension the dashboard reads.)
 *
 * A stack in a log line (an Error, or a `stack` field such as describeError's) points at the TypeScript
 * source: the bundles run without `--enable-source-maps`, and readable-stack.ts maps the frames through
 * the bundle's index.mjs.map when, and only when, a line with a stack is written.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { makeStackReadable, readableStack } from './readable-stack';

export const LOG_SERVICE_NAME = 'twilio-status-tracker';

export interface LoggerOptions {
  logLevel?: ConstructorOptions['logLevel'];
  logRecordOrder?: ConstructorOptions['logRecordOrder'];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return new Logger({ ...options, serviceName: LOG_SERVICE_NAME, jsonReplacerFn: readableStacks });
}

/**
 * Called for every key of a line before Powertools' own rules: an Error's stack is mapped before
 * Powertools formats it (so its `location` is the source too), a `stack` string as it is written.
 */
function readableStacks(key: string, value: unknown): unknown {
  if (value instanceof Error) makeStackReadable(value);
  else if (key === 'stack' && typeof value === 'string') return readableStack(value);
  return value;
}
