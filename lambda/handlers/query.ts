/** Query Lambda: GET /messages/{messageSid} behind IAM authorisation. Wiring only. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createQueryHandler } from '../adapters/query-endpoint';
import { createDocumentClient, requiredEnv } from '../adapters/dynamodb';
import { MessageStore } from '../adapters/message-store';

export const handler = createQueryHandler({
  store: new MessageStore(createDocumentClient(), requiredEnv('TABLE_NAME')),
  logger: new Logger({ serviceName: 'twilio-status-tracker' }),
});
