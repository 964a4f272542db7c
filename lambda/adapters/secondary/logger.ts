/**
 * The one Powertools Logger setup. Every function logs under the same service name, so one CloudWatch
 * Logs Insights query (`service = 'twilio-status-tracker'`) finds every line the tracker wrote; which
 * function wrote a line is in the log group, not in the service name. (Metrics keep a service name per
 * function: it is a dimension the dashboard reads.)
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

export const LOG_SERVICE_NAME = 'twilio-status-tracker';

export interface LoggerOptions {
  logLevel?: ConstructorOptions['logLevel'];
  logRecordOrder?: ConstructorOptions['logRecordOrder'];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return new Logger({ ...options, serviceName: LOG_SERVICE_NAME });
}
