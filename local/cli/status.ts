/** `npm run status -- SM...`: one message's current status and history (`GET /messages/{messageSid}`). */
import { UsageError } from './errors';
import { defineCommand, TARGET_OPTIONS } from './options';
import { describeErrorAnswer, readJson, withTracker } from './tracker';

/** The fields of the stored item this view shows (docs/ARCHITECTURE.md, "The item"). */
export interface MessageView {
  messageSid: string;
  status?: string | null;
  final?: boolean;
  statusTimes?: Record<string, string>;
  createdAt?: string;
  errorCode?: number;
  errorMessage?: string;
  to?: string;
  from?: string;
  clientReference?: string;
  callbackCount?: number;
  unresolved?: boolean;
}

export const status = defineCommand(
  {
    name: 'status',
    usage: 'SM... [options]',
    summary: "Show one message's status, error and history as the tracker recorded them.",
    options: {
      json: { type: 'boolean', help: 'print the stored item as JSON' },
      ...TARGET_OPTIONS,
    },
    positionals: 1,
    examples: ['npm run status -- SMd85544b09c80da54b4c7534de584e270'],
  },
  async ({ values, positionals }, io) => {
    const sid = positionals[0];
    if (!sid) throw new UsageError('give a MessageSid: npm run status -- SM0123...');
    const { response, body } = await withTracker(values, async (tracker) => {
      const answer = await tracker.get(`/messages/${encodeURIComponent(sid)}`);
      return { response: answer, body: await readJson(answer) };
    });
    if (!response.ok) {
      const what = response.status === 404 ? 'not found' : `error (${response.status})`;
      io.err(`${what}: ${describeErrorAnswer(body)}`);
      return 1;
    }
    if (values.json) io.out(JSON.stringify(body, null, 2));
    else for (const line of formatMessage(body as unknown as MessageView)) io.out(line);
    return 0;
  },
);

export function formatMessage(message: MessageView): string[] {
  const flags = `${message.final ? ' (final)' : ''}${message.unresolved ? ' (unresolved)' : ''}`;
  const lines = [`${message.messageSid}  ${message.status ?? '(no status yet)'}${flags}`];
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
