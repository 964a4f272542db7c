/**
 * What a `StatusTracker` can be told, the one place its defaults live, and the checks every value passes
 * before anything is built: a mistake fails `cdk synth` with one sentence naming the setting, not a
 * half-built template or a Lambda that fails its cold start.
 *
 * Settings a deployment changes by context (`-c key=value`) carry the same names here, so an error names
 * what the user typed either way.
 */
import { Token, type RemovalPolicy } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LIST_INDEX_NAMES, publicOriginOf, SID_PATTERNS, STORE_DEFAULTS } from '../lambda/domain/contract';
import { checkSendDefaults } from '../lambda/domain/send-request';

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
   * a tracker deployed before the list API upgrades by deploying 1, 2, 3, then 4 (README, Upgrading);
   * a new tracker takes them all at once. A filter whose index is missing is served by a wider index.
   * @default 4
   */
  readonly listIndexes?: number;
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
   * 450 accounts fit in one); 0 looks only for one secret per account. Never lower it once in use.
   * @default 0
   */
  readonly accountSecretShards?: number;
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
}

/** The defaults, written once: the documentation above and README name these values. */
export const TRACKER_DEFAULTS = {
  retentionDays: STORE_DEFAULTS.retentionDays,
  logRetention: RetentionDays.ONE_MONTH,
  apiThrottleRateLimit: 1000,
  apiThrottleBurstLimit: 2000,
  pendingShards: STORE_DEFAULTS.pendingShards,
  listIndexes: LIST_INDEX_NAMES.length,
  useServiceCallback: false,
  senderMaxConcurrency: 10,
  reconcileSchedule: 'rate(1 hour)',
  reconcileMinAgeHours: 12,
  reconcileHorizonHours: 72,
  reconcileConcurrency: 8,
  signatureRejectionThreshold: 50,
  failureRateThreshold: 0.1,
  events: true,
  accountSecretShards: 0,
} as const;

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

/** Every setting with its default applied and checked; `reconcileSchedule` as its expression. */
export interface TrackerSettings {
  readonly retentionDays: number;
  readonly logRetention: RetentionDays;
  readonly apiThrottleRateLimit: number;
  readonly apiThrottleBurstLimit: number;
  readonly pendingShards: number;
  readonly listIndexes: number;
  readonly publicBaseUrl?: string;
  readonly messagingServiceSid?: string;
  readonly defaultFrom?: string;
  readonly useServiceCallback: boolean;
  readonly senderMaxConcurrency: number;
  readonly reconcileSchedule: string;
  readonly reconcileMinAgeHours: number;
  readonly reconcileHorizonHours: number;
  readonly reconcileConcurrency: number;
  readonly alarmEmail?: string;
  readonly signatureRejectionThreshold: number;
  readonly failureRateThreshold: number;
  readonly events: boolean;
  readonly accountSecretPrefix?: string;
  readonly accountSecretShards: number;
}

/** Applies the defaults and checks every value; throws ConfigError naming the first setting that is wrong. */
export function resolveTrackerSettings(props: StatusTrackerProps = {}): TrackerSettings {
  const d = TRACKER_DEFAULTS;
  const reconcileMinAgeHours = whole('reconcileMinAgeHours', props.reconcileMinAgeHours, d, 1, 8760);
  const reconcileHorizonHours = whole('reconcileHorizonHours', props.reconcileHorizonHours, d, 2, 8760);
  if (reconcileHorizonHours <= reconcileMinAgeHours) {
    throw new ConfigError(
      `"reconcileHorizonHours" (${reconcileHorizonHours}) must be greater than "reconcileMinAgeHours" (${reconcileMinAgeHours}): a message is polled between the two`,
    );
  }
  return {
    retentionDays: whole('retentionDays', props.retentionDays, d, 1, 36500),
    logRetention: props.logRetention ?? d.logRetention,
    apiThrottleRateLimit: whole('apiThrottleRateLimit', props.apiThrottleRateLimit, d, 1),
    apiThrottleBurstLimit: whole('apiThrottleBurstLimit', props.apiThrottleBurstLimit, d, 1),
    pendingShards: whole('pendingShards', props.pendingShards, d, 1, 256),
    listIndexes: whole('listIndexes', props.listIndexes, d, 0, LIST_INDEX_NAMES.length),
    publicBaseUrl: publicBaseUrl(props.publicBaseUrl),
    ...senderSettings(props),
    reconcileSchedule: schedule(props.reconcileSchedule?.expressionString ?? d.reconcileSchedule),
    reconcileMinAgeHours,
    reconcileHorizonHours,
    reconcileConcurrency: whole('reconcileConcurrency', props.reconcileConcurrency, d, 1, 50),
    alarmEmail: alarmEmail(props.alarmEmail),
    signatureRejectionThreshold: whole(
      'signatureRejectionThreshold',
      props.signatureRejectionThreshold,
      d,
      0,
    ),
    failureRateThreshold: failureRateThreshold(props.failureRateThreshold),
    events: eventsOn(props),
    accountSecretPrefix: accountSecretPrefix(props.accountSecretPrefix),
    accountSecretShards: whole('accountSecretShards', props.accountSecretShards, d, 0, 1000),
  };
}

/** Secret-name characters only, and not empty: `*` after it in the IAM policy must match no more. */
function accountSecretPrefix(value: string | undefined): string | undefined {
  if (value !== undefined && !Token.isUnresolved(value) && !/^[A-Za-z0-9/_+=.@-]{1,400}$/.test(value)) {
    throw new ConfigError(
      `"accountSecretPrefix" must be 1-400 characters of a secret name (letters, digits, /_+=.@-), e.g. twilio/accounts/; got "${value}"`,
    );
  }
  return value;
}

function senderSettings(props: StatusTrackerProps) {
  const { messagingServiceSid, defaultFrom } = props;
  if (
    messagingServiceSid !== undefined &&
    !Token.isUnresolved(messagingServiceSid) &&
    !SID_PATTERNS.messagingService.test(messagingServiceSid)
  ) {
    throw new ConfigError(
      `"messagingServiceSid" must be a Messaging Service SID: MG followed by 32 hex characters; got "${messagingServiceSid}"`,
    );
  }
  if (defaultFrom !== undefined) {
    if (messagingServiceSid !== undefined) {
      throw new ConfigError(
        '"defaultFrom" and "messagingServiceSid" cannot both be set: the sender needs one default sender, a number or a Messaging Service',
      );
    }
    // The sender's own rule, so synth refuses what the Lambda would refuse at its cold start.
    if (checkSendDefaults({ from: defaultFrom }) !== undefined) {
      throw new ConfigError(
        `"defaultFrom" must be an E.164 number, a short code, an alphanumeric sender ID or whatsapp:+E.164; got "${defaultFrom}"`,
      );
    }
  }
  return {
    messagingServiceSid,
    defaultFrom,
    useServiceCallback: props.useServiceCallback ?? TRACKER_DEFAULTS.useServiceCallback,
    senderMaxConcurrency: whole(
      'senderMaxConcurrency',
      props.senderMaxConcurrency,
      TRACKER_DEFAULTS,
      2,
      1000,
    ),
  };
}

function whole(
  key: keyof typeof TRACKER_DEFAULTS,
  value: number | undefined,
  defaults: typeof TRACKER_DEFAULTS,
  min: number,
  max?: number,
): number {
  const chosen = value ?? (defaults[key] as number);
  if (Token.isUnresolved(chosen)) return chosen; // known at deploy time only: CloudFormation checks it
  if (!Number.isInteger(chosen) || chosen < min || (max !== undefined && chosen > max)) {
    const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(`"${key}" must be a whole number ${range}; got ${String(chosen)}`);
  }
  return chosen;
}

function failureRateThreshold(value: number | undefined): number {
  const chosen = value ?? TRACKER_DEFAULTS.failureRateThreshold;
  if (!Number.isFinite(chosen) || chosen < 0 || chosen >= 1) {
    throw new ConfigError(
      `"failureRateThreshold" must be a fraction from 0 up to (not including) 1, e.g. 0.1 for 10%; got ${String(chosen)}`,
    );
  }
  return chosen;
}

function alarmEmail(value: string | undefined): string | undefined {
  if (value !== undefined && !Token.isUnresolved(value) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    throw new ConfigError(`"alarmEmail" must be an e-mail address; got "${value}"`);
  }
  return value;
}

/**
 * An EventBridge schedule expression: `rate(value unit)` (singular unit for 1, plural otherwise, as
 * EventBridge requires) no more often than the reconciler's timeout, or a six-field `cron(...)` with `?` in
 * the day-of-month or day-of-week field.
 */
function schedule(expression: string): string {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2]!;
    const singular = !unit.endsWith('s');
    if (amount < 1 || singular !== (amount === 1)) {
      throw new ConfigError(
        `"reconcileSchedule" must use a singular unit for 1 and a plural one otherwise (rate(1 hour), rate(2 hours)); got "${expression}"`,
      );
    }
    const minutes = amount * (unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1440);
    if (minutes < RECONCILER_TIMEOUT_MINUTES) {
      throw new ConfigError(
        `"reconcileSchedule" must not fire more often than every ${RECONCILER_TIMEOUT_MINUTES} minutes (the reconciler's timeout; runs must not overlap); got "${expression}"`,
      );
    }
    return expression;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1]!.trim().split(/\s+/);
  if (fields && fields.length === 6 && (fields[2] === '?' || fields[4] === '?')) return expression;
  throw new ConfigError(
    `"reconcileSchedule" must be an EventBridge schedule such as rate(1 hour) or cron(0 * * * ? *) (six fields, "?" in day-of-month or day-of-week); got "${expression}"`,
  );
}

/** The callback Lambda keeps only the origin and appends the path Twilio called (publicOriginOf). */
function publicBaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || Token.isUnresolved(raw)) return raw;
  const parsed = publicOriginOf(raw);
  if (parsed.ok) return parsed.origin;
  switch (parsed.problem) {
    case 'not-a-url':
      throw new ConfigError(
        `"publicBaseUrl" must be an absolute URL such as https://sms.example.com; got "${raw}"`,
      );
    case 'credentials':
      throw new ConfigError('"publicBaseUrl" must not contain credentials');
    default:
      throw new ConfigError(
        `"publicBaseUrl" must be an https origin with no path, query or fragment (e.g. https://sms.example.com); got "${raw}"`,
      );
  }
}

function eventsOn(props: StatusTrackerProps): boolean {
  const on = props.events ?? TRACKER_DEFAULTS.events;
  if (!on && props.eventBus) {
    throw new ConfigError('"eventBus" is set but "events" is false: events would never reach it');
  }
  return on;
}
