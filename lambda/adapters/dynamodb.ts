/**
 * The DynamoDB document client, created once per container. `DYNAMODB_ENDPOINT` points it at DynamoDB
 * Local (npm start, tests); in AWS it is unset and the SDK's regional endpoint is used.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function createDocumentClient(overrides: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const config: DynamoDBClientConfig = {
    // A Lambda has one request in flight; a local server may have many. Retries are the SDK's standard
    // mode; after them the handler answers 503 and Twilio retries.
    maxAttempts: 3,
    ...(endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    ...overrides,
  };
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Reads a required environment variable; a missing one fails the cold start, not a request. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
}
