/**
 * Starts one DynamoDB Local (the official jar) for the dynamodb project of jest.config.js, unless
 * DYNAMODB_ENDPOINT already names one. Jest calls it only when a suite of that project is selected. Suites create their own tables (test/support/dynamodb.ts). A free port is chosen so that
 * several runs on one machine do not collide. It is started as `npm start` starts it
 * (startDynamoDbLocal: the loopback launcher), so every run exercises that.
 */
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { freePort } from '../../local/free-port';

export default async function globalSetup(): Promise<void> {
  if (process.env.DYNAMODB_ENDPOINT) return;
  const port = Number(process.env.TEST_DYNAMODB_PORT ?? (await freePort()));
  const running = await startDynamoDbLocal({ port });
  process.env.DYNAMODB_ENDPOINT = running.endpoint;
  // Started here (bound to 127.0.0.1 by the launcher, as npm start's): test/integration/dynamodb-local.test.ts checks it.
  process.env.TEST_DYNAMODB_STARTED = 'true';
  (globalThis as { __dynamodb?: typeof running }).__dynamodb = running;
}
