/**
 * Command line for a running pipeline (`npm start`, by default on http://127.0.0.1:3000):
 *
 *   npm run send -- --to +14155551234 --body "Hello" [--from +15017250604 | --service MG...]
 *                   [--media https://...] [--ref order-42] [--key idempotency-key] [--url http://...]
 *   npm run status -- SM0123... [--url http://...] [--json]
 *
 * Bad arguments get a message that says what was wrong and exit code 2; an unreachable server says how
 * to start it; an error answer from the server is shown as the server gave it.
 */
import { parseArgs } from 'node:util';
import { describeError } from '../lambda/domain/describe-error';

const DEFAULT_URL = process.env.TRACKER_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export class UsageError extends Error {}

interface MessageView {
  messageSid: string;
  status?: string | null;
  final?: boolean;
  statusTimes?: Record<string, string>;
  errorCode?: number;
  errorMessage?: string;
  to?: string;
  from?: string;
  clientReference?: string;
  callbackCount?: number;
  unresolved?: boolean;
}

export async function runCli(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'send') return await send(rest, out);
    if (command === 'status') return await status(rest, out);
    throw new UsageError(`unknown command "${command ?? ''}": use "send" or "status"`);
  } catch (error) {
    if (error instanceof UsageError) {
      out(`error: ${error.message}`);
      return 2;
    }
    if (isConnectionRefused(error)) {
      out(`error: nothing answers at the tracker URL; start it with \`npm start\` or pass --url`);
      return 1;
    }
    throw error;
  }
}

async function send(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parse(args, {
    to: { type: 'string' },
    body: { type: 'string' },
    from: { type: 'string' },
    service: { type: 'string' },
    media: { type: 'string', multiple: true },
    ref: { type: 'string' },
    key: { type: 'string' },
    url: { type: 'string' },
  });
  if (!values.to) throw new UsageError('--to is required (E.164, e.g. +14155551234)');
  if (!values.body && !values.media?.length) throw new UsageError('give --body and/or --media');
  const request = {
    to: values.to,
    body: values.body,
    from: values.from,
    messagingServiceSid: values.service,
    mediaUrls: values.media,
    clientReference: values.ref,
    idempotencyKey: values.key,
  };
  const response = await fetch(`${baseUrl(values.url)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const result = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    out(`send failed (${response.status}): ${describeErrorAnswer(result)}`);
    return 1;
  }
  out(`${String(result.messageSid)} ${String(result.status)}`);
  return 0;
}

async function status(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parse(args, { url: { type: 'string' }, json: { type: 'boolean' } }, true);
  const sid = positionals[0];
  if (!sid) throw new UsageError('give a MessageSid: npm run status -- SM0123...');
  const response = await fetch(`${baseUrl(values.url)}/messages/${encodeURIComponent(sid)}`);
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    out(
      `${response.status === 404 ? 'not found' : `error (${response.status})`}: ${describeErrorAnswer(body)}`,
    );
    return 1;
  }
  if (values.json) {
    out(JSON.stringify(body, null, 2));
    return 0;
  }
  for (const line of formatMessage(body as unknown as MessageView)) out(line);
  return 0;
}

export function formatMessage(message: MessageView): string[] {
  const lines = [
    `${message.messageSid}  ${message.status ?? '(no status yet)'}${message.final ? ' (final)' : ''}${message.unresolved ? ' (unresolved)' : ''}`,
  ];
  if (message.errorCode !== undefined)
    lines.push(`  error ${message.errorCode}: ${message.errorMessage ?? ''}`);
  if (message.to) lines.push(`  to ${message.to}${message.from ? `  from ${message.from}` : ''}`);
  if (message.clientReference) lines.push(`  reference ${message.clientReference}`);
  const history = Object.entries(message.statusTimes ?? {}).sort(([, a], [, b]) => a.localeCompare(b));
  if (history.length) lines.push('  history:');
  for (const [name, at] of history) lines.push(`    ${at}  ${name}`);
  if (message.callbackCount !== undefined) lines.push(`  callbacks recorded: ${message.callbackCount}`);
  return lines;
}

function parse<
  T extends (Parameters<typeof parseArgs>[0] extends infer C
    ? C extends { options?: infer O }
      ? O
      : never
    : never),
>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function baseUrl(url: string | undefined): string {
  const value = url ?? DEFAULT_URL;
  try {
    return new URL(value).origin;
  } catch {
    throw new UsageError(`--url is not a URL: ${value}`);
  }
}

/** The `error` of a JSON answer from the local server, on one line. */
function describeErrorAnswer(body: Record<string, unknown>): string {
  const error = body.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    return [e.code !== undefined ? `Twilio ${String(e.code)}` : '', String(e.message ?? '')]
      .filter(Boolean)
      .join(': ');
  }
  return JSON.stringify(body);
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  return cause?.code === 'ECONNREFUSED' || cause?.code === 'ENOTFOUND';
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${describeError(error).message}`);
      process.exit(1);
    },
  );
}
