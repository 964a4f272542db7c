/**
 * Status-callback Lambda: POST /message-status. Wiring only; the contract is in
 * adapters/status-callback-endpoint.ts (HTTP) and use-cases/apply-callback.ts. Clients are built once
 * per container.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createStatusCallbackHandler } from '../adapters/status-callback-endpoint';
import { recordCallbackMetrics } from '../adapters/callback-metrics';
import { createDynamoClient, requiredEnv } from '../adapters/dynamodb';
import { MessageStore } from '../adapters/message-store';
import { credentialsFromEnvironment } from '../adapters/twilio-credentials';
import { accountTokensFromEnvironment } from '../adapters/account-tokens';
import { applyOptionsFromEnv } from '../adapters/config';
import { createLogger } from '../adapters/logger';
import { METRIC_SERVICES, METRICS_NAMESPACE } from '../domain/metric-names';

const logger = createLogger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.callback });

const handleStatusCallback = createStatusCallbackHandler({
  store: new MessageStore(createDynamoClient(), requiredEnv('TABLE_NAME'), applyOptionsFromEnv()),
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
