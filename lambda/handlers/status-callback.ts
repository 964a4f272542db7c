/**
 * Status-callback Lambda: POST /message-status. Wiring only; the contract is in
 * adapters/primary/status-callback-endpoint.ts (HTTP) and use-cases/apply-callback.ts. Clients are built once
 * per container.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createStatusCallbackHandler } from '../adapters/primary/status-callback-endpoint';
import { recordCallbackMetrics } from '../adapters/primary/callback-metrics';
import { createDynamoClient, requiredEnv } from '../adapters/secondary/dynamodb';
import { MessageStore } from '../adapters/secondary/message-store';
import { recordingThrough } from '../use-cases/record-observation';
import { credentialsFromEnvironment } from '../adapters/secondary/twilio-credentials';
import { accountTokensFromEnvironment } from '../adapters/secondary/account-tokens';
import { applyOptionsFromEnv } from '../composition/config';
import { withDeadNumbersFromEnv } from '../composition/dead-numbers';
import { createLogger } from '../adapters/secondary/logger';
import { METRIC_SERVICES, METRICS_NAMESPACE } from '../domain/metric-names';

const logger = createLogger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.callback });

const handleStatusCallback = createStatusCallbackHandler({
  store: withDeadNumbersFromEnv(
    recordingThrough(
      new MessageStore(createDynamoClient(), requiredEnv('TABLE_NAME')),
      applyOptionsFromEnv(),
    ),
    logger,
  ),
  credentials: credentialsFromEnvironment(),
  accounts: accountTokensFromEnvironment(),
  logger,
  publicBaseUrl: process.env.PUBLIC_BASE_URL || undefined,
  onResult: (result) => recordCallbackMetrics(metrics, result),
});

export async function handler(event: APIGatewayProxyEventV2) {
  try {
    return await handleStatusCallback(event);
  } finally {
    // Inbound statuses record no metric; publishing an empty set would only log a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
