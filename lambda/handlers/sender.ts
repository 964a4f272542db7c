/**
 * Sender Lambda: direct invocation (payload = send request, answer = `{ messageSid, status }` or
 * `{ error }`) and SQS send-queue events (answer = `{ batchItemFailures }`). Reads its environment
 * (SENDER_ENV in domain/environment.ts) and runs what composition/sender.ts builds; the rules are in
 * use-cases/send.ts, the two ways in in adapters/primary/sender-events.ts. A missing or contradictory
 * setting fails the cold start rather than a request.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { senderFunction } from '../composition/sender';
import { readEnvironment, SENDER_ENV } from '../domain/environment';

export const handler = lambdaHandler(senderFunction(readEnvironment(process.env, SENDER_ENV)), {
  readableStack: makeStackReadable,
});
