/**
 * `npm run messages`: the messages that match some filters (GET /messages), as a table, JSON or the
 * server's own CSV. One page by default; --all follows `nextCursor` (JSON) or `X-Next-Cursor` (CSV)
 * until the server says there is no more.
 */
import { textTable } from '../text-table';
import { UsageError } from './errors';
import { filterParams, FILTER_OPTIONS, queryString } from './filters';
import { defineCommand, TARGET_OPTIONS, type Io } from './options';
import type { MessageView } from './status';
import { describeErrorAnswer, jsonObject, withTracker, type Tracker } from './tracker';

export const messages = defineCommand(
  {
    name: 'messages',
    usage: '[filters] [--all] [--json | --csv] [options]',
    summary: 'List the messages that match the filters, newest first, one page at a time.',
    options: {
      ...FILTER_OPTIONS,
      all: { type: 'boolean', help: 'follow nextCursor to the last page' },
      json: { type: 'boolean', help: 'print the answer as JSON: { messages, nextCursor }' },
      csv: { type: 'boolean', help: "print the server's CSV as it is" },
      ...TARGET_OPTIONS,
    },
    examples: [
      'npm run messages -- --status failed,undelivered --since 24h',
      'npm run messages -- --ref order-42 --tag campaign=spring --json',
      'npm run messages -- --final false --until 12h --all --csv > stuck.csv',
    ],
  },
  async ({ values }, io) => {
    if (values.json && values.csv) throw new UsageError('give --json or --csv, not both');
    const params = filterParams(values);
    const format = values.csv ? 'csv' : values.json ? 'json' : 'table';
    return withTracker(values, (tracker) => list(tracker, params, format, values.all === true, io));
  },
);

type Format = 'table' | 'json' | 'csv';

interface Page {
  body: string;
  messages: MessageView[];
  nextCursor: string | null;
}

async function list(
  tracker: Tracker,
  params: [string, string][],
  format: Format,
  all: boolean,
  io: Io,
): Promise<number> {
  const found: MessageView[] = [];
  let cursor: string | null = null;
  let first = true;
  do {
    const pageParams: [string, string][] =
      cursor === null ? params : [...withoutCursor(params), ['cursor', cursor]];
    const page = await fetchPage(tracker, pageParams, format);
    if (typeof page === 'string') {
      io.err(page);
      return 1;
    }
    // CSV goes out page by page, as the server wrote it; each later page repeats the header row.
    if (format === 'csv') io.out(first ? page.body.replace(/\r?\n$/, '') : dropHeader(page.body));
    found.push(...page.messages);
    cursor = page.nextCursor;
    first = false;
  } while (all && cursor !== null);

  if (format === 'json') io.out(JSON.stringify({ messages: found, nextCursor: cursor }, null, 2));
  if (format === 'table') for (const line of table(found)) io.out(line);
  if (cursor !== null && format !== 'json') io.err(`more messages: add --cursor ${cursor} (or --all)`);
  return 0;
}

/** One page, or the line that says why there is none. */
async function fetchPage(
  tracker: Tracker,
  params: [string, string][],
  format: Format,
): Promise<Page | string> {
  const query = queryString(params);
  const headers: Record<string, string> = { accept: format === 'csv' ? 'text/csv' : 'application/json' };
  const response = await tracker.get(`/messages${query ? `?${query}` : ''}`, headers);
  const body = await response.text();
  if (!response.ok) {
    const missing = [404, 405, 501].includes(response.status)
      ? ' (this tracker has no GET /messages: is it older than this command line?)'
      : '';
    const answer = jsonObject(body) ?? { error: body.trim() || `HTTP ${response.status}` };
    return `error (${response.status}): ${describeErrorAnswer(answer)}${missing}`;
  }
  if (format === 'csv')
    return { body, messages: [], nextCursor: response.headers.get('x-next-cursor') || null };
  const answer = jsonObject(body);
  if (!answer || !Array.isArray(answer.messages))
    return `error: the answer of GET /messages is not { messages, nextCursor }: ${body.slice(0, 200)}`;
  const next = answer.nextCursor;
  return {
    body,
    messages: answer.messages as MessageView[],
    nextCursor: typeof next === 'string' ? next : null,
  };
}

function withoutCursor(params: [string, string][]): [string, string][] {
  return params.filter(([name]) => name !== 'cursor');
}

function dropHeader(csv: string): string {
  const rows = csv.replace(/\r?\n$/, '');
  const end = rows.indexOf('\n');
  return end === -1 ? '' : rows.slice(end + 1);
}

const COLUMNS: [string, (m: MessageView) => string][] = [
  ['SID', (m) => m.messageSid],
  ['STATUS', (m) => m.status ?? '-'],
  ['CREATED', (m) => m.createdAt?.replace(/\.\d+Z$/, 'Z') ?? ''],
  ['TO', (m) => m.to ?? ''],
  ['ERROR', (m) => (m.errorCode === undefined ? '' : String(m.errorCode))],
  ['REF', (m) => m.clientReference ?? ''],
];

export function table(found: MessageView[]): string[] {
  if (found.length === 0) return ['no messages match'];
  return textTable(
    COLUMNS.map(([title]) => ({ title })),
    found.map((m) => COLUMNS.map(([, cell]) => cell(m))),
  );
}
