/**
 * The sender's idempotency store: Powertools Idempotency on a DynamoDB table (partition key `id`, TTL on
 * `expiration`, see IDEMPOTENCY_TABLE in domain/contract.ts), behind the use case's IdempotencyPort.
 */
import type { Context } from 'aws-lambda';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_TABLE } from '../../domain/contract';
import {
  IdempotencyStoreUnavailableError,
  RepeatConflictError,
  RepeatInProgressError,
  type GuardedRun,
  type IdempotencyPort,
  type IdempotencySettings,
} from '../../use-cases/ports';

/** The key prefix of idempotency records: stable across deployments and function renames. */
export const IDEMPOTENCY_KEY_PREFIX = 'twilio-status-tracker.send';

export function createIdempotencyStore(options: {
  tableName: string;
  client: DynamoDBClient;
}): IdempotencyPort {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    keyAttr: IDEMPOTENCY_TABLE.partitionKey,
    awsSdkV3Client: options.client,
  });
  return {
    guard(settings: IdempotencySettings): GuardedRun {
      const config = new IdempotencyConfig({
        eventKeyJmesPath: settings.keyField,
        payloadValidationJmesPath: `[${settings.payloadFields.join(', ')}]`,
        throwOnNoIdempotencyKey: true,
        expiresAfterSeconds: settings.expiresAfterSeconds,
      });
      // Powertools reads only getRemainingTimeInMillis() from the registered context, to stamp how long
      // an in-progress record may block; registered once, it asks the settings each time.
      config.registerLambdaContext({ getRemainingTimeInMillis: () => settings.inProgressMs() } as Context);
      const run = makeIdempotent((_payload: object, work: () => Promise<unknown>) => work(), {
        persistenceStore,
        config,
        keyPrefix: IDEMPOTENCY_KEY_PREFIX,
        dataIndexArgument: 0,
      });
      return async <R>(payload: object, work: () => Promise<R>): Promise<R> => {
        try {
          // A repeat answers the first run's stored result, which is the R that run returned.
          return (await run(payload, work)) as R;
        } catch (error) {
          throw translate(error);
        }
      };
    },
  };
}

/** Powertools' errors by name (its classes may come from another copy of the package in a bundle). */
function translate(error: unknown): unknown {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'IdempotencyAlreadyInProgressError') return new RepeatInProgressError(error);
  if (name === 'IdempotencyValidationError') return new RepeatConflictError(error);
  if (name?.startsWith('Idempotency')) return new IdempotencyStoreUnavailableError(error);
  // The work's own error, passed on as it was thrown.
  return error;
}

/** Creates the idempotency table (partition key `id` S, TTL on `expiration`) unless it exists. Local mode and tests. */
export async function ensureIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' }],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TABLE.ttlAttribute, Enabled: true },
    }),
  );
}
