/**
 * Sender Lambda: direct invocation (payload = send request, answer = `{ messageSid, status }` or
 * `{ error }`) and SQS send-queue events (answer = `{ batchItemFailures }`). Wiring only: the rules are
 * in use-cases/send.ts, the two ways in in adapters/primary/sender-events.ts. Clients are built once per
 * container; a missing or contradictory setting fails the cold start rather than a request.
 *
 * Environment:
 * - TABLE_NAME, IDEMPOTENCY_TABLE_NAME (required); DYNAMODB_ENDPOINT (DynamoDB Local);
 *   RETENTION_DAYS, PENDING_SHARDS (store options, as for every writer);
 * - STATUS_CALLBACK_URL, and/or USE_SERVICE_CALLBACK=true (one of them is required);
 * - DEFAULT_FROM or DEFAULT_MESSAGING_SERVICE_SID (optional, not both);
 * - TWILIO_SECRET_ID, or TWILIO_AUTH_TOKEN + TWILIO_ACCOUNT_SID (local); TWILIO_API_BASE_URL (simulator);
 * - ALLOW_HTTP_MEDIA_URLS=true (local only), IDEMPOTENCY_TTL_SECONDS (default 86400);
 * - SEND_QUEUE_URL: the send queue, where a record the store refused after a send waits (the outbox).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createDynamoClient, requiredEnv } from '../adapters/secondary/dynamodb';
import { MessageStore } from '../adapters/secondary/message-store';
import { recordingThrough } from '../use-cases/record-observation';
import { applyOptionsFromEnv } from '../composition/config';
import { credentialsFromEnvironment } from '../adapters/secondary/twilio-credentials';
import { createTwilioMessages } from '../adapters/secondary/twilio-messages';
import { createIdempotencyStore } from '../adapters/secondary/idempotency';
import { createLogger } from '../adapters/secondary/logger';
import { createSenderHandler, type SenderEvent } from '../adapters/primary/sender-events';
import { senderConfigFromEnv } from '../composition/sender-config';
import { deadNumberPolicyFromEnv, deadNumbersFromEnv } from '../composition/dead-numbers';
import { recordSendMetrics } from '../adapters/primary/send-metrics';
import { sendQueueOutbox } from '../adapters/secondary/send-queue-outbox';
import { createSender } from '../use-cases/send';
import { METRIC_SERVICES, METRICS_NAMESPACE } from '../domain/metric-names';

const logger = createLogger({ logRecordOrder: ['level', 'message'] });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.sender });

const sender = createSender({
  messages: createTwilioMessages({
    credentials: credentialsFromEnvironment(),
    baseUrl: process.env.TWILIO_API_BASE_URL || undefined,
  }),
  store: recordingThrough(
    new MessageStore(createDynamoClient(), requiredEnv('TABLE_NAME')),
    applyOptionsFromEnv(),
  ),
  deadNumbers: deadNumbersFromEnv(),
  outbox: sendQueueOutbox(requiredEnv('SEND_QUEUE_URL')),
  idempotency: createIdempotencyStore({
    tableName: requiredEnv('IDEMPOTENCY_TABLE_NAME'),
    client: createDynamoClient(),
  }),
  logger,
  config: { ...senderConfigFromEnv(), deadNumberPolicy: deadNumberPolicyFromEnv() },
  onOutcome: (outcome) => recordSendMetrics(metrics, outcome),
});

const handleSenderEvent = createSenderHandler({ sender, logger });

export async function handler(event: SenderEvent, context: Context) {
  try {
    return await handleSenderEvent(event, context);
  } finally {
    // An invocation with nothing to count (e.g. only retryable failures) publishes nothing.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
