/** Builds status callbacks the way Twilio sends them and API Gateway delivers them. */
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildHttpApiEvent } from '../../local/http-api-event';

export const TEST_TOKEN = 'test-auth-token-0123456789abcdef';
export const CALLBACK_HOST = 'abc123.execute-api.eu-west-1.amazonaws.com';

export type Params = Array<[string, string]>;

export function formBody(params: Params): string {
  return new URLSearchParams(params).toString();
}

/** Twilio's signature over a URL and form params (repeated keys as arrays, as the helper expects). */
export function sign(token: string, url: string, params: Params): string {
  const grouped: Record<string, string[]> = {};
  for (const [key, value] of params) (grouped[key] ??= []).push(value);
  return getExpectedTwilioSignature(token, url.split('#')[0]!, grouped);
}

export interface CallbackEventOptions {
  params: Params;
  token?: string;
  host?: string;
  path?: string;
  query?: string;
  /** Overrides the computed signature (null: no header). */
  signature?: string | null;
  method?: string;
  contentType?: string;
  body?: string;
  /** URL the signature is computed over, when it differs from the request's. */
  signedUrl?: string;
}

export function callbackEvent(options: CallbackEventOptions): APIGatewayProxyEventV2 {
  const host = options.host ?? CALLBACK_HOST;
  const path = options.path ?? '/message-status';
  const url = `${path}${options.query ? `?${options.query}` : ''}`;
  const signedUrl = options.signedUrl ?? `https://${host}${url}`;
  const signature =
    options.signature === undefined
      ? sign(options.token ?? TEST_TOKEN, signedUrl, options.params)
      : options.signature;
  return buildHttpApiEvent({
    method: options.method ?? 'POST',
    url,
    routeKey: 'POST /message-status',
    headers: {
      host,
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'TwilioProxy/1.1',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
    body: options.body ?? formBody(options.params),
    scheme: 'https',
  });
}

let counter = 0;
export function testSid(prefix = 'SM'): string {
  counter++;
  return `${prefix}${(Date.now() % 1e9).toString(16).padStart(8, '0')}${counter.toString(16).padStart(24, '0')}`;
}

export function statusParams(messageSid: string, status: string, extra: Params = []): Params {
  return [
    ['AccountSid', 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['ApiVersion', '2010-04-01'],
    ['From', '+15017250604'],
    ['MessageSid', messageSid],
    ['MessageStatus', status],
    ['SmsSid', messageSid],
    ['SmsStatus', status],
    ['To', '+14155551234'],
    ...extra,
  ];
}

/** POSTs a callback signed with `token` to a running local server; answers the HTTP status. */
export async function postCallback(baseUrl: string, token: string, params: Params): Promise<number> {
  const url = `${baseUrl}/message-status`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sign(token, url, params),
    },
    body: formBody(params),
  });
  await response.arrayBuffer();
  return response.status;
}
