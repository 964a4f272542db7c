/**
 * Outgoing status callbacks, sent the way Twilio sends them: form-encoded POST, signed with
 * X-Twilio-Signature over the exact URL (fragment removed), retried under the connection overrides in the
 * URL fragment (#rc=, #rp=, #ct=, #rt=, #tt=), with bounded concurrency on keep-alive agents.
 */
import http from 'node:http';
import https from 'node:https';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';

/** A failure class of Twilio's retry policy (`rp=`). */
export type FailureKind = 'ct' | 'rt' | '4xx' | '5xx';

const ALL_FAILURES: readonly FailureKind[] = ['ct', 'rt', '4xx', '5xx'];
/** Twilio's limits for the overrides; anything outside is clamped. */
const MAX_RETRY_COUNT = 5;
const MAX_CONNECT_TIMEOUT_MS = 10_000;
const MAX_READ_TIMEOUT_MS = 15_000;
const MAX_TOTAL_TIMEOUT_MS = 15_000;

export interface ConnectionOverrides {
  /** `rc`: retries after the first attempt (0-5). */
  retryCount: number;
  /** `rp`: which failures are retried; Twilio's default is `ct`. */
  retryPolicy: ReadonlySet<FailureKind>;
  /** `ct`: connect timeout in ms. */
  connectTimeoutMs?: number;
  /** `rt`: read timeout in ms (connected, waiting for the response). */
  readTimeoutMs?: number;
  /** `tt`: budget in ms for all attempts; no retry starts after it. */
  totalTimeoutMs?: number;
}

function clampInt(value: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  return Math.min(max, Math.max(min, Number(value)));
}

/**
 * Splits a callback URL into the URL Twilio requests and signs (fragment removed) and its connection
 * overrides, e.g. `https://host/path?x=1#rc=5&rp=5xx,ct,rt&rt=2000`.
 */
export function parseCallbackUrl(rawUrl: string): { url: string; overrides: ConnectionOverrides } {
  const hash = rawUrl.indexOf('#');
  const url = hash === -1 ? rawUrl : rawUrl.slice(0, hash);
  const fragment = hash === -1 ? '' : rawUrl.slice(hash + 1);
  const overrides: { -readonly [K in keyof ConnectionOverrides]: ConnectionOverrides[K] } = {
    retryCount: 0,
    retryPolicy: new Set<FailureKind>(['ct']),
  };
  for (const part of fragment.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = decodeURIComponent(part.slice(eq + 1)).trim();
    switch (key) {
      case 'rc':
        overrides.retryCount = clampInt(value, 0, MAX_RETRY_COUNT) ?? 0;
        break;
      case 'rp': {
        const policy = new Set<FailureKind>();
        for (const item of value.split(',').map((v) => v.trim().toLowerCase())) {
          if (item === 'all') ALL_FAILURES.forEach((f) => policy.add(f));
          else if ((ALL_FAILURES as readonly string[]).includes(item)) policy.add(item as FailureKind);
        }
        overrides.retryPolicy = policy;
        break;
      }
      case 'ct':
        overrides.connectTimeoutMs = clampInt(value, 1, MAX_CONNECT_TIMEOUT_MS);
        break;
      case 'rt':
        overrides.readTimeoutMs = clampInt(value, 1, MAX_READ_TIMEOUT_MS);
        break;
      case 'tt':
        overrides.totalTimeoutMs = clampInt(value, 1, MAX_TOTAL_TIMEOUT_MS);
        break;
      default:
        // e (edge), sni and anything Twilio adds later do not matter on loopback.
        break;
    }
  }
  return { url, overrides };
}

/** Form encoding as Twilio sends it (application/x-www-form-urlencoded, UTF-8). */
export function encodeForm(params: Readonly<Record<string, string>>): string {
  return new URLSearchParams(Object.entries(params)).toString();
}

export interface CallbackDelivery {
  /** The callback URL as configured, fragment included. */
  url: string;
  params: Readonly<Record<string, string>>;
  /** Sent as I-Twilio-Idempotency-Token; the same on retries and duplicates of one callback. */
  idempotencyToken: string;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'cancelled';

interface AttemptResult {
  ok: boolean;
  status?: number;
  failure?: FailureKind;
  /** The request failed on a pooled keep-alive socket the server had already closed. */
  staleSocket?: boolean;
}

export interface DispatcherSettings {
  /** The token a callback of this account is signed with (Twilio signs with the message's account's). */
  authToken(accountSid: string): string;
  concurrency(): number;
  retryBackoffMs(): [number, number];
  connectTimeoutMs(): number;
  readTimeoutMs(): number;
}

export interface DispatcherCounters {
  callbackRetries: number;
  callbackFailures: number;
}

/** Sends callbacks: one delivery = the first attempt plus the retries its URL allows. */
export class CallbackDispatcher {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxFreeSockets: 64 });
  private active = 0;
  private readonly waiters: Array<(granted: boolean) => void> = [];
  private readonly inflight = new Set<http.ClientRequest>();
  private readonly attempts = new Set<Promise<AttemptResult>>();
  private readonly sleeps = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly settings: DispatcherSettings,
    private readonly counters: DispatcherCounters,
  ) {}

  async deliver(delivery: CallbackDelivery): Promise<DeliveryOutcome> {
    const { url, overrides } = parseCallbackUrl(delivery.url);
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      this.counters.callbackFailures++;
      return 'failed';
    }
    const deadline =
      overrides.totalTimeoutMs === undefined
        ? Number.POSITIVE_INFINITY
        : Date.now() + overrides.totalTimeoutMs;
    const body = encodeForm(delivery.params);
    for (let retry = 0; ; retry++) {
      if (this.closed) return 'cancelled';
      const result = await this.attemptWithSlot(target, url, delivery, body, overrides);
      if (this.closed) return 'cancelled';
      if (result.ok) return 'delivered';
      const retryable = result.failure !== undefined && overrides.retryPolicy.has(result.failure);
      if (!retryable || retry >= overrides.retryCount) break;
      const wait = this.backoff(retry + 1);
      if (Date.now() + wait >= deadline) break;
      await this.sleep(wait);
      if (this.closed) return 'cancelled';
      this.counters.callbackRetries++;
    }
    this.counters.callbackFailures++;
    return 'failed';
  }

  /** Stops new attempts; lets in-flight requests finish for graceMs, then aborts them. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    for (const [timer, wake] of this.sleeps) {
      clearTimeout(timer);
      wake();
    }
    this.sleeps.clear();
    this.waiters.splice(0).forEach((grant) => grant(false));
    const attempts = [...this.attempts];
    if (attempts.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([Promise.all(attempts).then(() => 'done' as const), grace]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        for (const req of this.inflight) req.destroy();
        await Promise.all(attempts);
      }
    }
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Wakes queued deliveries when the concurrency limit was raised. */
  onConcurrencyChanged(): void {
    while (this.waiters.length > 0 && this.active < this.limit()) {
      this.active++;
      this.waiters.shift()?.(true);
    }
  }

  private limit(): number {
    return Math.max(1, Math.floor(this.settings.concurrency()));
  }

  private backoff(retry: number): number {
    const [first, cap] = this.settings.retryBackoffMs();
    return Math.max(0, Math.min(cap, first * 2 ** (retry - 1)));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeps.delete(timer);
        resolve();
      }, ms);
      this.sleeps.set(timer, resolve);
    });
  }

  private acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.active < this.limit()) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    this.active--;
    this.onConcurrencyChanged();
  }

  private async attemptWithSlot(
    target: URL,
    signedUrl: string,
    delivery: CallbackDelivery,
    body: string,
    overrides: ConnectionOverrides,
  ): Promise<AttemptResult> {
    if (!(await this.acquire())) return { ok: false, failure: 'ct' };
    try {
      const headers: http.OutgoingHttpHeaders = {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'User-Agent': 'TwilioProxy/1.1',
        Accept: '*/*',
        'Cache-Control': 'max-age=259200',
        'X-Home-Region': 'us1',
        'I-Twilio-Idempotency-Token': delivery.idempotencyToken,
        // Signed at send time, so a rotated token is used from the moment it changes.
        'X-Twilio-Signature': getExpectedTwilioSignature(
          this.settings.authToken(String(delivery.params.AccountSid ?? '')),
          signedUrl,
          delivery.params as Record<string, string>,
        ),
      };
      const ct = overrides.connectTimeoutMs ?? this.settings.connectTimeoutMs();
      const rt = overrides.readTimeoutMs ?? this.settings.readTimeoutMs();
      const first = await this.attemptOnce(target, headers, body, ct, rt);
      // A pooled socket the server closed while idle is not the receiver's failure: Node's documented
      // remedy is to send again on a fresh socket.
      if (first.staleSocket && !this.closed) return this.attemptOnce(target, headers, body, ct, rt);
      return first;
    } finally {
      this.release();
    }
  }

  private attemptOnce(
    target: URL,
    headers: http.OutgoingHttpHeaders,
    body: string,
    connectTimeoutMs: number,
    readTimeoutMs: number,
  ): Promise<AttemptResult> {
    const attempt = this.request(target, headers, body, connectTimeoutMs, readTimeoutMs);
    this.attempts.add(attempt);
    return attempt.finally(() => this.attempts.delete(attempt));
  }

  private request(
    target: URL,
    headers: http.OutgoingHttpHeaders,
    body: string,
    connectTimeoutMs: number,
    readTimeoutMs: number,
  ): Promise<AttemptResult> {
    return new Promise((resolve) => {
      const secure = target.protocol === 'https:';
      const request = secure ? https.request : http.request;
      const req = request(target, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers,
      });
      this.inflight.add(req);
      let settled = false;
      let connected = false;
      let responded = false;
      let readTimer: NodeJS.Timeout | undefined;
      const finish = (result: AttemptResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        if (readTimer) clearTimeout(readTimer);
        this.inflight.delete(req);
        resolve(result);
      };
      const fail = (failure: FailureKind): void => {
        finish({ ok: false, failure });
        req.destroy();
      };
      const onConnected = (): void => {
        if (connected) return;
        connected = true;
        clearTimeout(connectTimer);
        readTimer = setTimeout(() => fail('rt'), readTimeoutMs);
      };
      const connectTimer = setTimeout(() => fail('ct'), connectTimeoutMs);
      req.on('socket', (socket) => {
        if (socket.connecting) socket.once('connect', onConnected);
        else onConnected();
      });
      req.on('response', (res) => {
        responded = true;
        const status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => finish(classify(status)));
        res.on('error', () => finish({ ok: false, failure: 'rt' }));
        res.on('close', () => finish(res.complete ? classify(status) : { ok: false, failure: 'rt' }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && !responded && err.code === 'ECONNRESET';
        finish({ ok: false, failure: connected ? 'rt' : 'ct', staleSocket: stale });
      });
      req.end(body);
    });
  }
}

function classify(status: number): AttemptResult {
  if (status >= 500) return { ok: false, status, failure: '5xx' };
  if (status >= 400) return { ok: false, status, failure: '4xx' };
  return { ok: true, status };
}
