/**
 * Where the commands send their requests: the local server (`npm start`, plain HTTP, no auth) or a
 * deployed stack (SigV4-signed requests to its HTTP API, the sender Lambda for sends). The commands see
 * one interface, so each is written once for both.
 */
import type { SendRequest } from '../../lambda/domain/send-request';
import { UnreachableError, UsageError } from './errors';
import { defaultLocalUrl } from './local-url';

/** The sender's answer, from `POST /messages` locally or the sender Lambda in AWS. */
export type SendAnswer =
  { ok: true; messageSid: string; status: string } | { ok: false; httpStatus?: number; error: unknown };

export interface Tracker {
  /** GET a path (with its query string) of the tracker's HTTP API. */
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<Response>;
  /** DELETE a path of the tracker's HTTP API (the dead-numbers API's clear). */
  delete(path: string): Promise<Response>;
  send(request: SendRequest): Promise<SendAnswer>;
  close(): void;
}

export interface TargetOptions {
  url?: string;
  stack?: string;
  region?: string;
  profile?: string;
}

export async function connect(options: TargetOptions): Promise<Tracker> {
  if (options.stack !== undefined) {
    if (options.url !== undefined) throw new UsageError('give --url or --stack, not both');
    // Loaded only for --stack, so local use never pays for the AWS SDK.
    const { connectToStack } = await import('./stack');
    return connectToStack({ stack: options.stack, region: options.region, profile: options.profile });
  }
  for (const name of ['region', 'profile'] as const) {
    if (options[name] !== undefined) throw new UsageError(`--${name} goes with --stack NAME`);
  }
  return localTracker(localBaseUrl(options.url));
}

/** Runs `use` against the tracker the options name, and lets go of its clients afterwards. */
export async function withTracker<T>(
  options: TargetOptions,
  use: (tracker: Tracker) => Promise<T>,
): Promise<T> {
  const tracker = await connect(options);
  try {
    return await use(tracker);
  } finally {
    tracker.close();
  }
}

/** --url, else TRACKER_URL, else the port `npm start` uses. Read at call time so tests can set them. */
export function localBaseUrl(url: string | undefined): string {
  const value = url ?? defaultLocalUrl();
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${url === undefined ? 'TRACKER_URL' : '--url'} is not a URL: ${value}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`--url must be http or https: ${value}`);
  return parsed.origin;
}

function localTracker(base: string): Tracker {
  const hint = 'is `npm start` running? Or pass --url, or --stack for a deployed stack';
  const request = (path: string, init: RequestInit) => fetchOrExplain(`${base}${path}`, init, hint);
  return {
    get: (path, headers = {}) => request(path, { headers }),
    delete: (path) => request(path, { method: 'DELETE' }),
    async send(sendRequest) {
      const response = await request('/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sendRequest),
      });
      const body = await readJson(response);
      if (!response.ok) return { ok: false, httpStatus: response.status, error: body.error ?? body };
      return { ok: true, messageSid: String(body.messageSid), status: String(body.status) };
    },
    close: () => undefined,
  };
}

/** How long a request may go unanswered (TRACKER_TIMEOUT, seconds) before the command gives up. */
const DEFAULT_TIMEOUT_SECONDS = 30;

function requestTimeoutMs(): number {
  const text = process.env.TRACKER_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`TRACKER_TIMEOUT must be a number of seconds above 0, got "${text}"`);
  return seconds * 1000;
}

/**
 * fetch, with "cannot reach" naming the URL tried instead of undici's bare `fetch failed`, and a bound
 * on how long it waits for an answer (a stuck proxy or a black-holed address would otherwise hang).
 */
export async function fetchOrExplain(url: string, init: RequestInit, hint?: string): Promise<Response> {
  const timeoutMs = requestTimeoutMs();
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    // A DOMException, which is not an Error in every realm: known by its name.
    if ((error as { name?: unknown } | null)?.name === 'TimeoutError')
      throw new UnreachableError(url, { code: `no answer within ${timeoutMs / 1000} s` }, hint);
    throw new UnreachableError(url, error, hint);
  }
}

/** A JSON answer as an object; a body that is not JSON (a proxy's HTML page) becomes its text. */
export async function readJson(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  return jsonObject(text) ?? { error: text.trim() || `HTTP ${response.status}` };
}

export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // not JSON: the caller decides what stands in for it
  }
  return undefined;
}

/** The `error` of an answer on one line: a string as is, the sender's `{ type, code, message }` joined. */
export function describeErrorAnswer(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    if (typeof e.error === 'string') return e.error;
    const parts = [e.code !== undefined ? `Twilio ${String(e.code)}` : '', String(e.message ?? '')];
    if (parts.some(Boolean)) return parts.filter(Boolean).join(': ');
  }
  return JSON.stringify(error);
}
