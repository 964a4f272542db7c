/**
 * The custom resource (CDK Provider framework) that sets a Messaging Service's status callback: Twilio's
 * Messaging Services API under the main credentials. Built from its environment by
 * handlers/messaging-service-callback.ts.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import { onServiceCallbackEvent, type ProviderResult } from '../adapters/primary/messaging-service-resource';
import { credentialsFrom } from '../adapters/secondary/twilio-credentials';
import { createLogger, type TwilioConfig } from './shared';

export function messagingServiceCallbackFunction(
  config: TwilioConfig,
): LambdaFunction<CloudFormationCustomResourceEvent, ProviderResult> {
  const logger = createLogger();
  const credentials = credentialsFrom(config);
  const handle = async (event: CloudFormationCustomResourceEvent) => {
    const result = await onServiceCallbackEvent(event, async () => {
      // The twilio library is imported when a request needs it, not at the cold start (its own chunk).
      const { messagingServices } = await import('../adapters/secondary/twilio-messaging-service');
      return messagingServices(await credentials.get(), { baseUrl: config.twilioApiBaseUrl });
    });
    logger.info('messaging service status callback', {
      requestType: event.RequestType,
      physicalResourceId: result.PhysicalResourceId.split('|')[0],
    });
    return result;
  };
  return { logger, handle };
}
