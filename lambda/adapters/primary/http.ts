/**
 * API Gateway HTTP API (payload 2.0) events <-> what the handlers need. The local server builds the same
 * events, so these functions are the one definition of "the request Twilio made".
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FormFields } from '../../domain/callback';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  // API Gateway (payload 2.0) and the local server lower-case every header name: that is the usual hit.
  const exact = headers[wanted];
  if (exact !== undefined) return exact;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * The URL Twilio called, which is what it signed: `https://{domainName}{rawPath}?{rawQueryString}`.
 * API Gateway marks the scheme in `x-forwarded-proto` (https); the local server marks http the same way.
 * `publicOrigin` (PUBLIC_BASE_URL's scheme and host: custom domains, tunnels) replaces them.
 */
export function publicUrl(event: APIGatewayProxyEventV2, publicOrigin?: string): string {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  if (publicOrigin) return `${publicOrigin}${event.rawPath}${query}`;
  const scheme = header(event, 'x-forwarded-proto') ?? 'https';
  return `${scheme}://${event.requestContext.domainName}${event.rawPath}${query}`;
}

export type DecodedBody = { ok: true; text: string; bytes: number } | { ok: false; reason: string };

/** The body as text; base64 bodies (API Gateway encodes form posts) are decoded strictly. */
export function decodeBody(event: APIGatewayProxyEventV2): DecodedBody {
  const raw = event.body ?? '';
  if (!event.isBase64Encoded) return { ok: true, text: raw, bytes: Buffer.byteLength(raw) };
  const compact = raw.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    return { ok: false, reason: 'body is not valid base64' };
  }
  const buffer = Buffer.from(compact, 'base64');
  return { ok: true, text: buffer.toString('utf8'), bytes: buffer.length };
}

/** An upper bound of the decoded size, known before decoding (base64 is 4 characters per 3 bytes). */
export function declaredBodyBytes(event: APIGatewayProxyEventV2): number {
  const length = event.body?.length ?? 0;
  return event.isBase64Encoded ? Math.floor((length * 3) / 4) : length;
}

/** application/x-www-form-urlencoded -> every key with all its values, in order. */
export function parseForm(text: string): FormFields {
  // No prototype: a key named `__proto__` or `constructor` is a field like any other, not a crash.
  const fields: FormFields = Object.create(null) as FormFields;
  for (const [key, value] of new URLSearchParams(text)) {
    (fields[key] ??= []).push(value);
  }
  return fields;
}

export function mediaType(event: APIGatewayProxyEventV2): string | undefined {
  return header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
}

/**
 * JSON (and CSV) answers say `nosniff`: a browser never reads one as HTML or script, whatever it holds
 * (a message's `to` or tag is the sender's text).
 */
export const NOSNIFF = { 'x-content-type-options': 'nosniff' } as const;

export function jsonResponse(
  statusCode: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...NOSNIFF, ...headers },
    body: JSON.stringify(body),
  };
}
