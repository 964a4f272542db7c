/**
 * Stream consumer Lambda: the messages table's stream (new and old images) -> one `Message Status
 * Changed` event per write that moved a status, on the tracker's EventBridge bus. Reads its environment
 * (EVENT_BUS_NAME) and runs what composition/stream-consumer.ts builds; the rules are in
 * use-cases/publish-status-events.ts.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { streamConsumerFunction } from '../composition/stream-consumer';
import { readEnvironment, STREAM_CONSUMER_ENV } from '../domain/environment';

export const handler = lambdaHandler(
  streamConsumerFunction(readEnvironment(process.env, STREAM_CONSUMER_ENV)),
  { readableStack: makeStackReadable },
);
