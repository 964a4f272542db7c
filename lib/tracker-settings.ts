/**
 * The settings a `StatusTracker` runs with: its props with the defaults applied, and every value checked
 * before anything is built, so a mistake fails `cdk synth` with one sentence naming the setting, not a
 * half-built template or a Lambda that fails its cold start. Values known only at deploy time (tokens)
 * are left to CloudFormation.
 */
import { isDeadNumberPolicy, type DeadNumberPolicy } from '../lambda/domain/dead-numbers';
import { Token } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { publicOriginOf, SID_PATTERNS, tagIndexKeyProblem } from '../lambda/domain/contract';
import { checkSendDefaults } from '../lambda/domain/send-request';
import {
  ConfigError,
  RECONCILER_TIMEOUT_MINUTES,
  TRACKER_DEFAULTS,
  type StatusTrackerProps,
} from './tracker-props';
import { TRACKER_SETTINGS, type Setting, type SettingName } from './setting-table';

/** Every setting with its default applied and checked; `reconcileSchedule` as its expression. */
export interface TrackerSettings {
  readonly retentionDays: number;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  readonly apiThrottleRateLimit: number;
  readonly apiThrottleBurstLimit: number;
  readonly pendingShards: number;
  readonly listIndexes: number;
  readonly tagIndexKey?: string;
  readonly publicBaseUrl?: string;
  readonly messagingServiceSid?: string;
  readonly defaultFrom?: string;
  readonly useServiceCallback: boolean;
  readonly deadNumberPolicy: DeadNumberPolicy;
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
  readonly history: boolean;
  readonly historyRetentionDays: number;
  /** How long Firehose's error objects are kept: never longer than the messages table keeps the numbers. */
  readonly historyErrorRetentionDays: number;
  readonly historyBufferSeconds: number;
  readonly historyScanLimitBytes: number;
}

/** Applies the defaults and checks every value; throws ConfigError naming the first setting that is wrong. */
export function resolveTrackerSettings(props: StatusTrackerProps = {}): TrackerSettings {
  const d = TRACKER_DEFAULTS;
  const reconcileMinAgeHours = whole('reconcileMinAgeHours', props.reconcileMinAgeHours);
  const reconcileHorizonHours = whole('reconcileHorizonHours', props.reconcileHorizonHours);
  if (reconcileHorizonHours <= reconcileMinAgeHours) {
    throw new ConfigError(
      `"reconcileHorizonHours" (${reconcileHorizonHours}) must be greater than "reconcileMinAgeHours" (${reconcileMinAgeHours}): a message is polled between the two`,
    );
  }
  const retentionDays = whole('retentionDays', props.retentionDays);
  const events = eventsOn(props);
  return {
    retentionDays,
    logRetention: props.logRetention ?? d.logRetention,
    tracing: props.tracing ?? d.tracing,
    apiThrottleRateLimit: whole('apiThrottleRateLimit', props.apiThrottleRateLimit),
    apiThrottleBurstLimit: whole('apiThrottleBurstLimit', props.apiThrottleBurstLimit),
    pendingShards: whole('pendingShards', props.pendingShards),
    listIndexes: whole('listIndexes', props.listIndexes),
    tagIndexKey: tagIndexKey(props.tagIndexKey),
    publicBaseUrl: publicBaseUrl(props.publicBaseUrl),
    ...senderSettings(props),
    reconcileSchedule: schedule(props.reconcileSchedule?.expressionString ?? d.reconcileSchedule),
    reconcileMinAgeHours,
    reconcileHorizonHours,
    reconcileConcurrency: whole('reconcileConcurrency', props.reconcileConcurrency),
    alarmEmail: alarmEmail(props.alarmEmail),
    signatureRejectionThreshold: whole('signatureRejectionThreshold', props.signatureRejectionThreshold),
    failureRateThreshold: failureRateThreshold(props.failureRateThreshold),
    events,
    ...historySettings(props, events, retentionDays),
    ...accountSettings(props),
  };
}

/** The tag key of the optional tag index: a valid tag key. */
function tagIndexKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const problem = tagIndexKeyProblem(key);
  if (problem) throw new ConfigError(problem);
  return key;
}

/**
 * The account secrets: a prefix of secret-name characters only, and not empty (`*` after it in the IAM
 * policy must match no more); shards only with a prefix, since the shard secrets are named after it.
 */
function accountSettings(props: StatusTrackerProps) {
  const prefix = props.accountSecretPrefix;
  if (prefix !== undefined && !Token.isUnresolved(prefix) && !/^[A-Za-z0-9/_+=.@-]{1,400}$/.test(prefix)) {
    throw new ConfigError(
      `"accountSecretPrefix" must be 1-400 characters of a secret name (letters, digits, /_+=.@-), e.g. twilio/accounts/; got "${prefix}"`,
    );
  }
  if (prefix === undefined && props.accountSecretShards !== undefined) {
    throw new ConfigError(
      '"accountSecretShards" is set but "accountSecretPrefix" is not: the shard secrets are named <accountSecretPrefix>shard-<n>; set "accountSecretPrefix" too, or leave "accountSecretShards" out',
    );
  }
  return {
    accountSecretPrefix: prefix,
    accountSecretShards: whole('accountSecretShards', props.accountSecretShards),
  };
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
    deadNumberPolicy: deadNumberPolicy(props.deadNumberPolicy),
    senderMaxConcurrency: whole('senderMaxConcurrency', props.senderMaxConcurrency),
  };
}

/**
 * History is made from the status-change events, so it follows `events` unless told otherwise; turning
 * history on with events off, or tuning a history that is off, is a mistake worth a message.
 */
function historySettings(props: StatusTrackerProps, events: boolean, retentionDays: number) {
  const history = props.history ?? events;
  if (history && !events) {
    throw new ConfigError(
      '"history" needs "events": history rows are made from the status-change events; set "events" to true or "history" to false',
    );
  }
  if (!history) {
    const tuned = (['historyRetentionDays', 'historyBufferSeconds', 'historyScanLimitBytes'] as const).find(
      (key) => props[key] !== undefined,
    );
    if (tuned) throw new ConfigError(`"${tuned}" is set but "history" is off: it would change nothing`);
  }
  const historyRetentionDays =
    props.historyRetentionDays === undefined
      ? retentionDays
      : wholeNumber('historyRetentionDays', props.historyRetentionDays);
  return {
    history,
    historyRetentionDays,
    historyErrorRetentionDays:
      Token.isUnresolved(historyRetentionDays) || Token.isUnresolved(retentionDays)
        ? historyRetentionDays
        : Math.min(historyRetentionDays, retentionDays),
    historyBufferSeconds: whole('historyBufferSeconds', props.historyBufferSeconds),
    historyScanLimitBytes: whole('historyScanLimitBytes', props.historyScanLimitBytes),
  };
}

/** A whole-number setting: its value or default, within the range the settings table gives it. */
function whole(key: WholeSetting, value: number | undefined): number {
  return wholeNumber(key, value ?? (TRACKER_DEFAULTS[key] as number));
}

type WholeSetting = {
  [K in SettingName]: (typeof TRACKER_SETTINGS)[K] extends { min: number; default: number } ? K : never;
}[SettingName];

function wholeNumber(key: SettingName, chosen: number): number {
  const { min = 0, max }: Setting = TRACKER_SETTINGS[key];
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

function deadNumberPolicy(value: string | undefined): DeadNumberPolicy {
  if (value === undefined) return TRACKER_DEFAULTS.deadNumberPolicy;
  if (!isDeadNumberPolicy(value)) {
    throw new ConfigError(`"deadNumberPolicy" must be "refuse" or "warn"; got "${value}"`);
  }
  return value;
}
