/**
 * `npm start`: the whole pipeline on this machine.
 *
 *   npm start                      DynamoDB Local in memory, the Twilio simulator, server on :3000
 *   npm start -- --persist         keep DynamoDB Local's data under .local-data/ (git-ignored)
 *   npm start -- --verbose         log every request as the Lambdas would
 *
 * Environment: PORT (3000), TWILIO_AUTH_TOKEN (a development default), PUBLIC_BASE_URL, DYNAMODB_PORT
 * (8000), DYNAMODB_ENDPOINT (use a running DynamoDB instead of starting one), EVENTS_WEBHOOK_URL (POST
 * every status-change event there too), TWILIO_ACCOUNTS_FILE (several Twilio accounts: README, "Many
 * Twilio accounts"), HISTORY_DIR (.local-data/history: every status-change event as a Parquet row, read
 * by `npm run report`; the delivery-anomaly check runs over it every 60 s), HISTORY=off (no history), HISTORY_HASH_KEY (the key history hashes numbers with;
 * else one made once in the file history-key next to the history folder). With TWILIO_ACCOUNT_SID and
 * TWILIO_AUTH_TOKEN both set, messages go to the real Twilio instead of the simulator (Twilio must then
 * reach your callback URL: set PUBLIC_BASE_URL to a tunnel).
 *
 * Killed, even with SIGKILL, it leaves nothing holding its ports: it stops when tsx, npm's shell or npm
 * above it dies (local/processes.ts), and on Linux DynamoDB Local dies with it (local/dynamodb-local.ts);
 * elsewhere the next start names a leftover DynamoDB Local, its PID and how to stop it.
 */
import { nodeVersionNote } from './node-version-notice';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CallbackResult } from '../lambda/adapters/primary/status-callback-endpoint';
import { describeProcess, isPortFree, JavaMissingError, PortInUseError } from './dynamodb-local';
import { DEFAULT_TABLE, PipelineConfigError, startLocalPipeline } from './pipeline';
import { AccountsFileError, readAccountsFile } from './twilio-simulator/accounts-file';
import { describeError } from '../lambda/domain/describe-error';
import { listeningProcess, whenLaunchersGone } from './processes';
import type { AnomalyDelivery, Delivery } from './events';
import { buildConsole } from '../scripts/bundle-console';
import { historyDirFromEnv } from './history/defaults';
import { UsageError } from './cli/errors';
import { DEFAULT_PORT } from './cli/local-url';
import { readCommandLine, STANDARD_IO, type CommandSpec, type OptionSpecs } from './cli/options';
import { ENV, readEnvironment } from '../lambda/domain/environment';
import { TAG_INDEX_NAME } from '../lambda/domain/contract';

const START = {
  name: 'start',
  usage: '[--persist] [--verbose]',
  summary:
    'Run the whole tracker on this machine: DynamoDB Local, the Twilio simulator and the local server.',
  options: {
    persist: { type: 'boolean', help: "keep DynamoDB Local's data and the stream position in .local-data/" },
    verbose: { type: 'boolean', help: 'log every request as the Lambdas would' },
  },
  examples: ['npm start', 'npm start -- --persist', 'PORT=3300 npm start -- --verbose'],
} as const satisfies CommandSpec<OptionSpecs>;

async function main(): Promise<number> {
  const parsed = readCommandLine(START, process.argv.slice(2), STANDARD_IO);
  if (!parsed) return 0;
  const { values } = parsed;
  const port = envPort('PORT', DEFAULT_PORT);
  const dynamodbPort = envPort('DYNAMODB_PORT', 8000);
  const dynamodbEndpoint = process.env.DYNAMODB_ENDPOINT || undefined;
  const authToken = process.env.TWILIO_AUTH_TOKEN || undefined;
  const realTwilio = Boolean(process.env.TWILIO_ACCOUNT_SID && authToken);
  // The construct's `tagIndexKey` and `deadNumberPolicy`, read as the Lambdas read them.
  const { tagIndexKey, deadNumberPolicy } = readEnvironment(process.env, {
    tagIndexKey: ENV.tagIndexKey,
    deadNumberPolicy: ENV.deadNumberPolicy,
  });

  if (!(await isPortFree(port))) throw new StartError(appPortTaken(port));
  const persistPath = values.persist ? resolve('.local-data') : undefined;
  if (persistPath) mkdirSync(persistPath, { recursive: true });
  const webhookUrl = process.env.EVENTS_WEBHOOK_URL || undefined;
  const tableName = DEFAULT_TABLE;
  // The web console is built from console/ on each start (well under a second), so it is never stale.
  await buildConsole();
  const historyDir = historyDirFromEnv(process.env);

  const pipeline = await startLocalPipeline({
    port,
    authToken,
    accounts: process.env.TWILIO_ACCOUNTS_FILE
      ? readAccountsFile(process.env.TWILIO_ACCOUNTS_FILE)
      : undefined,
    publicBaseUrl: process.env.PUBLIC_BASE_URL || undefined,
    dynamodbEndpoint,
    dynamodbPort,
    persistPath,
    tableName,
    events: {
      webhookUrl,
      // With --persist the stream position survives a restart, as DynamoDB Local's data does.
      checkpointFile: persistPath ? join(persistPath, `events-position.${tableName}.json`) : undefined,
      onEvent: printEvent,
      onAnomaly: printAnomaly,
    },
    history: historyDir
      ? { dir: resolve(historyDir), hashKey: process.env.HISTORY_HASH_KEY || undefined }
      : false,
    logLevel: values.verbose ? 'INFO' : 'WARN',
    onCallback: printCallback,
    twilio: realTwilio
      ? { accountSid: process.env.TWILIO_ACCOUNT_SID!, authToken: authToken! }
      : { simulator: {} },
    defaultFrom: process.env.DEFAULT_FROM || undefined,
    tagIndexKey,
    deadNumberPolicy,
  });
  const { simulator } = pipeline;

  const lines = [
    'twilio-status-tracker is running on this machine',
    `  console    ${pipeline.url}/   (watch messages arrive: npm run demo -- --url ${pipeline.url})`,
    `  callbacks  POST ${pipeline.callbackUrl}`,
    `  query      GET  ${pipeline.url}/messages/{messageSid}   (npm run status -- SM...)`,
    `  send       POST ${pipeline.url}/messages                (npm run send -- --to +14155551234 --body hi)`,
    `  events     GET  ${pipeline.url}/events (SSE)     failures: GET ${pipeline.url}/events/failures`,
    ...(webhookUrl ? [`  webhook    POST ${webhookUrl}   (every event, retried in the background)`] : []),
    `  tags       ${tagIndexKey ? `a list by tag "${tagIndexKey}" reads the ${TAG_INDEX_NAME} index (TAG_INDEX_KEY)` : 'every tag filter reads the items (TAG_INDEX_KEY unset)'}`,
    `  dead numbers  a send to one is ${deadNumberPolicy === 'warn' ? 'sent with a warning (DEAD_NUMBER_POLICY=warn)' : 'refused (DEAD_NUMBER_POLICY=refuse)'}`,
    `  history    ${historyDir ? `Parquet under ${resolve(historyDir)} (npm run report; GET ${pipeline.url}/history/report)` : 'off (HISTORY=off)'}`,
    ...(historyDir
      ? [
          '  anomalies  checked every 60 s over the history: SSE event "anomaly" on GET /events, and the webhook',
        ]
      : []),
    `  health     GET  ${pipeline.url}/health`,
    `  DynamoDB   ${dynamodbEndpoint ? `${dynamodbEndpoint} (yours)` : `DynamoDB Local at ${pipeline.dynamodbEndpoint} (${persistPath ? `data in ${persistPath}` : 'in memory'})`}, table ${pipeline.tableName}`,
    `  Twilio     ${simulator ? `simulator at ${simulator.url} (no real messages are sent)` : 'the real Twilio API (TWILIO_ACCOUNT_SID is set)'}`,
    `  token      ${pipeline.tokenSource}`,
    ...(nodeVersionNote() ? [`  runtime    ${nodeVersionNote()}`] : []),
    'Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));

  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    whenLaunchersGone((pid) => {
      console.error(`\nnpm start: process ${pid}, which started this one, has gone`);
      done();
    });
  });
  console.log('\nstopping...');
  await pipeline.stop();
  return 0;
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

function printEvent(delivery: Delivery): void {
  const { detail } = delivery.message;
  console.log(
    `${clock()}  events  ${detail.messageSid}  ${detail.previousStatus ?? '(new)'} -> ${detail.status}`,
  );
}

function printAnomaly(delivery: AnomalyDelivery): void {
  const { segment, metric, baseline, observed, bucket } = delivery.message.detail;
  console.log(
    `${clock()}  ANOMALY ${segment.dimension}=${segment.value}  ${metric} ${observed.value} ` +
      `(baseline ${baseline.value}, ${observed.sample} messages, bucket ${bucket.start})`,
  );
}

function printCallback(result: CallbackResult): void {
  const time = clock();
  if (result.kind === 'applied') {
    const { observation, result: applied } = result;
    const error = observation.errorCode ? ` error ${observation.errorCode}` : '';
    console.log(
      `${time}  ${observation.messageSid}  ${observation.status.padEnd(12)} ${applied.outcome}${error}`,
    );
  } else if (result.kind === 'rejected') {
    console.log(`${time}  rejected ${result.statusCode}: ${result.reason}`);
  } else if (result.kind === 'unavailable') {
    console.log(`${time}  503: ${result.reason}`);
  }
}

class StartError extends Error {}

function appPortTaken(port: number): string {
  const holder = listeningProcess(port);
  const earlierStart = holder?.command.includes('local/start.ts') ? ', an earlier npm start' : '';
  return holder
    ? `port ${port} is in use by ${describeProcess(holder.pid, holder.command)}${earlierStart}: ` +
        `stop it with \`kill ${holder.pid}\`, or set PORT to a free port`
    : `port ${port} is in use: set PORT to a free port`;
}

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StartError(`${name} must be a port number, got "${raw}"`);
  return port;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      error instanceof StartError ||
      error instanceof AccountsFileError ||
      error instanceof PipelineConfigError ||
      error instanceof JavaMissingError ||
      error instanceof PortInUseError;
    console.error(`npm start: ${describeError(error).message}`);
    if (error instanceof UsageError) {
      console.error('see: npm start -- --help');
      process.exit(2);
    }
    if (!known && error instanceof Error && process.env.DEBUG) console.error(error.stack);
    process.exit(1);
  },
);
