/**
 * The status-callback function (POST /message-status): the recording store, the signature keys (the
 * main secret and, with an account store, the accounts' secrets), the endpoint. The Lambda builds it
 * from its environment (handlers/status-callback.ts); `npm start` from its options (local/pipeline.ts),
 * giving the parts it shares or replaces.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import type { HttpResponse } from '../adapters/primary/http';
import type { SignatureKeys } from '../adapters/primary/callback-signature';
import { recordCallbackMetrics } from '../adapters/primary/callback-metrics';
import {
  createStatusCallbackHandler,
  type CallbackResult,
} from '../adapters/primary/status-callback-endpoint';
import { secretAccountTokens } from '../adapters/secondary/account-tokens';
import { credentialsFrom } from '../adapters/secondary/twilio-credentials';
import { METRIC_SERVICES } from '../domain/metric-names';
import type { ObservationStore } from '../use-cases/ports';
import {
  createLogger,
  dynamoClient,
  functionMetrics,
  recordingStore,
  withDeadNumbers,
  type RecordingConfig,
  type TwilioConfig,
} from './shared';

export interface StatusCallbackConfig extends RecordingConfig, TwilioConfig {
  /** The account store: secrets whose names start with it; none without it. */
  accountSecretPrefix?: string;
  /** Map secrets `<prefix>shard-<n>`; 0 = one secret per account only. */
  accountSecretShards: number;
  /** Scheme and host Twilio calls, when not the API's own (a custom domain, a tunnel). */
  publicBaseUrl?: string;
}

/** What a caller may give instead of what the config would build (local runs, tests). */
export interface StatusCallbackParts {
  client?: DynamoDBClient;
  store?: ObservationStore;
  /** The signature keys (local: TWILIO_ACCOUNTS_FILE); default the config's Twilio settings. */
  keys?: SignatureKeys;
  logger?: Logger;
  /** Told of every answer; default the function's CloudWatch metrics. */
  onResult?: (result: CallbackResult) => void;
}

export function statusCallbackFunction(
  config: StatusCallbackConfig,
  parts: StatusCallbackParts = {},
): LambdaFunction<APIGatewayProxyEventV2, HttpResponse> {
  const logger = parts.logger ?? createLogger();
  const metrics = functionMetrics(METRIC_SERVICES.callback);
  const keys: SignatureKeys = parts.keys ?? {
    credentials: credentialsFrom(config),
    accounts: config.accountSecretPrefix
      ? secretAccountTokens({ prefix: config.accountSecretPrefix, shards: config.accountSecretShards })
      : undefined,
  };
  const client = parts.client ?? dynamoClient(config);
  const store = parts.store ?? withDeadNumbers(recordingStore(config, client), config, client, logger);
  const handle = createStatusCallbackHandler({
    store,
    ...keys,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    // Inbound statuses record no metric, so the Metrics are built on the first result that counts.
    onResult: parts.onResult ?? ((result) => recordCallbackMetrics(metrics(), result)),
  });
  return { logger, metrics: metrics.built, handle: (event) => handle(event) };
}
