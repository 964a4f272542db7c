/**
 * A Messaging Service's service-level Delivery Status Callback, read and set through the `twilio` helper
 * library's Messaging v1 Service resource (built from the library's pieces, like twilio-messages.ts, so
 * the custom resource does not carry every Twilio product).
 */
import { Client as BaseTwilio } from 'twilio/lib/base/BaseTwilio';
import Domain from 'twilio/lib/base/Domain';
import Version from 'twilio/lib/base/Version';
import { ServiceListInstance } from 'twilio/lib/rest/messaging/v1/service';
import type V1 from 'twilio/lib/rest/messaging/V1';
import type { TwilioCredentials } from './twilio-credentials';
import { TwilioConfigurationError, TwilioRequestClient } from './twilio-messages';

export interface MessagingServicePort {
  /** The service's current status callback ('' when none). */
  getStatusCallback(serviceSid: string): Promise<string>;
  setStatusCallback(serviceSid: string, url: string): Promise<void>;
}

export function messagingServices(
  credentials: TwilioCredentials,
  options: { baseUrl?: string; timeoutMs?: number } = {},
): MessagingServicePort {
  const accountSid = credentials.accountSid;
  if (!accountSid) {
    throw new TwilioConfigurationError('the Twilio account SID is needed: set "accountSid" in the secret');
  }
  const useKey = credentials.apiKeySid !== undefined && credentials.apiKeySecret !== undefined;
  const client = new BaseTwilio(
    useKey ? credentials.apiKeySid : accountSid,
    useKey ? credentials.apiKeySecret : credentials.authToken,
    {
      accountSid,
      env: {},
      httpClient: new TwilioRequestClient({ baseUrl: options.baseUrl, timeout: options.timeoutMs ?? 10_000 }),
    },
  );
  const v1 = new Version(new Domain(client, 'https://messaging.twilio.com'), 'v1') as unknown as V1;
  const services = ServiceListInstance(v1);
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
