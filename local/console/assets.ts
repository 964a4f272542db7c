/**
 * Serves the web console's files (built into dist/console by scripts/bundle-console.ts): the page at `/`
 * and its assets under `/console/`, apart from every JSON route. Both `npm start`'s server and the
 * `--stack` proxy use this, so the page and its headers are the same in both.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';

/** Where scripts/bundle-console.ts writes the console. */
export const CONSOLE_DIR = path.resolve(__dirname, '..', '..', 'dist', 'console');

/** How the page learns of changes: SSE from `npm start`, polling through the `--stack` proxy. */
export type LiveMode = 'sse' | 'poll';

/**
 * No inline script or style, nothing from another origin, no plugins, no <base>, never in a frame.
 * Chart.js sizes its canvas through the CSSOM (element.style), which style-src does not govern.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Headers of every console file; API answers through the proxy get the last two as well. */
export const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/console/console.js': 'console.js',
  '/console/console.js.map': 'console.js.map',
  '/console/console.css': 'console.css',
  // Named by the page's <link rel="icon">, so the browser never asks for a /favicon.ico that is not there.
  '/console/favicon.svg': 'favicon.svg',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Whether a path is one of the console's (the page or an asset). */
export function isConsolePath(urlPath: string): boolean {
  return urlPath === '/' || urlPath === '/console' || urlPath.startsWith('/console/');
}

/**
 * Answers a console path: 200 with the file (the page told the live mode and whether history is on), 404 for a name under /console/ that is not one, 405 for
 * anything but GET or HEAD, 503 when the console was never built. Read from disk on each request, so a
 * rebuild shows on reload.
 */
export function serveConsoleFile(
  req: IncomingMessage,
  res: ServerResponse,
  urlPath: string,
  live: LiveMode,
  history: boolean,
  dir = CONSOLE_DIR,
): void {
  req.resume();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    return answer(res, 405, { error: `${urlPath} answers GET only` }, { allow: 'GET, HEAD' });
  }
  const file = FILES[urlPath];
  if (!file) return answer(res, 404, { error: `no console file ${urlPath}` });
  let body: Buffer;
  try {
    body = readFileSync(path.join(dir, file));
  } catch {
    return answer(res, 503, { error: 'the console is not built: run `npm run bundle`' });
  }
  if (file === 'index.html')
    body = Buffer.from(
      body
        .toString('utf8')
        .replace('__LIVE__', live)
        .replace('__HISTORY__', history ? 'on' : 'off'),
    );
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
  });
  res.end(method === 'HEAD' ? undefined : body);
}

/** A JSON answer, with the console's security headers; never cached. */
export function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  answerJsonText(res, status, JSON.stringify(body), headers);
}

/** As answer, for a body that is JSON text already (a handler's HttpResponse). */
export function answerJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
