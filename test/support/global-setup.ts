/**
 * Starts one DynamoDB Local (the official jar) for the dynamodb project of jest.config.js, unless
 * DYNAMODB_ENDPOINT already names one. Jest calls it only when a suite of that project is selected. Suites create their own tables (test/support/dynamodb.ts). A free port is chosen so that
 * several runs on one machine do not collide.
 */
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { freePort } from '../../local/ports';

export default async function globalSetup(): Promise<void> {
  if (process.env.DYNAMODB_ENDPOINT) return;
  const port = Number(process.env.TEST_DYNAMODB_PORT ?? (await freePort()));
  const running = await startDynamoDbLocal({ port });
  process.env.DYNAMODB_ENDPOINT = running.endpoint;
  (globalThis as { __dynamodb?: typeof running }).__dynamodb = running;
}
