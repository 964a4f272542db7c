/**
 * Reconciler Lambda, run on a schedule: polls Twilio for messages whose final callback never came.
 * Wiring only; the work is in use-cases/reconcile.ts.
 */
import type { Context } from 'aws-lambda';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createDynamoClient, requiredEnv } from '../adapters/secondary/dynamodb';
import { MessageStore } from '../adapters/secondary/message-store';
import { recordingThrough } from '../use-cases/record-observation';
import { applyOptionsFromEnv, positiveEnv } from '../composition/config';
import { withDeadNumbersFromEnv } from '../composition/dead-numbers';
import { credentialsFromEnvironment } from '../adapters/secondary/twilio-credentials';
import { messagesByAccount } from '../adapters/secondary/twilio-messages';
import { twilioMessageFetcher } from '../adapters/secondary/twilio-message-fetcher';
import { createLogger } from '../adapters/secondary/logger';
import { reconcile } from '../use-cases/reconcile';
import { METRIC_SERVICES, METRICS_NAMESPACE, MetricName } from '../domain/metric-names';

const logger = createLogger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.reconciler });
const applyOptions = applyOptionsFromEnv();
const store = withDeadNumbersFromEnv(
  recordingThrough(new MessageStore(createDynamoClient(), requiredEnv('TABLE_NAME')), applyOptions),
  logger,
);
const credentials = credentialsFromEnvironment();
// Read once, at cold start (config.ts): a missing or malformed value fails the cold start, not each run.
const minAgeHours = positiveEnv('RECONCILE_MIN_AGE_HOURS');
const horizonHours = positiveEnv('RECONCILE_HORIZON_HOURS');
const concurrency = positiveEnv('RECONCILE_CONCURRENCY', { integer: true });
/** Stop starting new polls this long before the Lambda's timeout, so the run ends cleanly. */
const SAFETY_MARGIN_MS = 30_000;

export async function handler(_event: unknown, context: Context) {
  // The parent's credentials; each message is fetched under its own account's path.
  const fetchMessage = twilioMessageFetcher(
    messagesByAccount(await credentials.get(), { baseUrl: process.env.TWILIO_API_BASE_URL }),
  );
  const report = await reconcile({
    store,
    fetchMessage,
    shards: applyOptions.pendingShards,
    minAgeHours,
    horizonHours,
    concurrency,
    hasTime: () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS,
    logger,
  });
  metrics.addMetric(MetricName.ReconcilerPolled, MetricUnit.Count, report.polled);
  metrics.addMetric(MetricName.ReconcilerResolved, MetricUnit.Count, report.resolved);
  metrics.addMetric(MetricName.ReconcilerUnresolved, MetricUnit.Count, report.unresolved);
  // A backlog larger than one run: worth watching (the next run continues where the index stands).
  metrics.addMetric(MetricName.ReconcilerIncomplete, MetricUnit.Count, report.complete ? 0 : 1);
  metrics.publishStoredMetrics();
  // Errors polling single messages are retried next run; a run with only errors is worth an alarm.
  if (report.errors > 0 && report.polled === 0)
    throw new Error(`reconciler could not poll any of ${report.errors} messages`);
  return report;
}
