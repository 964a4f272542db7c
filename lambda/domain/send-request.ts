/**
 * What a caller may ask the sender to send, checked before anything talks to Twilio: a request that
 * fails here never costs a Twilio request, an idempotency record or a write.
 *
 * Pure: no AWS or Twilio imports. The send use case (use-cases/send.ts) turns a valid `SendCommand` into a
 * Twilio create request; this module also decides which create failures are worth retrying and which
 * StatusCallback a message carries, so those rules live next to the request they apply to.
 */
import { describeTwilioError } from './error-codes';
import { SID_PATTERNS } from './contract';
import { validateTags, type Tags } from './tags';

/** The longest body Twilio accepts (error 21617 beyond it). Counted in Unicode code points. */
export const MAX_BODY_LENGTH = 1600;
/** Twilio accepts at most 10 media URLs per message. */
export const MAX_MEDIA_URLS = 10;
export const MAX_MEDIA_URL_LENGTH = 2048;
/** Kept on the message item and echoed by the query API; long enough for a UUID or an order number. */
export const MAX_CLIENT_REFERENCE_LENGTH = 256;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

const E164 = /^\+[1-9]\d{1,14}$/;
const WHATSAPP_PREFIX = 'whatsapp:';
const SHORT_CODE = /^\d{5,6}$/;
/** Alphanumeric sender ID: 1 to 11 letters, digits or spaces, at least one letter. */
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
/** Printable text without control characters (a reference or key ends up in logs and JSON). */
const PRINTABLE = /^[^\p{Cc}]+$/u;

const FIELDS = [
  'to',
  'body',
  'mediaUrls',
  'from',
  'messagingServiceSid',
  'clientReference',
  'idempotencyKey',
  'accountSid',
  'tags',
] as const;

/** The fields that make a request the same message: a repeated idempotency key must repeat them. */
export const SEND_PAYLOAD_FIELDS = FIELDS.filter((field) => field !== 'idempotencyKey');

/** A send request as callers write it (JSON on a direct invocation, an SQS message or POST /messages). */
export interface SendRequest {
  /** E.164 (`+14155551234`) or `whatsapp:+14155551234`. */
  to: string;
  body?: string;
  mediaUrls?: string[];
  /** A Twilio number, short code, alphanumeric sender ID or `whatsapp:+E.164`. */
  from?: string;
  messagingServiceSid?: string;
  /** The caller's own reference, stored on the message item. */
  clientReference?: string;
  /** The same key is sent at most once (while its idempotency record lives). No key, no idempotency. */
  idempotencyKey?: string;
  /** Send as this subaccount (AC + 32 hex), with the main account's credentials. Default the main account. */
  accountSid?: string;
  /** Up to 10 key -> value strings kept on the message (domain/tags.ts); they win over URL tags. */
  tags?: Tags;
}

/** Where a request without `from` or `messagingServiceSid` sends from, and what media URLs may be. */
export interface SendDefaults {
  from?: string;
  messagingServiceSid?: string;
  /**
   * Twilio fetches media over the public internet, so media URLs must be https. Local runs (the
   * simulator never fetches media) may allow http.
   */
  allowHttpMedia?: boolean;
}

/** A request that passed validation, with the sender chosen: exactly one of `from` / `messagingServiceSid`. */
export interface SendCommand {
  to: string;
  body?: string;
  mediaUrls: string[];
  from?: string;
  messagingServiceSid?: string;
  clientReference?: string;
  idempotencyKey?: string;
  accountSid?: string;
  tags?: Tags;
}

export interface ValidationError {
  type: 'ValidationError';
  /** The request field at fault (`request` for the request as a whole). */
  field: string;
  message: string;
  retryable: false;
}

export type Validated = { ok: true; command: SendCommand } | { ok: false; error: ValidationError };

/** Checks a request and picks its sender; never throws, whatever `input` is. */
export function validateSendRequest(input: unknown, defaults: SendDefaults = {}): Validated {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return invalid('request', 'the request must be a JSON object');
  }
  const request = input as Record<string, unknown>;
  // A misspelt field ("mediaUrl") would otherwise be dropped silently and the message sent without it.
  const unknown = Object.keys(request).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    return invalid(
      unknown[0]!,
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; ` +
        `expected ${FIELDS.join(', ')}`,
    );
  }

  const to = optionalString(request, 'to');
  if (!to.ok) return to;
  if (to.value === undefined) return invalid('to', '"to" is required');
  if (!isRecipient(to.value)) {
    return invalid('to', '"to" must be an E.164 number (+14155551234) or whatsapp:+E.164');
  }

  const body = optionalString(request, 'body');
  if (!body.ok) return body;
  if (body.value !== undefined && [...body.value].length > MAX_BODY_LENGTH) {
    return invalid('body', `"body" is longer than ${MAX_BODY_LENGTH} characters`);
  }

  const media = mediaUrls(request.mediaUrls, defaults.allowHttpMedia === true);
  if (!media.ok) return media;
  if (body.value === undefined && media.value.length === 0) {
    return invalid('body', 'a message needs a "body", "mediaUrls" or both');
  }

  const from = optionalString(request, 'from');
  if (!from.ok) return from;
  if (from.value !== undefined && !isSender(from.value)) {
    return invalid(
      'from',
      '"from" must be an E.164 number, a short code, an alphanumeric sender ID or whatsapp:+E.164',
    );
  }
  const service = optionalString(request, 'messagingServiceSid');
  if (!service.ok) return service;
  if (service.value !== undefined && !SID_PATTERNS.messagingService.test(service.value)) {
    return invalid('messagingServiceSid', '"messagingServiceSid" must be MG followed by 32 hex characters');
  }
  if (from.value !== undefined && service.value !== undefined) {
    return invalid('from', 'give either "from" or "messagingServiceSid", not both');
  }
  const sender = chooseSender(to.value, from.value, service.value, defaults);
  if (!sender.ok) return sender;
  if (
    sender.value.from !== undefined &&
    to.value.startsWith(WHATSAPP_PREFIX) !== sender.value.from.startsWith(WHATSAPP_PREFIX)
  ) {
    return invalid('from', 'a WhatsApp message needs a whatsapp: sender, and an SMS a non-WhatsApp one');
  }

  const clientReference = boundedText(request, 'clientReference', MAX_CLIENT_REFERENCE_LENGTH);
  if (!clientReference.ok) return clientReference;
  const idempotencyKey = boundedText(request, 'idempotencyKey', MAX_IDEMPOTENCY_KEY_LENGTH);
  if (!idempotencyKey.ok) return idempotencyKey;
  const accountSid = optionalString(request, 'accountSid');
  if (!accountSid.ok) return accountSid;
  if (accountSid.value !== undefined && !SID_PATTERNS.account.test(accountSid.value)) {
    return invalid('accountSid', '"accountSid" must be AC followed by 32 hex characters');
  }

  let tags: Tags | undefined;
  if (request.tags !== undefined && request.tags !== null) {
    const checked = validateTags(request.tags);
    if (!checked.ok) return invalid('tags', checked.problem);
    if (Object.keys(checked.tags).length > 0) tags = checked.tags;
  }

  const command: SendCommand = { to: to.value, mediaUrls: media.value, ...sender.value };
  if (tags !== undefined) command.tags = tags;
  if (body.value !== undefined) command.body = body.value;
  if (clientReference.value !== undefined) command.clientReference = clientReference.value;
  if (idempotencyKey.value !== undefined) command.idempotencyKey = idempotencyKey.value;
  if (accountSid.value !== undefined) command.accountSid = accountSid.value;
  return { ok: true, command };
}

/**
 * The sender's defaults as configured, or a reason they cannot be used: a misconfigured deployment
 * should fail when it starts, not on every request.
 */
export function checkSendDefaults(defaults: SendDefaults): string | undefined {
  if (defaults.from !== undefined && defaults.messagingServiceSid !== undefined) {
    return 'set a default "from" or a default messaging service SID, not both';
  }
  if (defaults.from !== undefined && !isSender(defaults.from)) {
    return `the default "from" (${defaults.from}) is not a phone number, short code or sender ID`;
  }
  if (
    defaults.messagingServiceSid !== undefined &&
    !SID_PATTERNS.messagingService.test(defaults.messagingServiceSid)
  ) {
    return 'the default messaging service SID must be MG followed by 32 hex characters';
  }
  return undefined;
}

/**
 * How status callbacks reach the tracker (Twilio's guide "Track the Message Status of Outbound
 * Messages", scenarios 1 and 2):
 * - by default every message carries `StatusCallback` = the stack's callback URL;
 * - with `useServiceCallback`, a message sent through a Messaging Service carries none, so the service's
 *   own Delivery Status Callback applies (a message-level URL would override it). A message sent from a
 *   bare `from` has no service callback, so it still carries the URL when one is configured.
 */
export function statusCallbackFor(
  command: Pick<SendCommand, 'messagingServiceSid'>,
  config: { statusCallbackUrl?: string; useServiceCallback: boolean },
): string | undefined {
  if (config.useServiceCallback && command.messagingServiceSid !== undefined) return undefined;
  return config.statusCallbackUrl;
}

/**
 * What to do when Twilio refuses a create:
 * - `retry`: worth another attempt soon (429 and 5xx; codes the catalogue marks retryable, e.g. 20429,
 *   21611 queue full);
 * - `later`: not this message's fault and not fixed in seconds (401: credentials refused; 404: the
 *   account in the URL does not exist). Not retried now; an SQS message stays on the queue for later;
 * - `reject`: this message will never be accepted as it is (21211 invalid number, 21610 unsubscribed,
 *   21614 not a mobile number...). Never retried.
 */
export type CreateFailureDecision = 'retry' | 'later' | 'reject';

export function classifyCreateFailure(httpStatus: number, code: number | undefined): CreateFailureDecision {
  if (httpStatus === 429 || httpStatus >= 500) return 'retry';
  if (code !== undefined && describeTwilioError(code).retryable) return 'retry';
  if (httpStatus === 401 || httpStatus === 404) return 'later';
  return 'reject';
}

function isRecipient(address: string): boolean {
  const number = address.startsWith(WHATSAPP_PREFIX) ? address.slice(WHATSAPP_PREFIX.length) : address;
  return E164.test(number);
}

function isSender(address: string): boolean {
  if (address.startsWith(WHATSAPP_PREFIX)) return E164.test(address.slice(WHATSAPP_PREFIX.length));
  return E164.test(address) || SHORT_CODE.test(address) || ALPHANUMERIC_SENDER.test(address);
}

function chooseSender(
  to: string,
  from: string | undefined,
  messagingServiceSid: string | undefined,
  defaults: SendDefaults,
):
  | { ok: true; value: { from?: string; messagingServiceSid?: string } }
  | { ok: false; error: ValidationError } {
  if (from !== undefined) return { ok: true, value: { from } };
  if (messagingServiceSid !== undefined) return { ok: true, value: { messagingServiceSid } };
  if (defaults.messagingServiceSid !== undefined && defaults.from === undefined) {
    return { ok: true, value: { messagingServiceSid: defaults.messagingServiceSid } };
  }
  if (defaults.from !== undefined && defaults.messagingServiceSid === undefined) {
    // A WhatsApp sender is a phone number's WhatsApp address: a WhatsApp recipient gets the default
    // number's, rather than a refusal for mixing channels that the caller never chose.
    const whatsapp = to.startsWith(WHATSAPP_PREFIX) && E164.test(defaults.from);
    return { ok: true, value: { from: whatsapp ? `${WHATSAPP_PREFIX}${defaults.from}` : defaults.from } };
  }
  return invalid('from', 'give "from" or "messagingServiceSid" (no default sender is configured)');
}

function mediaUrls(
  value: unknown,
  allowHttp: boolean,
): { ok: true; value: string[] } | { ok: false; error: ValidationError } {
  if (value === undefined || value === null) return { ok: true, value: [] };
  if (!Array.isArray(value)) return invalid('mediaUrls', '"mediaUrls" must be an array of URLs');
  if (value.length > MAX_MEDIA_URLS) {
    return invalid('mediaUrls', `"mediaUrls" may hold at most ${MAX_MEDIA_URLS} URLs`);
  }
  const urls: string[] = [];
  for (const [index, raw] of value.entries()) {
    const field = `mediaUrls[${index}]`;
    if (typeof raw !== 'string' || raw.trim() === '') return invalid(field, `${field} must be a URL`);
    const text = raw.trim();
    if (text.length > MAX_MEDIA_URL_LENGTH) {
      return invalid(field, `${field} is longer than ${MAX_MEDIA_URL_LENGTH} characters`);
    }
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return invalid(field, `${field} is not an absolute URL`);
    }
    const schemeOk = url.protocol === 'https:' || (allowHttp && url.protocol === 'http:');
    if (!schemeOk) {
      return invalid(field, `${field} must be an ${allowHttp ? 'http(s)' : 'https'} URL`);
    }
    // Credentials in a media URL would be stored and logged by Twilio.
    if (url.username !== '' || url.password !== '') {
      return invalid(field, `${field} must not carry a user name or password`);
    }
    urls.push(text);
  }
  return { ok: true, value: urls };
}

/** A string field, trimmed; absent, null and blank are all "not given". */
function optionalString(
  request: Record<string, unknown>,
  field: string,
): { ok: true; value: string | undefined } | { ok: false; error: ValidationError } {
  const value = request[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'string') return invalid(field, `"${field}" must be a string`);
  const trimmed = field === 'body' ? value : value.trim();
  return { ok: true, value: trimmed.trim() === '' ? undefined : trimmed };
}

function boundedText(
  request: Record<string, unknown>,
  field: string,
  maxLength: number,
): { ok: true; value: string | undefined } | { ok: false; error: ValidationError } {
  const text = optionalString(request, field);
  if (!text.ok || text.value === undefined) return text;
  if (text.value.length > maxLength)
    return invalid(field, `"${field}" is longer than ${maxLength} characters`);
  if (!PRINTABLE.test(text.value)) return invalid(field, `"${field}" must not contain control characters`);
  return text;
}

function invalid(field: string, message: string): { ok: false; error: ValidationError } {
  return { ok: false, error: { type: 'ValidationError', field, message, retryable: false } };
}
