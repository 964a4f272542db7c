/** Custom resource (CDK Provider framework): sets a Messaging Service's status callback. Wiring only. */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { onServiceCallbackEvent } from '../adapters/primary/messaging-service-resource';
import { messagingServices } from '../adapters/secondary/twilio-messaging-service';
import { credentialsFromEnvironment } from '../adapters/secondary/twilio-credentials';
import { createLogger } from '../adapters/secondary/logger';

const logger = createLogger();
const credentials = credentialsFromEnvironment();

export async function handler(event: CloudFormationCustomResourceEvent) {
  const result = await onServiceCallbackEvent(event, async () =>
    messagingServices(await credentials.get(), { baseUrl: process.env.TWILIO_API_BASE_URL }),
  );
  logger.info('messaging service status callback', {
    requestType: event.RequestType,
    physicalResourceId: result.PhysicalResourceId.split('|')[0],
  });
  return result;
}
