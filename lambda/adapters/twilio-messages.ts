/**
 * Twilio's Api v2010 Messages resource, built from the `twilio` helper library's own pieces and nothing
 * more. The package root (`require('twilio')`) loads every Twilio product; here only the base client,
 * one Domain, one Version and the Message resource are imported, so a bundle carries a few hundred KB of
 * Twilio code instead of megabytes (see the sender's bundle size in the README / bench).
 *
 *   sender --create--> MessagesPort --library--> TwilioRequestClient --HTTPS--> api.twilio.com
 *
 * `TwilioRequestClient` is the library's request-client hook (`httpClient`) and does two things:
 * - with `TWILIO_API_BASE_URL` it rewrites `https://api.twilio.com` (any *.twilio.com host) to that base
 *   URL (the local Twilio simulator), so the same library code runs locally;
 * - it turns an error response into a `TwilioApiError` that keeps the `Retry-After` header, which the
 *   library's own RestException drops and the sender's backoff needs. Transport failures become
 *   `TwilioNetworkError`.
 */
import { Client as BaseTwilio } from 'twilio/lib/base/BaseTwilio';
import Domain from 'twilio/lib/base/Domain';
import Version from 'twilio/lib/base/Version';
import RequestClient from 'twilio/lib/base/RequestClient';
import { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
import type V2010 from 'twilio/lib/rest/api/V2010';
import type { TwilioCredentials, CredentialsSource } from './twilio-credentials';
import {
  TwilioApiError,
  TwilioConfigurationError,
  TwilioNetworkError,
  type CreateMessageParams,
  type CreatedMessage,
  type MessagesPort,
} from '../use-cases/twilio-ports';

export const TWILIO_API_ORIGIN = 'https://api.twilio.com';
/** Per-request timeout: a create normally answers in well under a second. */
const DEFAULT_TIMEOUT_MS = 10_000;

type RequestOptions = RequestClient.RequestOptions;
type Response = Awaited<ReturnType<RequestClient['request']>>;

/** The library's HTTP client with a base-URL override and error responses that keep their headers. */
export class TwilioRequestClient extends RequestClient {
  private readonly baseUrl: string | undefined;

  constructor(options: RequestClient.RequestClientOptions & { baseUrl?: string } = {}) {
    const { baseUrl, ...rest } = options;
    super(rest);
    this.baseUrl = baseUrl?.replace(/\/+$/, '') || undefined;
  }

  /**
   * The URL the request goes to: Twilio's, or the same path and query under the base URL. Any
   * *.twilio.com host is rewritten, so TWILIO_REGION / TWILIO_EDGE (which the library applies to the
   * host) can never send a local run's request to the real Twilio.
   */
  resolve(uri: string): string {
    return this.baseUrl === undefined ? uri : rewriteTwilioUrl(uri, this.baseUrl);
  }

  override async request<TData>(options: RequestOptions): Promise<Response & { body: TData }> {
    let response: Response;
    try {
      response = await super.request<TData>({ ...options, uri: this.resolve(options.uri) });
    } catch (error) {
      throw new TwilioNetworkError((error as { code?: string } | null)?.code, error);
    }
    if (response.statusCode >= 400) throw apiError(response);
    return response as Response & { body: TData };
  }
}

/** Any *.twilio.com URL moved onto `baseUrl` (same path and query); other URLs are returned unchanged. */
export function rewriteTwilioUrl(uri: string, baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
  const host = url.hostname.toLowerCase();
  if (host !== 'twilio.com' && !host.endsWith('.twilio.com')) return uri;
  return `${baseUrl.replace(/\/+$/, '')}${url.pathname}${url.search}`;
}

export interface TwilioMessagesOptions {
  credentials: CredentialsSource;
  /** `TWILIO_API_BASE_URL`: e.g. the simulator's http://127.0.0.1:PORT. Unset: api.twilio.com. */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * One version of one Twilio domain (Api 2010-04-01, Messaging v1, ...) on the library's base client and
 * this module's request client, for one set of credentials; API key credentials are used when present.
 * Every Twilio resource this project uses is built on it.
 */
export function twilioVersion(
  credentials: TwilioCredentials,
  domain: string,
  version: string,
  options: { baseUrl?: string; timeoutMs?: number } = {},
): { version: Version; accountSid: string } {
  const accountSid = credentials.accountSid;
  if (!accountSid) {
    throw new TwilioConfigurationError(
      'the Twilio account SID is needed: set TWILIO_ACCOUNT_SID (local) or "accountSid" in the secret',
    );
  }
  const useKey = credentials.apiKeySid !== undefined && credentials.apiKeySecret !== undefined;
  const httpClient = new TwilioRequestClient({
    baseUrl: options.baseUrl,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // Callers decide about retries (the sender knows Retry-After and what is permanent).
    autoRetry: false,
  });
  const client = new BaseTwilio(
    useKey ? credentials.apiKeySid : accountSid,
    useKey ? credentials.apiKeySecret : credentials.authToken,
    { accountSid, httpClient, env: {} },
  );
  return { version: new Version(new Domain(client, domain), version), accountSid };
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

/** Twilio's error body: legacy `{code, message, more_info}` or RFC 9457 `{code, title, detail}`. */
function apiError(response: Response): TwilioApiError {
  let body: unknown = response.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof fields.code === 'number' && fields.code > 0 ? fields.code : undefined;
  const text =
    [fields.message, fields.detail, fields.title].find(
      (v): v is string => typeof v === 'string' && v !== '',
    ) ?? `Twilio answered HTTP ${response.statusCode}`;
  const moreInfo = typeof fields.more_info === 'string' ? fields.more_info : undefined;
  return new TwilioApiError(response.statusCode, code, text, moreInfo, retryAfterSeconds(response.headers));
}

function retryAfterSeconds(headers: unknown): number | undefined {
  const raw = headerValue(headers, 'retry-after');
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}
