/**
 * The sender function: the send use case over the recording store, Twilio's Messages API, the
 * idempotency table and the outbox (the send queue). One DynamoDB client serves the store and the
 * idempotency table. What a cold start does not need is built on first use: the Twilio client when the
 * first message is created (its module, with the twilio library, is imported then: a dynamic import,
 * which the bundle keeps in a chunk of its own, so a cold start neither reads nor runs it), the
 * idempotency layer when the first key is claimed. The settings are
 * checked at once, so a misconfigured function fails its cold start, not a request.
 *
 * The Lambda builds it from its environment (handlers/sender.ts); `npm start`'s POST /messages from its
 * options (local/send-endpoint.ts), with its own outbox file and the pipeline's store.
 */
import type { Context } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import { recordSendMetrics } from '../adapters/primary/send-metrics';
import {
  createSenderHandler,
  type SenderEvent,
  type SenderResponse,
} from '../adapters/primary/sender-events';
import { createIdempotencyStore } from '../adapters/secondary/idempotency';
import { sendQueueOutbox } from '../adapters/secondary/send-queue-outbox';
import { credentialsFrom } from '../adapters/secondary/twilio-credentials';
import type { DeadNumberPolicy } from '../domain/dead-numbers';
import { METRIC_SERVICES } from '../domain/metric-names';
import type {
  CredentialsSource,
  DeadNumberStore,
  IdempotencyPort,
  MessagesPort,
  RecordOutbox,
  SendStore,
} from '../use-cases/ports';
import { createSender, type Sender } from '../use-cases/send';
import type { SendOutcome } from '../use-cases/send-results';
import { senderConfigOf, type SendSettings } from './sender-config';
import {
  createLogger,
  deadNumberStore,
  dynamoClient,
  functionMetrics,
  lazy,
  recordingStore,
  type RecordingConfig,
  type TwilioConfig,
} from './shared';

export interface SenderFunctionConfig extends RecordingConfig, TwilioConfig, SendSettings {
  idempotencyTableName: string;
  /** The send queue, where a record the store refused after a send waits (unless an outbox is given). */
  sendQueueUrl?: string;
  /** A send to a dead number: refused (422) or sent with a warning. */
  deadNumberPolicy: DeadNumberPolicy;
}

/** What a caller may give instead of what the config would build (local runs, tests). */
export interface SenderParts {
  client?: DynamoDBClient;
  store?: SendStore;
  /** Checked before each send; default the config's dead-numbers table, if any. */
  deadNumbers?: DeadNumberStore;
  outbox?: RecordOutbox;
  /** Told of every send's outcome; default the function's CloudWatch metrics (none locally). */
  onOutcome?: (outcome: SendOutcome) => void;
  credentials?: CredentialsSource;
  logger?: Logger;
}

export interface SenderFunction extends LambdaFunction<SenderEvent, SenderResponse> {
  readonly sender: Sender;
}

export function senderFunction(config: SenderFunctionConfig, parts: SenderParts = {}): SenderFunction {
  const senderConfig = senderConfigOf(config);
  const logger = parts.logger ?? createLogger({ logRecordOrder: ['level', 'message'] });
  const metrics = functionMetrics(METRIC_SERVICES.sender);
  const client = parts.client ?? dynamoClient(config);
  const credentials = parts.credentials ?? credentialsFrom(config);
  const outbox = parts.outbox ?? queueOutbox(config.sendQueueUrl);

  // The twilio library is imported at the first create, not at the cold start (see the module comment).
  const twilio = lazy(async () => {
    const { createTwilioMessages } = await import('../adapters/secondary/twilio-messages');
    return createTwilioMessages({ credentials, baseUrl: config.twilioApiBaseUrl || undefined });
  });
  const messages: MessagesPort = { create: async (params) => (await twilio()).create(params) };
  const idempotency = lazyIdempotency(() =>
    createIdempotencyStore({ tableName: config.idempotencyTableName, client }),
  );

  const sender = createSender({
    messages,
    store: parts.store ?? recordingStore(config, client),
    deadNumbers: parts.deadNumbers ?? deadNumberStore(config, client),
    outbox,
    idempotency,
    logger,
    config: { ...senderConfig, deadNumberPolicy: config.deadNumberPolicy },
    onOutcome: parts.onOutcome ?? ((outcome) => recordSendMetrics(metrics(), outcome)),
  });
  const handleEvent = createSenderHandler({ sender, logger });
  // In Lambda there is always a context: the idempotency layer bounds an in-progress record by it.
  const handle = (event: SenderEvent, context?: Context) => handleEvent(event, context as Context);
  return { sender, logger, metrics: metrics.built, handle };
}

function queueOutbox(queueUrl: string | undefined): RecordOutbox {
  if (!queueUrl) throw new Error('Environment variable SEND_QUEUE_URL is required');
  return sendQueueOutbox(queueUrl);
}

/** The idempotency layer built when the first key is claimed; a request without a key never builds it. */
function lazyIdempotency(build: () => IdempotencyPort): IdempotencyPort {
  const port = lazy(build);
  return {
    guard(settings) {
      const run = lazy(() => port().guard(settings));
      return (payload, work) => run()(payload, work);
    },
  };
}
