/**
 * The whole pipeline on one machine, assembled from the real parts: DynamoDB Local (or an endpoint you
 * name), the messages table from the stack's definition, the Lambda handlers behind the local HTTP
 * server, and the Twilio simulator unless real Twilio credentials are given. Used by `npm start`,
 * `npm run demo`, the end-to-end tests and the benchmarks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { createLogger } from '../lambda/adapters/secondary/logger';
import { MessageStore } from '../lambda/adapters/secondary/message-store';
import type { RecordingStore } from '../lambda/use-cases/record-observation';
import type { CallbackResult } from '../lambda/adapters/primary/status-callback-endpoint';
import { statusCallbackFunction } from '../lambda/composition/status-callback';
import { queryFunction } from '../lambda/composition/query';
import { accountKeys } from './accounts';
import type { LocalAccount } from './twilio-simulator/accounts-file';
import { jsonResponse } from '../lambda/adapters/primary/http';
import {
  CALLBACK_RETRY_FRAGMENT,
  LIST_INDEX_NAMES,
  STORE_DEFAULTS,
  publicOriginOf,
} from '../lambda/domain/contract';
import {
  ensureDeadNumbersTable,
  ensureMessagesTable,
  startDynamoDbLocal,
  type RunningDynamoDb,
} from './dynamodb-local';
import type { DynamoDeadNumberStore } from '../lambda/adapters/secondary/dead-number-store';
import { recordingDeadNumbers } from '../lambda/use-cases/dead-numbers';
import type { DeadNumberPolicy } from '../lambda/domain/dead-numbers';
import { deadNumberStore, recordingStore } from '../lambda/composition/shared';
import { startLocalServer, type EventHandler } from './server';
import { isConsolePath, serveConsoleFile } from './console/assets';
import type { FileOutbox } from './record-outbox';
import { createLocalSendHandler } from './send-endpoint';
import { startLocalEvents, type LocalEvents, type LocalEventsOptions } from './events';
import { webhookUrlProblem } from './events/webhook';
import { startTwilioSimulator, type SimulatorOptions, type TwilioSimulator } from './twilio-simulator';
import { createPseudonymiser } from '../lambda/adapters/secondary/pseudonymiser';
import { startHistoryWriter, type HistoryWriter } from './history/writer';
import {
  startAnomalyMonitor,
  type AnomalyMonitor,
  type AnomalyMonitorOptions,
} from './history/anomaly-monitor';
import { historyHashKey } from './history/key';
import { localHistoryReportEndpoint } from './history/endpoint';
import { down, healthAnswer, OFF, OK, storeCheck, type CheckResult } from './health';

/** The development token `npm start` uses when TWILIO_AUTH_TOKEN is not set (never a real token). */
export const DEV_AUTH_TOKEN = 'local-dev-auth-token-not-a-secret';
/** The messages table `npm start` uses unless told otherwise. */
export const DEFAULT_TABLE = 'twilio-status-tracker-local';
/** The sender's default From number locally (a Twilio test number). */
export const DEFAULT_FROM = '+15017250604';

export interface PipelineOptions {
  /** HTTP port of the local server; 0 picks a free one. */
  port?: number;
  /** Token the handler validates signatures with (and the simulator signs with). */
  authToken?: string;
  /**
   * TWILIO_ACCOUNTS_FILE: the parent (first) and its subaccounts. Each account's callbacks are checked
   * with its tokens; another account is refused unless `authToken` is given, which then serves it.
   */
  accounts?: LocalAccount[];
  publicBaseUrl?: string;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  /** Port of the DynamoDB Local this starts. */
  dynamodbPort?: number;
  /**
   * Keep DynamoDB Local's data in this folder instead of in memory; the sender's outbox file (records
   * the store could not take after Twilio accepted the message) lives beside it. In memory, the outbox
   * lives in a temporary folder removed on stop, like the data.
   */
  persistPath?: string;
  tableName?: string;
  /** The tag key of the sparse `byTag` list index, as the construct's `tagIndexKey` (env TAG_INDEX_KEY). */
  tagIndexKey?: string;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Told of every callback the endpoint answers (npm start prints them). */
  onCallback?: (result: CallbackResult) => void;
  /**
   * Where the sender sends: the Twilio simulator (default; its options here, it signs callbacks with
   * `authToken`), real Twilio credentials, or `false` for no sender at all (POST /messages answers 501).
   */
  twilio?: { simulator: SimulatorOptions } | { accountSid: string; authToken: string } | false;
  /** Sender defaults (DEFAULT_FROM); and whether to rely on the Messaging Service's own callback. */
  defaultFrom?: string;
  useServiceCallback?: boolean;
  /** DEAD_NUMBER_POLICY: refuse (default) or warn about a send to a dead number. */
  deadNumberPolicy?: DeadNumberPolicy;
  /**
   * Status-change events from the table's stream (on unless `false`): the webhook URL, where to keep
   * the stream position (in memory when absent), who is told of each delivery.
   */
  events?: Omit<LocalEventsOptions, 'dynamodbEndpoint' | 'streamArn' | 'logger'> | false;
  /** Serve the web console (built in dist/console) at `/`; on unless `false`. */
  console?: boolean;
  /**
   * History (off unless given): every status-change event as a Parquet row under `dir`, hashed with
   * `hashKey` (else the key file next to `dir`: local/history/key.ts); GET /history/report reads it.
   * Needs events. `anomalies`: the delivery-anomaly check over that folder (on with history unless
   * `false`; its clock, period and settings can be given), published through the events hub.
   */
  history?:
    | {
        dir: string;
        hashKey?: string;
        flushEveryMs?: number;
        anomalies?: Pick<AnomalyMonitorOptions, 'everyMs' | 'settleMs' | 'settings' | 'now'> | false;
      }
    | false;
}

export interface CallbackCounts {
  advanced: number;
  stale: number;
  duplicate: number;
  inbound: number;
  rejected: number;
  unavailable: number;
}

export interface LocalPipeline {
  url: string;
  callbackUrl: string;
  tableName: string;
  dynamodbEndpoint: string;
  store: RecordingStore<MessageStore>;
  /** The dead-numbers table (`{tableName}-dead-numbers`). */
  deadNumbers: DynamoDeadNumberStore;
  counts: CallbackCounts;
  tokenSource: string;
  /** Status-change events (GET /events), unless turned off. */
  events?: LocalEvents;
  /** The simulator the sender talks to, when it is the simulator. */
  simulator?: TwilioSimulator;
  /** The history writer, and the anomaly monitor unless turned off, when history is on. */
  history?: { dir: string; writer: HistoryWriter; anomalies?: AnomalyMonitor };
  /** The sender's outbox (records written once the store is back), when there is a sender. */
  sendOutbox?: FileOutbox;
  stop(): Promise<void>;
}

export async function startLocalPipeline(options: PipelineOptions = {}): Promise<LocalPipeline> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
  };
  let publicOrigin: string | undefined;
  if (options.publicBaseUrl !== undefined) {
    const parsed = publicOriginOf(options.publicBaseUrl, { allowHttp: true });
    if (!parsed.ok) {
      throw new PipelineConfigError(
        `PUBLIC_BASE_URL must be a scheme and host only (like https://abc.ngrok.app), got "${options.publicBaseUrl}"`,
      );
    }
    publicOrigin = parsed.origin;
  }
  const webhookUrl = options.events ? options.events.webhookUrl : undefined;
  const webhookProblem = webhookUrl === undefined ? undefined : webhookUrlProblem(webhookUrl);
  if (webhookProblem) throw new PipelineConfigError(webhookProblem);
  if (options.history && options.events === false)
    throw new PipelineConfigError(
      'history is written from status-change events: turn events on, or history off',
    );
  const hashKey = options.history ? historyKeyOrConfigError(options.history) : undefined;
  try {
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      const dynamo: RunningDynamoDb = await startDynamoDbLocal({
        port: options.dynamodbPort ?? 8000,
        dataPath: options.persistPath,
      });
      stops.push(() => dynamo.stop());
      dynamodbEndpoint = dynamo.endpoint;
    }
    const tableName = options.tableName ?? DEFAULT_TABLE;
    const tagIndex = options.tagIndexKey === undefined ? {} : { tagIndexKey: options.tagIndexKey };
    const streamArn = await ensureMessagesTable(dynamodbEndpoint, tableName, undefined, options.tagIndexKey);

    const client = createDynamoClient({ endpoint: dynamodbEndpoint });
    stops.push(async () => client.destroy());
    const logger = createLogger({ logLevel: options.logLevel ?? 'WARN' });
    // The same composition modules the Lambdas run, on the local tables and the local keys.
    const storeConfig = {
      tableName,
      dynamodbEndpoint,
      ...STORE_DEFAULTS,
      ...tagIndex,
      deadNumbersTableName: `${tableName}-dead-numbers`,
    };
    await ensureDeadNumbersTable(dynamodbEndpoint, storeConfig.deadNumbersTableName);
    const deadNumbers = deadNumberStore(storeConfig, client)!;
    // Every recording path (callback, sender) also counts dead-number failures against the recipient.
    const store = recordingDeadNumbers(recordingStore(storeConfig, client), deadNumbers, logger);
    const authToken = options.authToken ?? DEV_AUTH_TOKEN;
    const counts: CallbackCounts = {
      advanced: 0,
      stale: 0,
      duplicate: 0,
      inbound: 0,
      rejected: 0,
      unavailable: 0,
    };
    const count = (result: CallbackResult) => {
      if (result.kind === 'applied') counts[result.result.outcome]++;
      else counts[result.kind]++;
      options.onCallback?.(result);
    };

    const statusCallback = statusCallbackFunction(
      { ...storeConfig, twilioAuthToken: authToken, accountSecretShards: 0, publicBaseUrl: publicOrigin },
      {
        store,
        logger,
        onResult: count,
        ...(options.accounts ? { keys: accountKeys(options.accounts, options.authToken) } : {}),
      },
    ).handle;
    const query = queryFunction({ ...storeConfig, listIndexes: LIST_INDEX_NAMES }, { client, logger }).handle;

    // Stopped after the events (stops run in reverse): the events delivered while stopping are written.
    let history: LocalPipeline['history'];
    if (options.history && hashKey !== undefined) {
      const writer = await startHistoryWriter({
        dir: options.history.dir,
        pseudonymise: createPseudonymiser(hashKey),
        flushEveryMs: options.history.flushEveryMs,
        onError: (error) =>
          logger.error('history flush or compaction failed (a flush keeps its rows for the next)', { error }),
      });
      stops.push(() => writer.stop());
      history = { dir: options.history.dir, writer };
    }

    let events: LocalEvents | undefined;
    if (options.events !== false) {
      events = startLocalEvents({
        ...options.events,
        dynamodbEndpoint,
        streamArn,
        // Powertools' Logger takes attributes as its own record type; the consumer logs plain objects.
        logger: {
          warn: (message, extra) => logger.warn(message, { ...extra }),
          error: (message, extra) => logger.error(message, { ...extra }),
        },
      });
      const started = events;
      stops.push(() => started.stop());
      const writer = history?.writer;
      // Status changes only: a delivery anomaly is an event, never a history row.
      if (writer) started.hub.subscribe((delivery) => writer.write(delivery.message.detail));
      const check = options.history ? options.history.anomalies : false;
      if (history && check !== false) {
        // Stopped before the events (pushed after them): nothing is published into a stopped hub.
        const monitor = startAnomalyMonitor({
          ...check,
          dir: history.dir,
          publish: (anomaly) => started.hub.deliverAnomaly(anomaly),
          onError: (error) => logger.error('delivery anomaly check failed (the next one retries)', { error }),
        });
        stops.push(() => monitor.stop());
        history.anomalies = monitor;
      }
    }

    let simulator: TwilioSimulator | undefined;
    const twilio = options.twilio ?? { simulator: {} };
    if (twilio && 'simulator' in twilio) {
      const [parent, ...subaccounts] = options.accounts ?? [];
      simulator = await startTwilioSimulator({
        ...twilio.simulator,
        ...(parent
          ? { accountSid: parent.accountSid, authToken: parent.authToken, subaccounts }
          : { authToken }),
      });
      const started = simulator;
      stops.push(() => started.stop());
    }

    // GET /health asks each part: the store on a client of its own that tries once, briefly.
    const healthClient = createDynamoClient({
      endpoint: dynamodbEndpoint,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000 },
    });
    stops.push(async () => healthClient.destroy());
    const liveness = (part: { health(): { ok: true } | { ok: false; reason: string } } | undefined) => {
      if (!part) return OFF;
      const health = part.health();
      return health.ok ? OK : down(health.reason);
    };
    const health = () =>
      healthAnswer({
        store: storeCheck(healthClient, tableName),
        streamReader: (): CheckResult => liveness(events?.consumer),
        historyWriter: (): CheckResult => liveness(history?.writer),
      });

    // The sender needs the callback URL, which needs the port: bind first, then attach the sender.
    let sendHandler: EventHandler | undefined;
    let sendOutbox: FileOutbox | undefined;
    const server = await startLocalServer({
      port: options.port ?? 3000,
      publicOrigin,
      statusCallback,
      query,
      // As in AWS, the query function serves the dead-numbers routes too (its config names the table).
      deadNumbers: query,
      send: async (event) =>
        sendHandler ? sendHandler(event) : jsonResponse(501, { error: 'no sender is configured' }),
      // The web console at / and /console/*; live through GET /events when events are on.
      raw: (req, res, path) => {
        if (options.console !== false && isConsolePath(path)) {
          serveConsoleFile(req, res, path, events ? 'sse' : 'poll', history !== undefined);
          return true;
        }
        return events?.endpoint(req, res, path) ?? false;
      },
      historyReport: localHistoryReportEndpoint(history?.dir),
      health,
    });
    stops.push(() => server.close());
    const base = publicOrigin ?? server.url;
    const callbackUrl = `${base}/message-status`;
    if (twilio) {
      let outboxDir = options.persistPath;
      if (outboxDir === undefined) {
        const temporary = await mkdtemp(join(tmpdir(), 'tracker-outbox-'));
        stops.push(() => rm(temporary, { recursive: true, force: true }));
        outboxDir = temporary;
      }
      const sender = await createLocalSendHandler({
        store,
        tableName,
        deadNumbers,
        deadNumberPolicy: options.deadNumberPolicy,
        // As in AWS: Twilio (or the simulator) retries a 503 under the URL's connection overrides.
        callbackUrl: `${callbackUrl}${CALLBACK_RETRY_FRAGMENT}`,
        dynamodbEndpoint,
        idempotencyTableName: `${tableName}-idempotency`,
        outboxPath: join(outboxDir, `send-outbox.${tableName}.jsonl`),
        twilio: simulator
          ? { accountSid: simulator.accountSid, authToken: simulator.authToken, baseUrl: simulator.url }
          : (twilio as { accountSid: string; authToken: string }),
        defaultFrom: options.defaultFrom ?? DEFAULT_FROM,
        useServiceCallback: options.useServiceCallback,
        logLevel: options.logLevel,
      });
      stops.push(async () => sender.close());
      sendHandler = sender.handler;
      sendOutbox = sender.outbox;
    }

    return {
      url: server.url,
      callbackUrl,
      tableName,
      dynamodbEndpoint,
      store,
      deadNumbers,
      counts,
      events,
      simulator,
      history,
      sendOutbox,
      tokenSource: options.accounts
        ? `${options.accounts.length} accounts from TWILIO_ACCOUNTS_FILE${options.authToken ? ' (TWILIO_AUTH_TOKEN serves any other)' : ''}`
        : options.authToken
          ? 'TWILIO_AUTH_TOKEN'
          : 'development default (set TWILIO_AUTH_TOKEN to change)',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export class PipelineConfigError extends Error {}

function historyKeyOrConfigError(history: { dir: string; hashKey?: string }): string {
  try {
    return historyHashKey(history.dir, history.hashKey);
  } catch (error) {
    throw new PipelineConfigError(error instanceof Error ? error.message : String(error));
  }
}
