/**
 * The REST API subset, with Twilio's JSON shapes and error format: the 2010-04-01 Messages resource
 * (api.twilio.com) and the v1 Messaging Services resource (messaging.twilio.com).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hex32, type NewMessage, type SimulatorEngine } from './engine';
import type { Channel, CreateFailure, SimulatedMessage, SimulatedService } from './types';
import { SIMULATED_PRICE_UNIT } from './prices';

const MAX_BODY_BYTES = 1024 * 1024;
const E164 = /^\+[1-9]\d{1,14}$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const SHORT_CODE = /^\d{3,8}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const MAX_BODY_CHARS = 1600;

/** Twilio's test-credential magic numbers for To: the error each one answers. */
const MAGIC_TO: Readonly<Record<string, { code: number; message: (to: string) => string }>> = {
  '+15005550001': { code: 21211, message: (to) => `The 'To' number ${to} is not a valid phone number.` },
  '+15005550002': {
    code: 21612,
    message: (to) => `The 'To' phone number: ${to}, is not currently reachable.`,
  },
  '+15005550003': {
    code: 21408,
    message: (to) =>
      `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`,
  },
  '+15005550004': { code: 21610, message: () => 'Attempt to send to unsubscribed recipient' },
  '+15005550009': { code: 21614, message: (to) => `'To' number ${to} is not a valid mobile number` },
};

/** Magic numbers for From. */
const MAGIC_FROM: Readonly<Record<string, { code: number; message: (from: string) => string }>> = {
  '+15005550001': {
    code: 21212,
    message: (from) =>
      `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
  },
  '+15005550007': {
    code: 21606,
    message: (from) =>
      `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number.`,
  },
  '+15005550008': {
    code: 21611,
    message: () => 'This From number has exceeded the maximum number of queued messages',
  },
};

export class TwilioError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

type Form = URLSearchParams;

// ---- formatting ---------------------------------------------------------------------------------------

/** RFC 2822 as the 2010-04-01 API writes dates: "Thu, 24 Aug 2023 05:01:45 +0000". */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** ISO 8601 without milliseconds, as the v1 APIs write dates. */
function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function messageJson(m: SimulatedMessage): Record<string, unknown> {
  const base = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}`;
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
    date_updated: rfc2822(m.dateUpdated),
    direction: 'outbound-api',
    error_code: m.errorCode ?? null,
    error_message: m.errorMessage ?? null,
    from: m.from ?? null,
    messaging_service_sid: m.messagingServiceSid ?? null,
    num_media: String(m.mediaUrls.length),
    num_segments: String(m.numSegments),
    price: m.price ?? null,
    price_unit: SIMULATED_PRICE_UNIT,
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${base}/Media.json` },
    to: m.to,
    uri: `${base}.json`,
  };
}

export function serviceJson(s: SimulatedService, accountSid: string): Record<string, unknown> {
  const url = `https://messaging.twilio.com/v1/Services/${s.sid}`;
  return {
    account_sid: accountSid,
    sid: s.sid,
    friendly_name: s.friendlyName,
    date_created: iso(s.dateCreated),
    date_updated: iso(s.dateUpdated),
    inbound_request_url: s.inboundRequestUrl ?? null,
    inbound_method: 'POST',
    fallback_url: s.fallbackUrl ?? null,
    fallback_method: 'POST',
    status_callback: s.statusCallback ?? null,
    sticky_sender: true,
    mms_converter: true,
    smart_encoding: true,
    scan_message_content: 'inherit',
    fallback_to_long_code: true,
    area_code_geomatch: true,
    synchronous_validation: false,
    validity_period: 14400,
    url,
    links: {
      phone_numbers: `${url}/PhoneNumbers`,
      short_codes: `${url}/ShortCodes`,
      alpha_senders: `${url}/AlphaSenders`,
      messages: `${url}/Messages`,
      us_app_to_person: `${url}/Compliance/Usa2p`,
      us_app_to_person_usecases: `${url}/Compliance/Usa2p/Usecases`,
      channel_senders: `${url}/ChannelSenders`,
    },
    usecase: 'undeclared',
    us_app_to_person_registered: false,
    use_inbound_webhook_on_number: false,
  };
}

// ---- HTTP plumbing ------------------------------------------------------------------------------------

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
    'Content-Length': String(Buffer.byteLength(text)),
    'Twilio-Request-Id': 'RQ' + hex32(),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: TwilioError): void {
  send(
    res,
    error.status,
    {
      code: error.code,
      message: error.message,
      more_info: `https://www.twilio.com/docs/errors/${error.code}`,
      status: error.status,
    },
    error.headers,
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new TwilioError(413, 20001, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Whether the request's Basic credentials may act on `accountInPath`: the parent's (or an API key's) on
 * the parent and every subaccount, a subaccount's own on itself only, as Twilio allows.
 */
function authenticate(
  req: IncomingMessage,
  engine: SimulatorEngine,
  accountInPath: string | undefined,
): boolean {
  const header = req.headers.authorization;
  if (!header || !/^Basic /i.test(header)) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const { accountSid, authToken, apiKeys } = engine.options;
  if (accountInPath !== undefined && engine.tokenOf(accountInPath) === undefined) return false;
  if (user === accountSid && password === authToken) return true;
  if (apiKeys.some((key) => key.sid === user && key.secret === password)) return true;
  return user === accountInPath && password === engine.tokenOf(user);
}

function authError(): TwilioError {
  return new TwilioError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
}

function notFound(path: string): TwilioError {
  return new TwilioError(404, 20404, `The requested resource ${path} was not found`);
}

function methodNotAllowed(): TwilioError {
  return new TwilioError(405, 20004, 'Method not allowed');
}

function failureError(failure: CreateFailure): TwilioError {
  const retryAfter = failure.retryAfterSeconds ?? (failure.status === 429 ? 1 : undefined);
  return new TwilioError(
    failure.status,
    failure.code,
    failure.message,
    retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
  );
}

// ---- validation ---------------------------------------------------------------------------------------

function channelOf(address: string): string | undefined {
  const match = /^([a-z]+):/.exec(address);
  return match?.[1];
}

function validUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}

function segments(body: string, channel: Channel): number {
  if (channel !== 'sms' || body.length === 0) return 1;
  // GSM-7 approximated by ASCII; anything else goes out as UCS-2.
  const gsm = /^[\x20-\x7e\n\r]*$/.test(body);
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const length = [...body].length;
  return length <= single ? 1 : Math.ceil(length / multi);
}

/** Validates a create like Twilio does, in Twilio's order, and returns the new message's input. */
export function validateCreate(form: Form): NewMessage {
  const to = form.get('To')?.trim() ?? '';
  const from = form.get('From')?.trim() || undefined;
  const serviceSid = form.get('MessagingServiceSid')?.trim() || undefined;
  const body = form.get('Body') ?? '';
  const mediaUrls = form.getAll('MediaUrl').filter((u) => u !== '');
  const contentSid = form.get('ContentSid')?.trim() || undefined;
  const statusCallback = form.get('StatusCallback')?.trim() || undefined;

  if (!to) throw new TwilioError(400, 21604, "A 'To' phone number is required.");
  const magic = MAGIC_TO[to];
  if (magic) throw new TwilioError(400, magic.code, magic.message(to));
  const toChannel = channelOf(to);
  const toNumber = toChannel ? to.slice(toChannel.length + 1) : to;
  if ((toChannel !== undefined && toChannel !== 'whatsapp' && toChannel !== 'rcs') || !E164.test(toNumber)) {
    throw new TwilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  }
  if (!from && !serviceSid) throw new TwilioError(400, 21603, "A 'From' phone number is required.");
  if (serviceSid && !SERVICE_SID.test(serviceSid)) {
    throw new TwilioError(400, 21701, `The Messaging Service Sid ${serviceSid} is invalid.`);
  }
  if (from) {
    const magicFrom = MAGIC_FROM[from];
    if (magicFrom) throw new TwilioError(400, magicFrom.code, magicFrom.message(from));
    const fromChannel = channelOf(from);
    const fromAddress = fromChannel ? from.slice(fromChannel.length + 1) : from;
    const validFrom = fromChannel
      ? fromAddress.length > 0
      : E164.test(from) || SHORT_CODE.test(from) || ALPHANUMERIC_SENDER.test(from);
    if (!validFrom) {
      throw new TwilioError(
        400,
        21212,
        `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
      );
    }
    if (fromChannel !== toChannel) {
      throw new TwilioError(
        400,
        21910,
        'Invalid From and To pair. From and To should be of the same channel',
      );
    }
  }
  if (!body && mediaUrls.length === 0 && !contentSid) {
    throw new TwilioError(400, 21602, 'Message body is required.');
  }
  if ([...body].length > MAX_BODY_CHARS) {
    throw new TwilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  if (mediaUrls.some((u) => !validUrl(u))) {
    throw new TwilioError(400, 21620, 'Invalid media URL(s).');
  }
  if (statusCallback !== undefined && !validUrl(statusCallback)) {
    throw new TwilioError(400, 21609, `The StatusCallback URL ${statusCallback} is not a valid URL.`);
  }
  const channel: Channel =
    toChannel === 'whatsapp'
      ? 'whatsapp'
      : toChannel === 'rcs'
        ? 'rcs'
        : mediaUrls.length > 0
          ? 'mms'
          : 'sms';
  return {
    to,
    ...(from ? { from } : {}),
    ...(serviceSid ? { messagingServiceSid: serviceSid } : {}),
    body,
    mediaUrls,
    ...(statusCallback ? { statusCallback } : {}),
    channel,
    numSegments: segments(body, channel),
  };
}

// ---- routes -------------------------------------------------------------------------------------------

const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
const SERVICES = /^\/v1\/Services\/?$/;
const SERVICE = /^\/v1\/Services\/([^/]+)$/;

export async function handleRequest(
  engine: SimulatorEngine,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    await route(engine, req, res);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof TwilioError) sendError(res, error);
    else sendError(res, new TwilioError(500, 20500, 'An internal server error has occurred'));
  }
}

async function route(engine: SimulatorEngine, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator.local');
  const path = url.pathname;
  const method = req.method ?? 'GET';

  if (path === '/health' || path === '/') {
    send(res, 200, { simulator: 'twilio', accountSid: engine.options.accountSid });
    return;
  }

  const messages = MESSAGES.exec(path);
  const message = MESSAGE.exec(path);
  const services = SERVICES.exec(path);
  const service = SERVICE.exec(path);
  if (!messages && !message && !services && !service) throw notFound(path);
  const accountInPath = (messages ?? message)?.[1];
  if (!authenticate(req, engine, accountInPath)) throw authError();

  if (messages) {
    if (method === 'POST') return createMessage(engine, req, res, accountInPath);
    if (method === 'GET') return listMessages(engine, url, res, messages[1] ?? '');
    throw methodNotAllowed();
  }
  if (message) {
    if (method !== 'GET') throw methodNotAllowed();
    const sid = message[2] ?? '';
    const found = MESSAGE_SID.test(sid) ? engine.getMessage(sid) : undefined;
    // Another account's message is not found under this one, as on Twilio.
    if (!found || found.accountSid !== accountInPath) throw notFound(path);
    send(res, 200, messageJson(found));
    return;
  }
  if (services) {
    if (method === 'GET') {
      const list = engine.services().map((s) => serviceJson(s, engine.options.accountSid));
      const pageUrl = 'https://messaging.twilio.com/v1/Services?PageSize=50&Page=0';
      send(res, 200, {
        services: list,
        meta: {
          page: 0,
          page_size: Math.max(50, list.length),
          first_page_url: pageUrl,
          previous_page_url: null,
          url: pageUrl,
          next_page_url: null,
          key: 'services',
        },
      });
      return;
    }
    if (method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const friendlyName = form.get('FriendlyName');
      if (!friendlyName)
        throw new TwilioError(400, 20001, 'Missing required parameter FriendlyName in the post body');
      const statusCallback = form.get('StatusCallback') || undefined;
      if (statusCallback !== undefined && !validUrl(statusCallback)) {
        throw new TwilioError(400, 21609, `The StatusCallback URL ${statusCallback} is not a valid URL.`);
      }
      const created = engine.createService({ friendlyName, ...(statusCallback ? { statusCallback } : {}) });
      send(res, 201, serviceJson(created, engine.options.accountSid));
      return;
    }
    throw methodNotAllowed();
  }
  // A single Messaging Service: any well-formed MG SID exists on demand.
  const sid = service?.[1] ?? '';
  if (!SERVICE_SID.test(sid)) throw notFound(path);
  if (method === 'GET') {
    engine.ensureService(sid);
    const found = engine.getService(sid);
    if (!found) throw notFound(path);
    send(res, 200, serviceJson(found, engine.options.accountSid));
    return;
  }
  if (method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const statusCallback = form.get('StatusCallback') ?? undefined;
    if (statusCallback && !validUrl(statusCallback)) {
      throw new TwilioError(400, 21609, `The StatusCallback URL ${statusCallback} is not a valid URL.`);
    }
    const updated = engine.updateService(sid, {
      ...(form.has('FriendlyName') ? { friendlyName: form.get('FriendlyName') ?? '' } : {}),
      ...(statusCallback !== undefined ? { statusCallback } : {}),
      ...(form.has('InboundRequestUrl') ? { inboundRequestUrl: form.get('InboundRequestUrl') ?? '' } : {}),
      ...(form.has('FallbackUrl') ? { fallbackUrl: form.get('FallbackUrl') ?? '' } : {}),
    });
    send(res, 200, serviceJson(updated, engine.options.accountSid));
    return;
  }
  if (method === 'DELETE') {
    if (!engine.deleteService(sid)) throw notFound(path);
    send(res, 204, undefined);
    return;
  }
  throw methodNotAllowed();
}

async function createMessage(
  engine: SimulatorEngine,
  req: IncomingMessage,
  res: ServerResponse,
  accountSid: string | undefined,
): Promise<void> {
  const raw = await readBody(req);
  const failure = engine.takeCreateFailure();
  if (failure) throw failureError(failure);
  const input = validateCreate(new URLSearchParams(raw));
  const created = engine.createMessage(input, accountSid);
  // The lifecycle starts once the answer is out, so no callback overtakes the create's response.
  res.once('close', () => engine.startLifecycle(created.sid));
  send(res, 201, messageJson(created));
}

/** The messages of the account in the path only, as Twilio lists them. */
function listMessages(engine: SimulatorEngine, url: URL, res: ServerResponse, accountSid: string): void {
  const pageSize = Math.min(1000, Math.max(1, Number(url.searchParams.get('PageSize') ?? 50) || 50));
  const page = Math.max(0, Number(url.searchParams.get('Page') ?? 0) || 0);
  const to = url.searchParams.get('To');
  const from = url.searchParams.get('From');
  const all = engine
    .messages()
    .filter(
      (m) =>
        m.accountSid === accountSid && (to === null || m.to === to) && (from === null || m.from === from),
    )
    .reverse(); // newest first, as Twilio lists
  const start = page * pageSize;
  const items = all.slice(start, start + pageSize);
  const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const filters = [
    to !== null ? `To=${encodeURIComponent(to)}` : '',
    from !== null ? `From=${encodeURIComponent(from)}` : '',
  ]
    .filter(Boolean)
    .map((f) => `&${f}`)
    .join('');
  const pageUri = (p: number) => `${base}?PageSize=${pageSize}&Page=${p}${filters}`;
  send(res, 200, {
    messages: items.map(messageJson),
    end: start + Math.max(0, items.length - 1),
    first_page_uri: pageUri(0),
    next_page_uri: start + pageSize < all.length ? pageUri(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? pageUri(page - 1) : null,
    start,
    uri: pageUri(page),
  });
}
