/**
 * The query function: GET /messages/{messageSid} (one GetItem), GET /messages (the list use case over
 * the keys-only indexes this deployment has) and, with the dead-numbers table, the dead-numbers routes. The Lambda builds it from its environment
 * (handlers/query.ts); `npm start` on its own DynamoDB client (local/pipeline.ts).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import type { HttpResponse } from '../adapters/primary/http';
import { createDeadNumbersHandler } from '../adapters/primary/dead-numbers-endpoint';
import { createListHandler } from '../adapters/primary/list-endpoint';
import { createQueryHandler } from '../adapters/primary/query-endpoint';
import { MessageIndexReader } from '../adapters/secondary/message-index-reader';
import { MessageStore } from '../adapters/secondary/message-store';
import type { ListIndexName } from '../domain/contract';
import { createMessageLister } from '../use-cases/list-messages';
import {
  createLogger,
  deadNumberStore,
  dynamoClient,
  type DeadNumbersConfig,
  type StoreConfig,
} from './shared';

export interface QueryConfig extends StoreConfig, DeadNumbersConfig {
  /** The list indexes this deployment has (none before a staged upgrade's first stage). */
  listIndexes: readonly ListIndexName[];
  /** The pending index's shards (the list reads them for `status` filters on unfinished messages). */
  pendingShards: number;
  /** The tag index's key, when the table has the tag index (a list by that tag reads it). */
  tagIndexKey?: string;
}

export function queryFunction(
  config: QueryConfig,
  parts: { client?: DynamoDBClient; logger?: Logger } = {},
): LambdaFunction<APIGatewayProxyEventV2, HttpResponse> {
  const client = parts.client ?? dynamoClient(config);
  const logger = parts.logger ?? createLogger();
  const deadNumbers = deadNumberStore(config, client);
  const handle = createQueryHandler({
    store: new MessageStore(client, config.tableName),
    logger,
    list: createListHandler({
      listMessages: createMessageLister({
        store: new MessageIndexReader(client, config.tableName),
        setup: {
          available: config.listIndexes,
          pendingShards: config.pendingShards,
          ...(config.tagIndexKey === undefined ? {} : { tagIndexKey: config.tagIndexKey }),
        },
      }),
      logger,
    }),
    ...(deadNumbers ? { deadNumbers: createDeadNumbersHandler({ store: deadNumbers, logger }) } : {}),
  });
  return { logger, handle: (event) => handle(event) };
}
