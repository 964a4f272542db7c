/**
 * The whole pipeline on one machine, assembled from the real parts: DynamoDB Local (or an endpoint you
 * name), the messages table from the stack's definition, the Lambda handlers behind the local HTTP
 * server, and the Twilio simulator unless real Twilio credentials are given. Used by `npm start`,
 * `npm run demo`, the end-to-end tests and the benchmarks.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from '../lambda/adapters/dynamodb';
import { MessageStore } from '../lambda/adapters/message-store';
import { createQueryHandler } from '../lambda/adapters/query-endpoint';
import {
  createStatusCallbackHandler,
  type CallbackResult,
} from '../lambda/adapters/status-callback-endpoint';
import { environmentCredentials } from '../lambda/adapters/twilio-credentials';
import { jsonResponse } from '../lambda/adapters/http';
import { ensureMessagesTable, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local';
import { startLocalServer, type EventHandler } from './server';

/** The development token `npm start` uses when TWILIO_AUTH_TOKEN is not set (never a real token). */
export const DEV_AUTH_TOKEN = 'local-dev-auth-token-not-a-secret';

export interface PipelineOptions {
  /** HTTP port of the local server; 0 picks a free one. */
  port?: number;
  /** Token the handler validates signatures with (and the simulator signs with). */
  authToken?: string;
  publicBaseUrl?: string;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  /** Port of the DynamoDB Local this starts. */
  dynamodbPort?: number;
  /** Keep DynamoDB Local's data in this folder instead of in memory. */
  persistPath?: string;
  tableName?: string;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Extra handler for POST /messages (the sender), given the pipeline's store and callback URL. */
  sendHandler?: (context: {
    store: MessageStore;
    callbackUrl: string;
  }) => EventHandler | Promise<EventHandler>;
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
  store: MessageStore;
  counts: CallbackCounts;
  tokenSource: string;
  stop(): Promise<void>;
}

export async function startLocalPipeline(options: PipelineOptions = {}): Promise<LocalPipeline> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };
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
    const tableName = options.tableName ?? 'twilio-status-tracker-local';
    await ensureMessagesTable(dynamodbEndpoint, tableName);

    const client = createDocumentClient({
      endpoint: dynamodbEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stops.push(async () => client.destroy());
    const store = new MessageStore(client, tableName);
    const logger = new Logger({
      serviceName: 'twilio-status-tracker-local',
      logLevel: options.logLevel ?? 'WARN',
    });
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
    };

    const statusCallback = createStatusCallbackHandler({
      store,
      credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: authToken })!,
      logger,
      publicBaseUrl: options.publicBaseUrl,
      onResult: count,
    });
    const query = createQueryHandler({ store, logger });

    // The sender needs the callback URL, which needs the port: bind first, then attach the sender.
    let sendHandler: EventHandler | undefined;
    const server = await startLocalServer({
      port: options.port ?? 3000,
      statusCallback,
      query,
      send: async (event) =>
        sendHandler ? sendHandler(event) : jsonResponse(501, { error: 'no sender is configured' }),
    });
    stops.push(() => server.close());
    const base = options.publicBaseUrl?.replace(/\/$/, '') ?? server.url;
    const callbackUrl = `${base}/message-status`;
    if (options.sendHandler) sendHandler = await options.sendHandler({ store, callbackUrl });

    return {
      url: server.url,
      callbackUrl,
      tableName,
      dynamodbEndpoint,
      store,
      counts,
      tokenSource: options.authToken
        ? 'TWILIO_AUTH_TOKEN'
        : 'development default (set TWILIO_AUTH_TOKEN to change)',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
