/**
 * Query Lambda: GET /messages, GET /messages/{messageSid} and the dead-numbers routes (with
 * DEAD_NUMBERS_TABLE_NAME) behind IAM authorisation. Wiring only.
 */
import { createQueryHandler } from '../adapters/primary/query-endpoint';
import { positiveEnv, tagIndexKeyFromEnv } from '../composition/config';
import { deadNumbersFromEnv } from '../composition/dead-numbers';
import { createDeadNumbersHandler } from '../adapters/primary/dead-numbers-endpoint';
import { createDynamoClient, requiredEnv } from '../adapters/secondary/dynamodb';
import { createListHandler } from '../adapters/primary/list-endpoint';
import { MessageIndexReader } from '../adapters/secondary/message-index-reader';
import { MessageStore } from '../adapters/secondary/message-store';
import { createLogger } from '../adapters/secondary/logger';
import { listIndexesOf } from '../domain/contract';
import { createMessageLister } from '../use-cases/list-messages';

const client = createDynamoClient();
const tableName = requiredEnv('TABLE_NAME');
const logger = createLogger();

/** LIST_INDEXES may be empty (`listIndexes: 0`, before a staged upgrade), so requiredEnv does not fit. */
function missing(name: string): never {
  throw new Error(`Environment variable ${name} is required`);
}

const deadNumbers = deadNumbersFromEnv();

export const handler = createQueryHandler({
  store: new MessageStore(client, tableName),
  logger,
  list: createListHandler({
    listMessages: createMessageLister({
      store: new MessageIndexReader(client, tableName),
      // Set by the construct: the indexes this deployment has (the tag index's key, if any), and the
      // pending index's shards.
      setup: {
        available: listIndexesOf(process.env.LIST_INDEXES ?? missing('LIST_INDEXES')),
        pendingShards: positiveEnv('PENDING_SHARDS', { integer: true }),
        ...tagIndexKeyFromEnv(),
      },
    }),
    logger,
  }),
  ...(deadNumbers ? { deadNumbers: createDeadNumbersHandler({ store: deadNumbers, logger }) } : {}),
});
