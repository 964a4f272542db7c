/**
 * The app's settings, read from CDK context (cdk.json, or `-c key=value` on the command line) and
 * validated before anything is built, so a typo fails `cdk synth` with a sentence, not a half-built
 * template. Values from `-c` arrive as strings and values from cdk.json as JSON types: both are accepted.
 */
import { publicOriginOf } from '../lambda/domain/contract';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { checkSendDefaults } from '../lambda/domain/send-request';

export interface TrackerConfig {
  /** Deployment stage; `dev` makes stateful resources disposable (DESTROY), anything else retains them. */
  readonly stage: string;
  /** Days a message record is kept before DynamoDB TTL removes it (RETENTION_DAYS). */
  readonly retentionDays: number;
  /** Days the Lambda and API access logs are kept. */
  readonly logRetention: RetentionDays;
  /** Steady-state requests per second across the API's default stage. */
  readonly apiThrottleRateLimit: number;
  /** Burst capacity of the API's default stage. */
  readonly apiThrottleBurstLimit: number;
  /**
   * Shards of the sparse `pending` index (PENDING_SHARDS). Every writer and the reconciler must agree on
   * it, which is why the stack sets it rather than each handler defaulting on its own.
   */
  readonly pendingShards: number;
  /** Name of an existing Secrets Manager secret with the Twilio credentials; unset: the stack creates one. */
  readonly twilioSecretName?: string;
  /** Origin Twilio calls when the API sits behind a custom domain or tunnel (PUBLIC_BASE_URL). */
  readonly publicBaseUrl?: string;

  /**
   * A Messaging Service (MG + 32 hex) whose Delivery Status Callback the stack points at itself (and
   * restores on delete); also the sender's default service (DEFAULT_MESSAGING_SERVICE_SID).
   */
  readonly messagingServiceSid?: string;
  /** The sender's default `from` when a request names none (DEFAULT_FROM); not with messagingServiceSid. */
  readonly defaultFrom?: string;
  /**
   * Messages sent through a Messaging Service carry no per-message StatusCallback, so the service's own
   * Delivery Status Callback applies (USE_SERVICE_CALLBACK).
   */
  readonly useServiceCallback: boolean;
  /** Most send-queue batches processed at once (the event source mapping's maximum concurrency). */
  readonly senderMaxConcurrency: number;

  /** EventBridge schedule expression of the reconciler: `rate(...)` or a six-field `cron(...)`. */
  readonly reconcileSchedule: string;
  /** Poll messages not final for this many hours (RECONCILE_MIN_AGE_HOURS). */
  readonly reconcileMinAgeHours: number;
  /** Give up on (mark unresolved) messages still not final after this many hours (RECONCILE_HORIZON_HOURS). */
  readonly reconcileHorizonHours: number;
  /** Twilio requests the reconciler keeps in flight at once (RECONCILE_CONCURRENCY). */
  readonly reconcileConcurrency: number;

  /** E-mail address subscribed to the alarm topic (the subscription must be confirmed once). */
  readonly alarmEmail?: string;
  /** Alarm when more callbacks than this fail signature validation in 5 minutes. */
  readonly signatureRejectionThreshold: number;
  /** Alarm when the share of final statuses that are failed/undelivered over 15 minutes exceeds this. */
  readonly failureRateThreshold: number;
}

export const DEFAULTS = {
  stage: 'prod',
  retentionDays: 400,
  logRetentionDays: 30,
  apiThrottleRateLimit: 1000,
  apiThrottleBurstLimit: 2000,
  pendingShards: 16,
  useServiceCallback: false,
  senderMaxConcurrency: 10,
  reconcileSchedule: 'rate(1 hour)',
  reconcileMinAgeHours: 12,
  reconcileHorizonHours: 72,
  reconcileConcurrency: 8,
  signatureRejectionThreshold: 50,
  failureRateThreshold: 0.1,
} as const;

/**
 * The reconciler's timeout; the stack uses it and a schedule may not fire more often, since runs must not
 * overlap (reserved concurrency 1 would only throttle the extra run).
 */
export const RECONCILER_TIMEOUT_MINUTES = 5;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the app's context; throws ConfigError naming the key and the expected value. */
export function readTrackerConfig(node: Pick<Node, 'tryGetContext'>): TrackerConfig {
  const raw = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    // `-c key=` gives an empty string: treat it as unset rather than as a value.
    return value === '' || value === null ? undefined : value;
  };

  const stage = text(raw('stage'), 'stage') ?? DEFAULTS.stage;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new ConfigError(
      `Context "stage" must be 1-20 lowercase letters, digits or hyphens, starting with a letter (e.g. dev, prod); got "${stage}"`,
    );
  }

  const logRetentionDays = integer(raw('logRetentionDays'), 'logRetentionDays', DEFAULTS.logRetentionDays, 1);
  const allowedRetention = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowedRetention.includes(logRetentionDays)) {
    throw new ConfigError(
      `Context "logRetentionDays" must be a CloudWatch Logs retention period (${allowedRetention.sort((a, b) => a - b).join(', ')}); got ${logRetentionDays}`,
    );
  }

  const config: TrackerConfig = {
    stage,
    retentionDays: integer(raw('retentionDays'), 'retentionDays', DEFAULTS.retentionDays, 1, 36500),
    logRetention: logRetentionDays as RetentionDays,
    apiThrottleRateLimit: integer(
      raw('apiThrottleRateLimit'),
      'apiThrottleRateLimit',
      DEFAULTS.apiThrottleRateLimit,
      1,
    ),
    apiThrottleBurstLimit: integer(
      raw('apiThrottleBurstLimit'),
      'apiThrottleBurstLimit',
      DEFAULTS.apiThrottleBurstLimit,
      1,
    ),
    pendingShards: integer(raw('pendingShards'), 'pendingShards', DEFAULTS.pendingShards, 1, 256),
    twilioSecretName: secretName(raw('twilioSecretName')),
    publicBaseUrl: baseUrl(raw('publicBaseUrl')),
    ...senderSettings(raw),
    ...reconcilerSettings(raw),
    ...alarmSettings(raw),
  };
  return config;
}

type Raw = (key: string) => unknown;

function senderSettings(raw: Raw) {
  const messagingServiceSid = text(raw('messagingServiceSid'), 'messagingServiceSid');
  if (messagingServiceSid !== undefined && !/^MG[0-9a-fA-F]{32}$/.test(messagingServiceSid)) {
    throw new ConfigError(
      `Context "messagingServiceSid" must be a Messaging Service SID: MG followed by 32 hex characters; got "${messagingServiceSid}"`,
    );
  }
  const defaultFrom = text(raw('defaultFrom'), 'defaultFrom');
  if (defaultFrom !== undefined) {
    if (messagingServiceSid !== undefined) {
      throw new ConfigError(
        'Context "defaultFrom" and "messagingServiceSid" cannot both be set: the sender needs one default sender, a number or a Messaging Service',
      );
    }
    // The sender's own rule, so the stack refuses what the Lambda would refuse at its cold start.
    if (checkSendDefaults({ from: defaultFrom }) !== undefined) {
      throw new ConfigError(
        `Context "defaultFrom" must be an E.164 number, a short code, an alphanumeric sender ID or whatsapp:+E.164; got "${defaultFrom}"`,
      );
    }
  }
  return {
    messagingServiceSid,
    defaultFrom,
    useServiceCallback: bool(raw('useServiceCallback'), 'useServiceCallback', DEFAULTS.useServiceCallback),
    senderMaxConcurrency: integer(
      raw('senderMaxConcurrency'),
      'senderMaxConcurrency',
      DEFAULTS.senderMaxConcurrency,
      2,
      1000,
    ),
  };
}

function reconcilerSettings(raw: Raw) {
  const reconcileMinAgeHours = integer(
    raw('reconcileMinAgeHours'),
    'reconcileMinAgeHours',
    DEFAULTS.reconcileMinAgeHours,
    1,
    8760,
  );
  const reconcileHorizonHours = integer(
    raw('reconcileHorizonHours'),
    'reconcileHorizonHours',
    DEFAULTS.reconcileHorizonHours,
    2,
    8760,
  );
  if (reconcileHorizonHours <= reconcileMinAgeHours) {
    throw new ConfigError(
      `Context "reconcileHorizonHours" (${reconcileHorizonHours}) must be greater than "reconcileMinAgeHours" (${reconcileMinAgeHours}): a message is polled between the two`,
    );
  }
  return {
    reconcileSchedule: schedule(raw('reconcileSchedule')),
    reconcileMinAgeHours,
    reconcileHorizonHours,
    reconcileConcurrency: integer(
      raw('reconcileConcurrency'),
      'reconcileConcurrency',
      DEFAULTS.reconcileConcurrency,
      1,
      50,
    ),
  };
}

function alarmSettings(raw: Raw) {
  const alarmEmail = text(raw('alarmEmail'), 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
    throw new ConfigError(`Context "alarmEmail" must be an e-mail address; got "${alarmEmail}"`);
  }
  const failureRateThreshold = number(
    raw('failureRateThreshold'),
    'failureRateThreshold',
    DEFAULTS.failureRateThreshold,
  );
  if (failureRateThreshold < 0 || failureRateThreshold >= 1) {
    throw new ConfigError(
      `Context "failureRateThreshold" must be a fraction from 0 up to (not including) 1, e.g. 0.1 for 10%; got ${JSON.stringify(raw('failureRateThreshold'))}`,
    );
  }
  return {
    alarmEmail,
    signatureRejectionThreshold: integer(
      raw('signatureRejectionThreshold'),
      'signatureRejectionThreshold',
      DEFAULTS.signatureRejectionThreshold,
      0,
    ),
    failureRateThreshold,
  };
}

/**
 * An EventBridge schedule expression: `rate(value unit)` (singular unit for 1, plural otherwise, as
 * EventBridge requires) no more often than the reconciler's timeout, or a six-field `cron(...)` with `?` in
 * the day-of-month or day-of-week field.
 */
function schedule(value: unknown): string {
  const expression = text(value, 'reconcileSchedule') ?? DEFAULTS.reconcileSchedule;
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2]!;
    const singular = !unit.endsWith('s');
    if (amount < 1 || singular !== (amount === 1)) {
      throw new ConfigError(
        `Context "reconcileSchedule" must use a singular unit for 1 and a plural one otherwise (rate(1 hour), rate(2 hours)); got "${expression}"`,
      );
    }
    const minutes = amount * (unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1440);
    if (minutes < RECONCILER_TIMEOUT_MINUTES) {
      throw new ConfigError(
        `Context "reconcileSchedule" must not fire more often than every ${RECONCILER_TIMEOUT_MINUTES} minutes (the reconciler's timeout; runs must not overlap); got "${expression}"`,
      );
    }
    return expression;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1]!.trim().split(/\s+/);
  if (fields && fields.length === 6 && (fields[2] === '?' || fields[4] === '?')) return expression;
  throw new ConfigError(
    `Context "reconcileSchedule" must be an EventBridge schedule such as rate(1 hour) or cron(0 * * * ? *) (six fields, "?" in day-of-month or day-of-week); got "${expression}"`,
  );
}

function text(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new ConfigError(`Context "${key}" must be a string; got ${JSON.stringify(value)}`);
  return value.trim();
}

function bool(value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`Context "${key}" must be true or false; got ${JSON.stringify(value)}`);
}

/** A finite number; fractions allowed. Range checks are the caller's, with a message of its own. */
function number(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if ((typeof value === 'string' && value.trim() === '') || !Number.isFinite(parsed)) {
    throw new ConfigError(`Context "${key}" must be a number; got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function integer(value: unknown, key: string, fallback: number, min: number, max?: number): number {
  if (value === undefined) return fallback;
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
  if (
    (typeof value === 'string' && value.trim() === '') ||
    !Number.isInteger(parsed) ||
    parsed < min ||
    (max !== undefined && parsed > max)
  ) {
    throw new ConfigError(`Context "${key}" must be a whole number ${range}; got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function secretName(value: unknown): string | undefined {
  const name = text(value, 'twilioSecretName');
  if (name === undefined) return undefined;
  if (name.startsWith('arn:')) {
    throw new ConfigError(
      'Context "twilioSecretName" takes the secret\'s name (e.g. twilio/status-tracker), not its ARN',
    );
  }
  // Secrets Manager's own rule for names.
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
    throw new ConfigError(
      `Context "twilioSecretName" must be a Secrets Manager secret name (letters, digits and /_+=.@-); got "${name}"`,
    );
  }
  return name;
}

function baseUrl(value: unknown): string | undefined {
  const raw = text(value, 'publicBaseUrl');
  if (raw === undefined) return undefined;
  // The callback Lambda keeps only the origin and appends the path Twilio called (publicOriginOf).
  const parsed = publicOriginOf(raw);
  if (parsed.ok) return parsed.origin;
  switch (parsed.problem) {
    case 'not-a-url':
      throw new ConfigError(
        `Context "publicBaseUrl" must be an absolute URL such as https://sms.example.com; got "${raw}"`,
      );
    case 'credentials':
      throw new ConfigError('Context "publicBaseUrl" must not contain credentials');
    default:
      throw new ConfigError(
        `Context "publicBaseUrl" must be an https origin with no path, query or fragment (e.g. https://sms.example.com); got "${raw}"`,
      );
  }
}
