/**
 * What a `StatusTracker` can be told. Each setting's default, range and meaning are written once, in the
 * settings table (setting-table.ts); a test checks every `@default` below against it, and
 * tracker-settings.ts checks every value before anything is built.
 *
 * Settings a deployment changes by context (`-c key=value`) carry the same names here, so an error names
 * what the user typed either way.
 */
import type { DeadNumberPolicy } from '../lambda/domain/dead-numbers';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { TRACKER_SETTINGS, type Setting, type TrackerDefaults } from './setting-table';

export interface StatusTrackerProps {
  /**
   * What happens to the stateful resources (both tables, the secret it creates, log groups) when the
   * tracker is removed from the stack. `RETAIN` also turns on the tables' deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days a message record is kept before DynamoDB TTL removes it.
   * @default 400
   */
  readonly retentionDays?: number;
  /**
   * How long the Lambda and API access logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Steady-state requests per second across the HTTP API. Twilio does not retry a 429, so keep it above
   * your peak callback rate (about 3-4 callbacks per message).
   * @default 1000
   */
  readonly apiThrottleRateLimit?: number;
  /**
   * Burst capacity of the HTTP API.
   * @default 2000
   */
  readonly apiThrottleBurstLimit?: number;
  /**
   * Shards of the sparse `pending` index the reconciler reads. Raise it for send rates above about 1,000
   * messages per second; never lower it on a deployed tracker (messages in dropped shards are no longer
   * polled).
   * @default 16
   */
  readonly pendingShards?: number;
  /**
   * How many of the list API's indexes exist, in the order they are added: 1 `byTime`, 2 `failures`,
   * 3 `byTo`, 4 `byClientReference`. CloudFormation adds one global secondary index per table update, so
   * a tracker deployed before the list API upgrades by deploying 1, 2, 3, then 4 (docs/deploy.md);
   * a new tracker takes them all at once. A filter whose index is missing is served by a wider index.
   * @default 4
   */
  readonly listIndexes?: number;
  /**
   * A tag key to index for the list API (`GET /messages?tag.<key>=<value>`), e.g. `campaign`: a sparse,
   * keys-only index (`byTag`) keyed by that tag's value and `createdAt`. Only messages carrying the tag
   * are in it, one index write per tagged message; filters on other tag keys are checked on the items.
   * An empty value of this key is not stored (DynamoDB refuses an empty index key). Turning it on later
   * adds a global secondary index: CloudFormation adds one per table update, so deploy it on its own.
   * @default no tag index
   */
  readonly tagIndexKey?: string;
  /**
   * An existing secret holding the Twilio credentials as JSON `{accountSid, authToken,
   * secondaryAuthToken?, apiKeySid?, apiKeySecret?}`. A secret under a customer managed KMS key also needs
   * `kms:Decrypt` granted to the functions' roles.
   * @default a secret created with a placeholder value, to be filled in by the operator
   */
  readonly twilioSecret?: ISecret;
  /**
   * Serve more Twilio accounts (subaccounts, other accounts): their auth tokens live in secrets whose
   * names start with this prefix, `<prefix><AccountSid>` (`{authToken, secondaryAuthToken?}`) or, with
   * `accountSecretShards`, `<prefix>shard-<n>` (`{"accounts": {"AC...": {...}}}`). The callback may read
   * exactly these secrets. README, "Many Twilio accounts".
   * @default only the accounts of `twilioSecret`
   */
  readonly accountSecretPrefix?: string;
  /**
   * Map secrets `<prefix>shard-0` ... `<prefix>shard-<n-1>` an account's token is looked for first (about
   * 450 accounts fit in one); 0 looks only for one secret per account. Never lower it once in use. Needs
   * `accountSecretPrefix`: set without it, synth stops with a ConfigError.
   * @default 0
   */
  readonly accountSecretShards?: number;
  /**
   * Whether every function of the tracker sends traces to AWS X-Ray (Lambda active tracing): Lambda's own
   * segments of each invocation (initialisation, the handler's duration, errors), linked to the caller's
   * trace. The functions' roles then get xray:PutTraceSegments and xray:PutTelemetryRecords, which take
   * no resource but `*`. Off by default: the API access logs and the structured logs already say where
   * a request went, and X-Ray bills per trace recorded.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * The customer managed KMS key the account secrets are encrypted with (the callback gets kms:Decrypt).
   * @default the account secrets use the AWS managed key
   */
  readonly accountSecretKey?: IKey;
  /**
   * The origin Twilio calls when the API sits behind a custom domain (`https://sms.example.com`): the
   * callback URLs use it and signatures are checked against it.
   * @default the API's own endpoint
   */
  readonly publicBaseUrl?: string;
  /**
   * A Messaging Service (MG + 32 hex) whose Delivery Status Callback the tracker points at itself (and
   * restores on removal); also the sender's default service.
   * @default no Messaging Service is changed
   */
  readonly messagingServiceSid?: string;
  /**
   * The sender's `from` when a request names none; not together with `messagingServiceSid`.
   * @default requests must name a sender
   */
  readonly defaultFrom?: string;
  /**
   * Messages sent through a Messaging Service carry no per-message StatusCallback, so the service's own
   * Delivery Status Callback applies.
   * @default false
   */
  readonly useServiceCallback?: boolean;
  /**
   * What the sender does with a request to a recipient recorded as a dead number (opted out 21610,
   * invalid 21211, not a mobile 21614, landline 30006, unknown 30005 three times; docs/api.md, "Dead
   * numbers"): `refuse` answers a DeadNumber error and sends nothing; `warn` sends it and adds a
   * `warning` to the answer.
   * @default 'refuse'
   */
  readonly deadNumberPolicy?: DeadNumberPolicy;
  /**
   * Most send-queue batches processed at once: Twilio limits concurrent API requests per account.
   * @default 10
   */
  readonly senderMaxConcurrency?: number;
  /**
   * When the reconciler runs. A run lasts up to 5 minutes and runs never overlap, so no more often.
   * @default Schedule.expression('rate(1 hour)')
   */
  readonly reconcileSchedule?: events.Schedule;
  /**
   * Hours a message may stay without a final status before the reconciler asks Twilio about it.
   * @default 12
   */
  readonly reconcileMinAgeHours?: number;
  /**
   * Hours after which a message Twilio still reports as not final is marked `unresolved` and no longer
   * polled.
   * @default 72
   */
  readonly reconcileHorizonHours?: number;
  /**
   * Twilio requests the reconciler keeps in flight at once.
   * @default 8
   */
  readonly reconcileConcurrency?: number;
  /**
   * Whether every status change becomes an EventBridge event (`Message Status Changed`, one per change of
   * a message's current status, from the table's stream).
   * @default true
   */
  readonly events?: boolean;
  /**
   * The bus status-change events go to.
   * @default a bus created for the tracker
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The topic every alarm notifies.
   * @default an SNS topic encrypted with a KMS key created for it
   */
  readonly alarmTopic?: ITopic;
  /**
   * An e-mail address subscribed to the alarm topic the tracker creates (confirm the subscription once).
   * @default no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Alarm when more callbacks than this fail signature validation in 5 minutes.
   * @default 50
   */
  readonly signatureRejectionThreshold?: number;
  /**
   * Alarm when more than this share (0 to 1) of the messages that became final in 15 minutes failed.
   * @default 0.1
   */
  readonly failureRateThreshold?: number;
  /**
   * Whether every status-change event is also kept as history: Parquet in S3 (through Amazon Data
   * Firehose), a Glue table with partition projection and an Athena workgroup with the named queries
   * (docs/history.md). Rows are pseudonymised: a keyed hash and the country calling code of `to` and
   * `from`, never the numbers. Needs `events`.
   * @default the value of `events` (on unless events are off)
   */
  readonly history?: boolean;
  /**
   * Days a history object (and a Firehose error object) is kept before S3 lifecycle expiry removes it.
   * Error objects can hold whole events, numbers included, so they never outlive `retentionDays`.
   * @default the value of `retentionDays`
   */
  readonly historyRetentionDays?: number;
  /**
   * Seconds Firehose buffers history rows before writing a Parquet object (60 to 900); the size buffer
   * is 128 MiB, so at low volume this is how often an object is written and how late a row is queryable.
   * @default 300
   */
  readonly historyBufferSeconds?: number;
  /**
   * Bytes one Athena query in the history workgroup may scan before Athena cancels it (at least 10 MB).
   * @default 10000000000 (10 GB, about $0.05 per query at $5 per TB)
   */
  readonly historyScanLimitBytes?: number;
}

/** The defaults, derived from the settings table (setting-table.ts), where each is written once. */
export const TRACKER_DEFAULTS: TrackerDefaults = Object.freeze(
  Object.fromEntries(
    Object.entries(TRACKER_SETTINGS as Record<string, Setting>).flatMap(([name, setting]) =>
      setting.default === undefined ? [] : [[name, setting.default]],
    ),
  ),
) as TrackerDefaults;

/**
 * The reconciler's timeout; a schedule may not fire more often, since runs must not overlap (reserved
 * concurrency 1 would only throttle the extra run).
 */
export const RECONCILER_TIMEOUT_MINUTES = 5;

/** A setting that cannot work; the message names it and says what it takes. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
