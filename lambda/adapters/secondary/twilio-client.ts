/**
 * The base of every Twilio resource this project uses, from the `twilio` helper library's own pieces: the
 * library's base client, one Domain and one Version, on a request client of this module. The package root
 * (`require('twilio')`) loads every Twilio product; the resources built on `twilioVersion` (the Messages
 * resource, twilio-messages.ts; a Messaging Service, twilio-messaging-service.ts) carry only their own.
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
import {
  TwilioApiError,
  TwilioConfigurationError,
  TwilioNetworkError,
  type TwilioCredentials,
} from '../../use-cases/ports';

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
