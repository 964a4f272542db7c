/** Query Lambda: GET /messages/{messageSid} behind IAM authorisation. Wiring only. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createQueryHandler } from '../adapters/query-endpoint';
import { createDynamoClient, requiredEnv } from '../adapters/dynamodb';
import { MessageStore } from '../adapters/message-store';

export const handler = createQueryHandler({
  store: new MessageStore(createDynamoClient(), requiredEnv('TABLE_NAME')),
  logger: new Logger({ serviceName: 'twilio-status-tracker' }),
});
