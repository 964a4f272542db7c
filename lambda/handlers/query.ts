/** Query Lambda: GET /messages/{messageSid} behind IAM authorisation. Wiring only. */
import { createQueryHandler } from '../adapters/query-endpoint';
import { createDynamoClient, requiredEnv } from '../adapters/dynamodb';
import { MessageStore } from '../adapters/message-store';
import { createLogger } from '../adapters/logger';

export const handler = createQueryHandler({
  store: new MessageStore(createDynamoClient(), requiredEnv('TABLE_NAME')),
  logger: createLogger(),
});
