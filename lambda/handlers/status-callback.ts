/**
 * Status-callback Lambda: POST /message-status. Wiring only; the contract is in
 * adapters/status-callback-endpoint.ts. Clients are built once per container.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createStatusCallbackHandler } from '../adapters/status-callback-endpoint';
import { createDocumentClient, requiredEnv } from '../adapters/dynamodb';
import { MessageStore } from '../adapters/message-store';
import { credentialsFromEnvironment } from '../adapters/twilio-credentials';
import { applyOptionsFromEnv } from '../adapters/config';

const logger = new Logger({ serviceName: 'twilio-status-tracker', logRecordOrder: ['level', 'message'] });

export const handler = createStatusCallbackHandler({
  store: new MessageStore(createDocumentClient(), requiredEnv('TABLE_NAME'), applyOptionsFromEnv()),
  credentials: credentialsFromEnvironment(),
  logger,
  publicBaseUrl: process.env.PUBLIC_BASE_URL || undefined,
});
