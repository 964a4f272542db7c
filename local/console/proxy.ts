/**
 * `npm run console -- --stack NAME`: the web console on 127.0.0.1, against a deployed stack. The page's
 * API calls come here and go on to the stack's HTTP API signed with SigV4 (the Tracker of
 * local/cli/stack.ts); the AWS credentials stay in this process and never reach the browser.
 *
 * A signer that anyone could reach would lend them the user's AWS identity, so it answers only:
 *   - on 127.0.0.1 (it binds loopback only);
 *   - requests whose Host is its own loopback address and port: a DNS-rebinding page (evil.example
 *     resolving to 127.0.0.1) sends its own name as Host;
 *   - requests without an Origin, or with its own (another site's page cannot read or send through it);
 *   - API calls carrying the random token it printed in the URL (X-Console-Token), compared in constant
 *     time: another local user or process does not know it.
 * Anything else is a 403 with a message saying which check failed, and nothing is forwarded; a request
 * carrying Host or Origin twice is a 400 naming it (local/http-guard.ts). Only GETs of the routes the
 * page uses are forwarded.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONSOLE_TOKEN_HEADER } from '../../lambda/domain/contract';
import { queryString } from '../cli/filters';
import type { SignedGet } from '../cli/stack';
import { fetchOrExplain } from '../cli/tracker';
import { addressGuard, repeatedAddressHeader, repeatedHeaderRefusal } from '../http-guard';
import { historyReportEndpoint, type ComputeReport } from '../history/endpoint';
import {
  answer,
  answerJsonText,
  CONSOLE_DIR,
  isConsolePath,
  SECURITY_HEADERS,
  serveConsoleFile,
} from './assets';

/**
 * The API routes the console reads: the list, one message, the history report. A message's id is
 * letters and digits only, so no `..` or encoded slash can steer a signed request elsewhere.
 */
const API_PATH = /^\/messages(\/[A-Za-z0-9]{1,64})?$|^\/history\/report$/;

/**
 * What the proxy does with a forwarded call, in order: sign it (SigV4, with the user's credentials),
 * send it to the stack's API, read the answer. A failure is a 502 naming the step, never the exception's
 * text (it may name a profile, a key id, an account, an internal address): that goes to `onFailed`.
 */
export type ProxyStep = 'sign' | 'forward' | 'read';

const STEP_FAILED: Record<ProxyStep, string> = {
  sign: 'signing failed: see the terminal running npm run console',
  forward: "the stack's API could not be reached: see the terminal running npm run console",
  read: "the stack's API answer broke off: see the terminal running npm run console",
};

export interface ConsoleProxyOptions {
  /**
   * Signs a GET of a path (and query) of the deployed API, not sending it: StackTracker.signGet of
   * local/cli/stack.ts. The proxy sends it.
   */
  sign(pathAndQuery: string): Promise<SignedGet>;
  /**
   * GET /history/report, answered here (the stack's HTTP API has no such route): by Athena in the stack's
   * workgroup; undefined when the stack keeps no history (then 404, and the page shows no charts).
   */
  historyReport?: ComputeReport;
  /** 0 picks a free port. */
  port: number;
  /** Defaults to 32 random bytes, base64url; a test may fix it. */
  token?: string;
  consoleDir?: string;
  /** Told of every refused request (npm run console prints them). */
  onRefused?: (status: number, reason: string) => void;
  /** Told of every 502: the step and what went wrong (npm run console prints them). */
  onFailed?: (step: ProxyStep, error: unknown) => void;
}

export interface ConsoleProxy {
  /** The origin, http://127.0.0.1:PORT. */
  origin: string;
  /** What the user opens: the origin with the token in the fragment. */
  openUrl: string;
  port: number;
  close(): Promise<void>;
}

export async function startConsoleProxy(options: ConsoleProxyOptions): Promise<ConsoleProxy> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const tokenDigest = digest(token);
  const historyReport = historyReportEndpoint(options.historyReport);
  /** Refuses requests not addressed to this console; rebuilt for the port once it listens. */
  const guardFor = (port: number) =>
    addressGuard(port, {
      loopback: ['127.0.0.1', 'localhost'],
      refuseHost: (host, hosts) => `Host "${host}" is not this console's address (${hosts[0]})`,
      refuseOrigin: (origin, hosts) => `Origin "${origin}" is not this console's origin (http://${hosts[0]})`,
    });
  let misaddressed = guardFor(0);

  const refuse = (res: ServerResponse, status: number, reason: string) => {
    options.onRefused?.(status, reason);
    answer(res, status, { error: reason });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const repeated = repeatedAddressHeader(req);
    if (repeated) {
      const refusal = repeatedHeaderRefusal(repeated);
      req.resume();
      options.onRefused?.(400, refusal.error);
      return answer(res, 400, refusal);
    }
    const refused = misaddressed(req);
    if (refused) return refuse(res, 403, refused);
    if (!target.startsWith('/')) return refuse(res, 400, 'the request target must be a path');
    const [path = '/', query] = splitOnce(target, '?');
    if (isConsolePath(path))
      return serveConsoleFile(
        req,
        res,
        path,
        'poll',
        options.historyReport !== undefined,
        options.consoleDir ?? CONSOLE_DIR,
      );

    req.resume();
    const given = req.headers[CONSOLE_TOKEN_HEADER];
    if (typeof given !== 'string' || given === '')
      return refuse(res, 403, 'no X-Console-Token: open the URL `npm run console` printed, token included');
    if (!timingSafeEqual(digest(given), tokenDigest))
      return refuse(res, 403, 'wrong X-Console-Token: open the URL this `npm run console` printed');
    if (req.method !== 'GET')
      return answer(res, 405, { error: `${path} answers GET only` }, { allow: 'GET' });
    if (!API_PATH.test(path)) return answer(res, 404, { error: `not found: ${path.slice(0, 100)}` });
    if (path === '/history/report') {
      const report = await historyReport(new URLSearchParams(query ?? ''));
      return answerJsonText(res, report.statusCode, report.body ?? '{}');
    }
    // Read as the list Lambda reads its query (URLSearchParams), every pair in order.
    const params = [...new URLSearchParams(query ?? '')];

    const failed = (step: ProxyStep, error: unknown) => {
      options.onFailed?.(step, error);
      answer(res, 502, { error: STEP_FAILED[step], step });
    };
    let signed: SignedGet;
    try {
      // Re-encoded in SigV4's own encoding, so the query signed is the query sent.
      signed = await options.sign(params.length ? `${path}?${queryString(params)}` : path);
    } catch (error) {
      return failed('sign', error);
    }
    let response: Response;
    try {
      response = await fetchOrExplain(signed.url, { headers: signed.headers });
    } catch (error) {
      return failed('forward', error);
    }
    let body: Buffer;
    try {
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      return failed('read', error);
    }
    res.writeHead(response.status, {
      ...SECURITY_HEADERS,
      'content-type': response.headers.get('content-type') ?? 'application/json',
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('console proxy error', error instanceof Error ? error.message : error);
      if (!res.headersSent) answer(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  misaddressed = guardFor(port);
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    openUrl: `${origin}/#token=${token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Equal-length digests, so timingSafeEqual can compare tokens of any length without leaking it. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
