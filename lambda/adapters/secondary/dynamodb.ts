/**
 * DynamoDB clients, created once per container. An endpoint (`DYNAMODB_ENDPOINT`, passed in by the
 * composition modules) points them at DynamoDB Local (npm start, tests) with its placeholder credentials; in AWS none is set
 * and the SDK's regional endpoint and the function's role are used.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/** The client the message store and Powertools idempotency use. */
export function createDynamoClient(overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  const endpoint = overrides.endpoint;
  const client = new DynamoDBClient({
    // Retries are the SDK's standard mode; after them the handler answers 503 and Twilio retries.
    maxAttempts: 3,
    // The middleware stack is resolved once per command class, not on every call (the SDK's own
    // option; nothing here changes middleware after the first request).
    cacheMiddleware: true,
    ...(endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    ...overrides,
  });
  // With no SDK logger configured, the SDK's logger middleware still builds a redacted copy of every
  // request and response to hand to its no-op logger: about 3% of the callback's CPU in a profile.
  if (!overrides.logger) client.middlewareStack.remove('loggerMiddleware');
  return client;
}
