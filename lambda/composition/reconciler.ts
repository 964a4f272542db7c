/**
 * The reconciler function, run on a schedule: the pending index, Twilio's Messages API, the reconcile
 * use case, and the metrics of each run. The Twilio fetcher is built at the first run (and again only
 * when the credentials change), not at the cold start. Built from its environment by
 * handlers/reconciler.ts.
 */
import type { Context } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaFunction } from '../adapters/primary/lambda-handler';
import { credentialsFrom } from '../adapters/secondary/twilio-credentials';
import { METRIC_SERVICES, MetricName } from '../domain/metric-names';
import type { CredentialsSource, FetchedMessage, TwilioCredentials } from '../use-cases/ports';
import { reconcile, type ReconcileReport } from '../use-cases/reconcile';
import {
  createLogger,
  dynamoClient,
  functionMetrics,
  recordingStore,
  withDeadNumbers,
  type RecordingConfig,
  type TwilioConfig,
} from './shared';

export interface ReconcilerConfig extends RecordingConfig, TwilioConfig {
  /** Hours a message stays not final before it is polled. */
  minAgeHours: number;
  /** Hours after which a message still not final is marked unresolved. */
  horizonHours: number;
  /** Twilio fetches at once. */
  concurrency: number;
}

/** Stop starting new polls this long before the Lambda's timeout, so the run ends cleanly. */
const SAFETY_MARGIN_MS = 30_000;

export function reconcilerFunction(
  config: ReconcilerConfig,
  parts: { client?: DynamoDBClient; credentials?: CredentialsSource; logger?: Logger } = {},
): LambdaFunction<unknown, ReconcileReport> {
  const logger = parts.logger ?? createLogger();
  const metrics = functionMetrics(METRIC_SERVICES.reconciler);
  const client = parts.client ?? dynamoClient(config);
  const store = withDeadNumbers(recordingStore(config, client), config, client, logger);
  // Checked now (a missing secret id fails the cold start); read at the first run.
  const credentials = parts.credentials ?? credentialsFrom(config);
  let fetcher: { credentials: TwilioCredentials; fetch: FetchMessage } | undefined;
  const fetcherFor = async (current: TwilioCredentials): Promise<FetchMessage> => {
    if (fetcher?.credentials !== current) {
      // Imported at the first run, not at the cold start (a chunk of its own in the bundle).
      const [{ messagesByAccount }, { twilioMessageFetcher }] = await Promise.all([
        import('../adapters/secondary/twilio-messages'),
        import('../adapters/secondary/twilio-message-fetcher'),
      ]);
      // The parent's credentials; each message is fetched under its own account's path.
      const messagesOf = messagesByAccount(current, { baseUrl: config.twilioApiBaseUrl || undefined });
      fetcher = { credentials: current, fetch: twilioMessageFetcher(messagesOf) };
    }
    return fetcher.fetch;
  };

  const handle = async (_event: unknown, context: Context): Promise<ReconcileReport> => {
    const report = await reconcile({
      store,
      fetchMessage: await fetcherFor(await credentials.get()),
      shards: config.pendingShards,
      minAgeHours: config.minAgeHours,
      horizonHours: config.horizonHours,
      concurrency: config.concurrency,
      hasTime: () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS,
      logger,
    });
    const m = metrics();
    m.addMetric(MetricName.ReconcilerPolled, MetricUnit.Count, report.polled);
    m.addMetric(MetricName.ReconcilerResolved, MetricUnit.Count, report.resolved);
    m.addMetric(MetricName.ReconcilerUnresolved, MetricUnit.Count, report.unresolved);
    // A backlog larger than one run: worth watching (the next run continues where the index stands).
    m.addMetric(MetricName.ReconcilerIncomplete, MetricUnit.Count, report.complete ? 0 : 1);
    // Errors polling single messages are retried next run; a run with only errors is worth an alarm.
    // (The wrapper publishes the metrics above before this error leaves the function.)
    if (report.errors > 0 && report.polled === 0)
      throw new Error(`reconciler could not poll any of ${report.errors} messages`);
    return report;
  };
  return { logger, metrics: metrics.built, handle };
}

type FetchMessage = (sid: string, accountSid?: string) => Promise<FetchedMessage>;
