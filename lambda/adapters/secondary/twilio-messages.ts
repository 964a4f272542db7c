/**
 * Twilio's Api v2010 Messages resource, on the lean base client of twilio-client.ts: only the Message
 * resource is imported, so a bundle carries a few hundred KB of Twilio code instead of megabytes (see
 * the sender's bundle size in the README / bench).
 *
 *   sender --create--> MessagesPort --library--> TwilioRequestClient --HTTPS--> api.twilio.com
 */
import { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
import type V2010 from 'twilio/lib/rest/api/V2010';
import {
  TwilioApiError,
  type CreateMessageParams,
  type CreatedMessage,
  type CredentialsSource,
  type MessagesPort,
  type TwilioCredentials,
} from '../../use-cases/ports';
import { TWILIO_API_ORIGIN, twilioVersion } from './twilio-client';

export interface TwilioMessagesOptions {
  credentials: CredentialsSource;
  /** `TWILIO_API_BASE_URL`: e.g. the simulator's http://127.0.0.1:PORT. Unset: api.twilio.com. */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * The Messages resource (list instance) for one set of credentials: `create` sends, `(sid).fetch()`
 * reads one message back (the reconciler's need).
 */
export function messagesResource(
  credentials: TwilioCredentials,
  options: { baseUrl?: string; timeoutMs?: number; accountSid?: string } = {},
): MessageListInstance {
  const { version, accountSid } = twilioVersion(credentials, TWILIO_API_ORIGIN, '2010-04-01', options);
  // The Message resource needs only Version's request methods; V2010 adds the account getters that
  // would pull in every other Api resource (calls, conferences...). A subaccount's SID in the path with
  // the parent's credentials acts as that subaccount, as Twilio allows.
  return MessageListInstance(version as unknown as V2010, options.accountSid ?? accountSid);
}

/**
 * The Messages resource of any account the credentials may act for (undefined: their own), each built
 * once: the parent's credentials with a subaccount's SID in the path.
 */
export function messagesByAccount(
  credentials: TwilioCredentials,
  options: { baseUrl?: string; timeoutMs?: number } = {},
): (accountSid?: string) => MessageListInstance {
  const resources = new Map<string, MessageListInstance>();
  return (accountSid) => {
    let resource = resources.get(accountSid ?? '');
    if (resource === undefined) {
      resource = messagesResource(credentials, { ...options, accountSid });
      resources.set(accountSid ?? '', resource);
    }
    return resource;
  };
}

/**
 * The sender's MessagesPort. Credentials come from the CredentialsSource (cached by it); the resource is
 * rebuilt only when they change. A 401 may mean the token was rotated, so credentials are re-read once
 * (the source rate-limits that) and the create is tried again with the fresh ones.
 */
export function createTwilioMessages(options: TwilioMessagesOptions): MessagesPort {
  // Resources per account the sender acts as, rebuilt when the credentials change.
  let cached:
    { credentials: TwilioCredentials; resourceFor: ReturnType<typeof messagesByAccount> } | undefined;
  const resourceFor = (credentials: TwilioCredentials, accountSid?: string): MessageListInstance => {
    if (cached?.credentials !== credentials) {
      cached = { credentials, resourceFor: messagesByAccount(credentials, options) };
    }
    return cached.resourceFor(accountSid);
  };

  const createWith = async (credentials: TwilioCredentials, params: CreateMessageParams) => {
    const message = await resourceFor(credentials, params.accountSid).create({
      to: params.to,
      ...(params.from !== undefined ? { from: params.from } : {}),
      ...(params.messagingServiceSid !== undefined
        ? { messagingServiceSid: params.messagingServiceSid }
        : {}),
      ...(params.body !== undefined ? { body: params.body } : {}),
      ...(params.mediaUrls && params.mediaUrls.length > 0 ? { mediaUrl: params.mediaUrls } : {}),
      ...(params.statusCallback !== undefined ? { statusCallback: params.statusCallback } : {}),
    });
    return {
      sid: message.sid,
      status: message.status,
      accountSid: message.accountSid,
      to: message.to,
      from: message.from,
      messagingServiceSid: message.messagingServiceSid,
      dateCreated: message.dateCreated,
    } satisfies CreatedMessage;
  };

  return {
    async create(params) {
      const credentials = await options.credentials.get();
      try {
        return await createWith(credentials, params);
      } catch (error) {
        if (!(error instanceof TwilioApiError) || error.httpStatus !== 401) throw error;
        // The token may have been rotated: re-read the secret; and between promoting the secondary
        // token in the console and updating the secret, the secondary one is the token that works.
        const fresh = await options.credentials.refresh();
        const current = fresh ?? credentials;
        const candidates = [
          ...(fresh !== undefined && !sameSecrets(fresh, credentials) ? [fresh] : []),
          ...(current.secondaryAuthToken && current.apiKeySid === undefined
            ? [{ ...current, authToken: current.secondaryAuthToken, secondaryAuthToken: undefined }]
            : []),
        ];
        let lastError: unknown = error;
        for (const candidate of candidates) {
          try {
            return await createWith(candidate, params);
          } catch (retryError) {
            if (!(retryError instanceof TwilioApiError) || retryError.httpStatus !== 401) throw retryError;
            lastError = retryError;
          }
        }
        throw lastError;
      }
    },
  };
}

function sameSecrets(a: TwilioCredentials, b: TwilioCredentials): boolean {
  return (
    a.accountSid === b.accountSid &&
    a.authToken === b.authToken &&
    a.apiKeySid === b.apiKeySid &&
    a.apiKeySecret === b.apiKeySecret
  );
}
