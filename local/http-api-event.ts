/**
 * Builds API Gateway HTTP API (payload format 2.0) events the way AWS does, so the local server and the
 * tests hand the real handlers exactly what they receive in AWS: lower-cased headers (repeats joined by
 * commas), raw path and query string, `x-forwarded-proto`, and form bodies base64-encoded (HTTP APIs
 * encode every body that is not text or JSON).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpApiRequest {
  method: string;
  /** Path and query as requested, e.g. `/message-status?foo=1`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer | string;
  /** Route key the request matched, e.g. `POST /message-status`. */
  routeKey: string;
  pathParameters?: Record<string, string>;
  /** Scheme to report in x-forwarded-proto (API Gateway: https; the local server: http). */
  scheme?: 'http' | 'https';
  sourceIp?: string;
}

export function buildHttpApiEvent(request: HttpApiRequest): APIGatewayProxyEventV2 {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart >= 0 ? request.url.slice(0, queryStart) : request.url;
  const rawQueryString = queryStart >= 0 ? request.url.slice(queryStart + 1) : '';

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const scheme = request.scheme ?? 'https';
  headers['x-forwarded-proto'] = scheme;
  headers['x-forwarded-port'] ??= scheme === 'https' ? '443' : '80';
  if (request.sourceIp) headers['x-forwarded-for'] = request.sourceIp;
  const domainName = headers.host ?? 'localhost';

  const queryStringParameters: Record<string, string> = {};
  for (const [key, value] of rawQueryString ? new URLSearchParams(rawQueryString) : []) {
    queryStringParameters[key] =
      key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
  }

  const bodyBuffer =
    request.body === undefined || request.body.length === 0
      ? undefined
      : Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(request.body);
  const contentType = headers['content-type'] ?? '';
  const isText = /^(text\/|application\/json)/i.test(contentType);
  const now = new Date();
  const decodedPath = safeDecode(rawPath);

  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method.toUpperCase(),
        path: decodedPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: request.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(bodyBuffer
      ? {
          body: isText ? bodyBuffer.toString('utf8') : bodyBuffer.toString('base64'),
          isBase64Encoded: !isText,
        }
      : { isBase64Encoded: false }),
  };
}

/** decodeURIComponent, or the text as it came when it is not valid percent-encoding (as API Gateway does). */
export function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
