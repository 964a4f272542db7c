/**
 * The console's calls to the tracker's HTTP API, same origin: `npm start`'s server, or the `--stack`
 * proxy (local/console/proxy.ts), which wants the token it printed in every call's X-Console-Token.
 * The token arrives in the URL's fragment (never sent to a server, so never in a log), is kept for the
 * tab in sessionStorage and taken out of the address bar.
 */
import { CONSOLE_TOKEN_HEADER } from '../lambda/domain/contract';
import type { HistoryReport } from '../lambda/domain/history/report';
import type { MessageRecord } from '../lambda/domain/message';

export type { HistoryReport, MessageRecord };

export interface MessagePage {
  messages: MessageRecord[];
  nextCursor: string | null;
}

const TOKEN_KEY = 'tracker-console-token';

/** Moves `#token=...` from the address bar into the tab's storage; the route becomes `#/`. */
export function takeTokenFromUrl(): void {
  const match = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, match[1]!);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  let response: Response;
  try {
    response = await fetch(path, { headers: token ? { [CONSOLE_TOKEN_HEADER]: token } : {} });
  } catch {
    throw new ApiError(0, 'the tracker cannot be reached: is it still running?');
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, errorText(body, response.status));
  return body as T;
}

/** The `error` (the tracker, the proxy) or `message` (API Gateway) of an answer, else its status. */
function errorText(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const { error, message } = body as { error?: unknown; message?: unknown };
    if (typeof error === 'string') return error;
    if (typeof message === 'string') return message;
  }
  return `HTTP ${status}`;
}

/** How this page learns of changes: the local server's SSE, or polling (the `--stack` proxy). */
export function liveMode(): 'sse' | 'poll' {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="tracker-live"]');
  return meta?.content === 'poll' ? 'poll' : 'sse';
}

/** Whether the tracker keeps a history (the charts' source): told by the server in the page. */
export function historyOn(): boolean {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="tracker-history"]');
  return meta?.content === 'on';
}
