/**
 * Custom resource (CDK Provider framework): sets a Messaging Service's status callback. Reads its
 * environment (the Twilio settings) and runs what composition/messaging-service-callback.ts builds.
 */
import { lambdaHandler } from '../adapters/primary/lambda-handler';
import { makeStackReadable } from '../adapters/secondary/readable-stack';
import { messagingServiceCallbackFunction } from '../composition/messaging-service-callback';
import { MESSAGING_SERVICE_ENV, readEnvironment } from '../domain/environment';

export const handler = lambdaHandler(
  messagingServiceCallbackFunction(readEnvironment(process.env, MESSAGING_SERVICE_ENV)),
  { readableStack: makeStackReadable },
);
