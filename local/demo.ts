/**
 * `npm run demo [-- --messages 200 --seed 42 --accounts 3]`: the whole pipeline on this machine, end to
 * end. (`--url URL` sends the messages to a tracker already running instead, to watch in its console.) Sends N messages through the sender (POST /messages) to the Twilio simulator, shows progress while
 * the simulator's callbacks arrive (out of order, duplicated), then a summary, and checks every stored
 * final status against the simulator's truth. It also listens on GET /events (SSE) from the start and
 * checks the status-change events: per message the ranks strictly increase and the last event says the
 * stored final status. Exit code 1 on any mismatch. With `--accounts K` the messages are spread over a
 * parent and K-1 subaccounts, each signing its callbacks with its own token. It ends with the history
 * report (`npm run report`) over the Parquet rows its events became, kept in a temporary folder.
 */
import { nodeVersionNote } from './node-version-notice';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareWithTruth, sendBatch } from './batch';
import { startLocalPipeline } from './pipeline';
import { JavaMissingError } from './dynamodb-local';
import { freePort } from './free-port';
import { UsageError } from './cli/errors';
import { localBaseUrl } from './cli/tracker';
import { defaultLocalUrl } from './cli/local-url';
import { readCommandLine, STANDARD_IO, type CommandSpec, type OptionSpecs } from './cli/options';
import { describeError } from '../lambda/domain/describe-error';
import { settledEvents, subscribeEvents, type ReceivedEvent } from './events/sse-client';
import type { MessageRecord } from '../lambda/domain/message';
import { MAX_LIST_LIMIT } from '../lambda/domain/list-query';
import { computeHistoryReport } from './history/report';
import { historyReportText } from './history/text';
import { textTable } from './text-table';

const DEMO = {
  name: 'demo',
  usage: '[--messages N] [--seed N] [--out-of-order R] [--duplicates R] [--accounts K] | [--url URL]',
  summary:
    "Send N messages through its own pipeline and Twilio simulator, then check every stored status against the simulator's truth.",
  options: {
    messages: { type: 'string', short: 'n', value: 'N', help: 'how many messages to send (default 200)' },
    seed: { type: 'string', value: 'N', help: "the simulator's random seed, to repeat a run" },
    'out-of-order': {
      type: 'string',
      value: 'R',
      help: 'share of callbacks delivered out of order, 0-1 (default 0.1)',
    },
    duplicates: { type: 'string', value: 'R', help: 'share of callbacks sent twice, 0-1 (default 0.05)' },
    accounts: { type: 'string', value: 'K', help: 'spread the messages over a parent and K-1 subaccounts' },
    url: {
      type: 'string',
      value: 'URL',
      help: `send to a tracker already running instead, e.g. ${defaultLocalUrl()} (watch it in its console)`,
    },
  },
  examples: [
    'npm run demo',
    'npm run demo -- --messages 1000 --seed 42 --accounts 3',
    `npm run demo -- --url ${defaultLocalUrl()} --messages 50`,
  ],
} as const satisfies CommandSpec<OptionSpecs>;

async function main(): Promise<number> {
  const parsed = readCommandLine(DEMO, process.argv.slice(2), STANDARD_IO);
  if (!parsed) return 0;
  const values = { ...parsed.values, messages: parsed.values.messages ?? '200' };
  const count = positiveInt(values.messages, '--messages');
  if (values.url !== undefined) {
    // The simulator is the running tracker's: the options that shape the demo's own simulator do not apply.
    for (const name of ['seed', 'out-of-order', 'duplicates', 'accounts'] as const)
      if (values[name] !== undefined)
        throw new UsageError(`--${name} shapes the demo's own simulator; with --url the tracker's decides`);
    return demoAgainst(localBaseUrl(values.url), count);
  }
  const outOfOrderRate = rate(values['out-of-order'] ?? '0.1', '--out-of-order');
  const duplicateRate = rate(values.duplicates ?? '0.05', '--duplicates');
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : positiveInt(values.seed, '--seed');
  const accounts = demoAccounts(positiveInt(values.accounts ?? '1', '--accounts'));

  console.log(`Starting DynamoDB Local, the Twilio simulator (seed ${seed}) and the local server...`);
  const note = nodeVersionNote();
  if (note) console.log(note);
  const historyDir = path.join(mkdtempSync(path.join(tmpdir(), 'twilio-status-tracker-demo-')), 'history');
  const since = new Date(Date.now() - 60_000).toISOString();
  let reportHistory = false;
  const pipeline = await startLocalPipeline({
    port: 0,
    history: { dir: historyDir },
    dynamodbPort: await freePort(),
    ...(accounts.length > 1 ? { accounts } : {}),
    twilio: { simulator: { seed, outOfOrderRate, duplicateRate, whatsappReadRate: 0.6 } },
  });
  const simulator = pipeline.simulator!;
  const events = await subscribeEvents(pipeline.url);
  try {
    const started = Date.now();
    const progress = new ProgressBar(count);
    const finished = () => simulator.messages().filter((m) => m.lifecycleDone).length;
    let sent = 0;
    const ticker = setInterval(() => progress.draw(finished(), sent), 100);
    const sids = await sendBatch({
      url: pipeline.url,
      count,
      whatsappShare: 0.1,
      // The parent sends without accountSid; each subaccount is named.
      accountSids: accounts.map((a, i) => (i === 0 ? undefined : a.accountSid)),
      onSent: (n) => (sent = n),
    });
    await simulator.idle();
    clearInterval(ticker);
    progress.draw(count, count);
    progress.done();
    const seconds = (Date.now() - started) / 1000;

    const comparison = await compareWithTruth(sids, simulator.truth(), (sid) => pipeline.store.get(sid));
    const stats = simulator.stats();
    const { counts } = pipeline;
    // Events trail the writes by the stream's polling delay: give them a moment to arrive.
    const eventCheck = await settledEvents(events, comparison.storedStatus, 10_000);
    console.log(`\n${count} messages, ${stats.callbacksSent} status callbacks in ${seconds.toFixed(1)} s\n`);
    printTable(
      ['final status', 'messages'],
      Object.entries(comparison.byStatus).sort(([, a], [, b]) => b - a),
    );
    if (Object.keys(comparison.byErrorCode).length) {
      console.log('');
      printTable(
        ['error code', 'messages'],
        Object.entries(comparison.byErrorCode).sort(([, a], [, b]) => b - a),
      );
    }
    if (accounts.length > 1) {
      const byAccount = new Map<string, number>();
      for (const { accountSid } of simulator.truth().values())
        byAccount.set(accountSid, (byAccount.get(accountSid) ?? 0) + 1);
      console.log('');
      printTable(
        ['account (signs with its own token)', 'messages'],
        accounts.map((a, i) => [
          `${a.accountSid}${i === 0 ? ' (parent)' : ''}`,
          byAccount.get(a.accountSid) ?? 0,
        ]),
      );
    }
    console.log('');
    printTable(
      ['callbacks', 'count'],
      [
        ['recorded (status moved)', counts.advanced],
        ['out of order, absorbed (history kept)', counts.stale],
        ['duplicate, absorbed (nothing written)', counts.duplicate],
        ['sent out of order by the simulator', stats.callbacksReordered],
        ['duplicated by the simulator', stats.callbacksDuplicated],
        ['rejected', counts.rejected],
      ],
    );
    console.log('');
    printTable(
      ['status-change events (GET /events, SSE)', 'count'],
      [
        ['received', eventCheck.events],
        ['per message', (eventCheck.events / count).toFixed(2)],
        ['problems (out of order, or last is not the final status)', eventCheck.problems.length],
      ],
    );
    reportHistory = true;
    if (comparison.mismatches.length > 0) {
      console.log(
        `\nMISMATCH: ${comparison.mismatches.length} stored statuses differ from the simulator's truth:`,
      );
      for (const m of comparison.mismatches.slice(0, 10)) {
        console.log(
          `  ${m.messageSid}: stored ${m.stored?.status ?? '(none)'}, expected ${m.expected?.status ?? '(unknown)'}`,
        );
      }
      return 1;
    }
    if (eventCheck.problems.length > 0) {
      console.log(`\nEVENTS MISMATCH (${eventCheck.problems.length}):`);
      for (const problem of eventCheck.problems.slice(0, 10)) console.log(`  ${problem}`);
      return 1;
    }
    console.log(`\nOK: all ${comparison.checked} stored final statuses match the simulator's truth.`);
    console.log(
      `OK: ${eventCheck.events} events; per message their ranks strictly increase and the last one is the stored status.`,
    );
    return 0;
  } finally {
    events.close();
    // Stopping writes the history rows still buffered, so the report below sees every event.
    await pipeline.stop();
    if (reportHistory) await printHistory(historyDir, since);
  }
}

/**
 * `--url URL`: the demo's messages go to a tracker that is already running (`npm start`), so they can be
 * watched in its console as they arrive and settle. Its simulator is in that process, so there is no
 * truth to compare with here: this waits until every message is final (or nothing moved for 5 s: some
 * carriers send no receipt) and prints what the tracker stored.
 */
async function demoAgainst(url: string, count: number): Promise<number> {
  console.log(`Sending ${count} messages to the tracker at ${url}; watch them in its console: ${url}/`);
  const events = await subscribeEvents(url).catch((error: unknown) => {
    throw new Error(`cannot reach ${url}/events (${describeError(error).message}): is npm start running?`);
  });
  try {
    const progress = new ProgressBar(count);
    let sent = 0;
    let sids: string[] = [];
    const since = new Date(Date.now() - 60_000).toISOString();
    const final = finalCounter(events.events);
    const ticker = setInterval(() => progress.draw(final.count(), sent), 100);
    try {
      sids = await sendBatch({ url, count, whatsappShare: 0.1, onSent: (n) => (sent = n) });
      final.track(sids);
      let seen = -1;
      let quietSince = Date.now();
      while (final.count() < count && Date.now() - quietSince < 5_000) {
        if (events.events.length !== seen) [seen, quietSince] = [events.events.length, Date.now()];
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      clearInterval(ticker);
    }
    // The bar ends on what the tracker stored, the same records the table below counts: the events that
    // drove it so far can trail the store by the stream's delay.
    const stored = await storedMessages(url, sids, since);
    progress.draw(stored.filter((message) => message.final).length, count);
    progress.done();

    const byStatus = new Map<string, number>();
    const byErrorCode = new Map<string, number>();
    for (const message of stored) {
      const status = message.status ?? '(none)';
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      if (message.errorCode !== undefined)
        byErrorCode.set(String(message.errorCode), (byErrorCode.get(String(message.errorCode)) ?? 0) + 1);
    }
    console.log(`\n${count} messages sent to ${url}\n`);
    printTable(
      ['stored status', 'messages'],
      [...byStatus].sort(([, a], [, b]) => b - a),
    );
    if (byErrorCode.size) {
      console.log('');
      printTable(
        ['error code', 'messages'],
        [...byErrorCode].sort(([, a], [, b]) => b - a),
      );
    }
    console.log(
      `\nNot compared with a simulator's truth: the simulator runs inside the tracker at ${url}. ` +
        '`npm run demo` without --url runs its own pipeline and checks every final status.',
    );
    return 0;
  } finally {
    events.close();
  }
}

/**
 * How many of the batch's messages have had a final status-change event. Each call reads only the events
 * that arrived since the last one; final events that come before `track` names the batch are kept.
 */
function finalCounter(events: readonly ReceivedEvent[]) {
  const finalSids = new Set<string>();
  let batch = new Set<string>();
  let read = 0;
  let count = 0;
  return {
    track(sids: readonly string[]): void {
      batch = new Set(sids);
      count = sids.filter((sid) => finalSids.has(sid)).length;
    },
    count(): number {
      for (; read < events.length; read++) {
        const { final, messageSid } = events[read]!.message.detail;
        if (!final || finalSids.has(messageSid)) continue;
        finalSids.add(messageSid);
        if (batch.has(messageSid)) count++;
      }
      return count;
    },
  };
}

interface ListPage {
  messages: MessageRecord[];
  nextCursor: string | null;
}

/**
 * What the tracker stored for each of `sids`, in their order: the list API's pages of the messages
 * created since `since`, then GET /messages/{sid} for any the list did not show (a tracker without the
 * list API, or a clock far from this one).
 */
async function storedMessages(url: string, sids: readonly string[], since: string): Promise<MessageRecord[]> {
  const wanted = new Set(sids);
  const listed = new Map<string, MessageRecord>();
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ since, limit: String(MAX_LIST_LIMIT), ...(cursor && { cursor }) });
    const response = await fetch(`${url}/messages?${query}`);
    const page = (await response.json().catch(() => ({}))) as Partial<ListPage>;
    if (!response.ok || !Array.isArray(page.messages)) break;
    for (const message of page.messages)
      if (wanted.has(message.messageSid)) listed.set(message.messageSid, message);
    cursor = page.nextCursor ?? null;
  } while (cursor !== null && listed.size < wanted.size);
  const stored: MessageRecord[] = [];
  for (const sid of sids)
    stored.push(listed.get(sid) ?? ((await (await fetch(`${url}/messages/${sid}`)).json()) as MessageRecord));
  return stored;
}

async function printHistory(dir: string, since: string): Promise<void> {
  const report = await computeHistoryReport(dir, {
    since,
    until: new Date(Date.now() + 60_000).toISOString(),
  });
  console.log(`\nHistory: the events as Parquet rows in ${dir}`);
  console.log(
    `(npm run report -- --dir ${dir} --since ${since.slice(0, 10)} [--json] [--html report.html])\n`,
  );
  console.log(historyReportText(report));
}

/** A parent and count-1 subaccounts, each with its own random token (never a real one). */
function demoAccounts(count: number): Array<{ accountSid: string; authToken: string }> {
  if (count > 100) throw new UsageError(`--accounts must be at most 100, got ${count}`);
  return Array.from({ length: count }, () => ({
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(16).toString('hex'),
  }));
}

class ProgressBar {
  private readonly tty = process.stdout.isTTY === true;
  private last = -1;
  private drawn = '';
  private printed = '';
  constructor(private readonly total: number) {}

  draw(done: number, sent: number): void {
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    this.drawn = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} finished, ${sent} sent`;
    if (this.tty) process.stdout.write(`\r${this.drawn}`);
    else if (Math.floor((done / this.total) * 10) !== this.last) {
      this.last = Math.floor((done / this.total) * 10);
      this.print();
    }
  }

  /** Ends the bar on the last figures drawn (without a terminal, printed if a decile line skipped them). */
  done(): void {
    if (this.tty) process.stdout.write('\n');
    else if (this.printed !== this.drawn) this.print();
  }

  private print(): void {
    console.log(this.drawn);
    this.printed = this.drawn;
  }
}

function printTable(header: [string, string], rows: Array<[string, number | string]>): void {
  const columns = [{ title: header[0] }, { title: header[1], align: 'right' as const }];
  const cells = rows.map(([key, value]) => [key, String(value)]);
  for (const line of textTable(columns, cells, { rule: true })) console.log(line);
}

function positiveInt(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new UsageError(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

function rate(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new UsageError(`${name} must be between 0 and 1, got "${raw}"`);
  return value;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = describeError(error).message;
    console.error(`demo: ${message}`);
    if (error instanceof UsageError) console.error('see: npm run demo -- --help');
    if (!(error instanceof UsageError || error instanceof JavaMissingError) && process.env.DEBUG)
      console.error(error);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
