/**
 * A Messaging Service's service-level Delivery Status Callback, read and set through the `twilio` helper
 * library's Messaging v1 Service resource, built on `twilioVersion` like the Messages resource (so the
 * custom resource does not carry every Twilio product).
 */
import { ServiceListInstance } from 'twilio/lib/rest/messaging/v1/service';
import type V1 from 'twilio/lib/rest/messaging/V1';
import type { MessagingServicePort, TwilioCredentials } from '../../use-cases/ports';
import { twilioVersion } from './twilio-client';

export function messagingServices(
  credentials: TwilioCredentials,
  options: { baseUrl?: string; timeoutMs?: number } = {},
): MessagingServicePort {
  const { version } = twilioVersion(credentials, 'https://messaging.twilio.com', 'v1', options);
  const services = ServiceListInstance(version as unknown as V1);
  return {
    async getStatusCallback(serviceSid) {
      const service = await services(serviceSid).fetch();
      return service.statusCallback ?? '';
    },
    async setStatusCallback(serviceSid, url) {
      await services(serviceSid).update({ statusCallback: url });
    },
  };
}
