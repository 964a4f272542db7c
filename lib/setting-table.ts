/**
 * Every setting of a `StatusTracker`, written once: its prop, its default, its range, what it means, and
 * the context key of the ready-made app that sets it. What is derived from this table:
 *
 * - `TRACKER_DEFAULTS` (tracker-props.ts): the `default` of every setting that has a value;
 * - the ranges resolveTrackerSettings checks (tracker-settings.ts) and their error messages;
 * - the context keys readAppConfig accepts and their JSON types (config.ts);
 * - the tables of docs/configuration.md, and the `@default` of each prop's doc comment in
 *   tracker-props.ts (test/infra/setting-table.test.ts checks both against this table).
 *
 * lib/ only: the Lambdas get what they need through their environment, never this table.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LIST_INDEX_NAMES, STORE_DEFAULTS } from '../lambda/domain/contract';
import { DEFAULT_DEAD_NUMBER_POLICY } from '../lambda/domain/dead-numbers';

/** The JSON type a context value takes (`-c` gives strings; they are parsed to this). */
export type ContextType = 'string' | 'integer' | 'number' | 'boolean';

/** How the ready-made app sets a prop from context. */
export interface ContextSetting {
  /** The key, when it is not the prop's name. */
  readonly key?: string;
  readonly type: ContextType;
  /** The default as the context table shows it (Markdown), when it is not the prop's. */
  readonly default?: string;
  /** What the context table says, when it says more or other than the prop's meaning. */
  readonly doc?: string;
  /** How the value becomes the prop, when not as it is (the last table of docs/configuration.md). */
  readonly becomes?: string;
}

export interface Setting {
  /** The prop's TypeScript type, as `StatusTrackerProps` declares it. */
  readonly type: string;
  /** The default, when it is a value (`TRACKER_DEFAULTS` holds it). */
  readonly default?: number | boolean | string;
  /** The default as TypeScript writes it, when not `String(default)` (e.g. `RemovalPolicy.RETAIN`). */
  readonly defaultCode?: string;
  /** The default in words, when it is not a value (the prop's `@default` says exactly this). */
  readonly defaultText?: string;
  /** Smallest and largest whole number allowed (integer settings). */
  readonly min?: number;
  readonly max?: number;
  /** The range in words, for a setting whose check is not min/max of a whole number. */
  readonly range?: string;
  /** One line for the configuration page: what the setting does. */
  readonly doc: string;
  /** Set by the ready-made app's context too. */
  readonly context?: ContextSetting;
}

export const TRACKER_SETTINGS = {
  removalPolicy: {
    type: 'RemovalPolicy',
    default: RemovalPolicy.RETAIN,
    defaultCode: 'RemovalPolicy.RETAIN',
    doc: "what happens to the tables, the secret and the log groups when the stack goes; `DESTROY` also turns off the tables' deletion protection",
    context: {
      key: 'stage',
      type: 'string',
      default: '`prod`',
      doc: '`dev` destroys the tables with the stack; any other stage retains them (and names the stack `TwilioStatusTracker-<stage>`)',
      becomes: '`removalPolicy`: `DESTROY` for `dev`, `RETAIN` for any other',
    },
  },
  retentionDays: {
    type: 'number',
    default: STORE_DEFAULTS.retentionDays,
    min: 1,
    max: 36500,
    doc: 'days a message is kept after its last change (DynamoDB TTL on `expiresAt`)',
    context: { type: 'integer' },
  },
  logRetention: {
    type: 'RetentionDays',
    default: RetentionDays.ONE_MONTH,
    defaultCode: 'RetentionDays.ONE_MONTH',
    doc: 'CloudWatch Logs retention of every function and the API access log',
    context: {
      key: 'logRetentionDays',
      type: 'integer',
      default: '`30`',
      doc: 'CloudWatch Logs retention of every function and the API access log, in days (a period CloudWatch Logs offers: 1, 3, 5, 7, 14, 30, ...)',
      becomes: '`logRetention`',
    },
  },
  tracing: {
    type: 'boolean',
    default: false,
    doc: 'X-Ray active tracing of every function (grants `xray:PutTraceSegments`/`PutTelemetryRecords` on `*`)',
    context: { type: 'boolean' },
  },
  apiThrottleRateLimit: {
    type: 'number',
    default: 1000,
    min: 1,
    doc: 'steady requests per second across the HTTP API (Twilio does not retry a 429)',
    context: { type: 'integer' },
  },
  apiThrottleBurstLimit: {
    type: 'number',
    default: 2000,
    min: 1,
    doc: 'burst capacity of the HTTP API',
    context: { type: 'integer' },
  },
  pendingShards: {
    type: 'number',
    default: STORE_DEFAULTS.pendingShards,
    min: 1,
    max: 256,
    doc: 'partitions of the sparse index of unfinished messages; raise it, never lower it (the reconciler reads only the shards below it)',
    context: { type: 'integer' },
  },
  listIndexes: {
    type: 'number',
    default: LIST_INDEX_NAMES.length,
    min: 0,
    max: LIST_INDEX_NAMES.length,
    doc: "how many of the list API's indexes exist (1 `byTime`, 2 `failures`, 3 `byTo`, 4 `byClientReference`): for a staged upgrade",
    context: { type: 'integer' },
  },
  tagIndexKey: {
    type: 'string',
    defaultText: 'no tag index',
    range: 'a tag key: 1-64 of A-Z a-z 0-9 `_` `.` `-`',
    doc: 'a tag key the list API answers from its own sparse index (`byTag`): one index write per message carrying that tag; other tag keys are checked on the items; turning it on adds a global secondary index, and CloudFormation adds one per table update, so deploy it on its own',
    context: { type: 'string' },
  },
  twilioSecret: {
    type: 'ISecret',
    defaultText: 'a secret created with a placeholder value, to be filled in by the operator',
    doc: 'an `ISecret` holding `{"accountSid":"AC...","authToken":"..."}`',
    context: {
      key: 'twilioSecretName',
      type: 'string',
      default: '(created)',
      doc: 'use an existing Secrets Manager secret, by name, instead of creating one',
      becomes: '`twilioSecret` (the secret, looked up by name)',
    },
  },
  accountSecretPrefix: {
    type: 'string',
    defaultText: 'only the accounts of `twilioSecret`',
    doc: 'serve more Twilio accounts: their tokens are in secrets named with this prefix (see [Many Twilio accounts](accounts.md))',
    context: { type: 'string' },
  },
  accountSecretShards: {
    type: 'number',
    default: 0,
    min: 0,
    max: 1000,
    doc: 'map secrets `<prefix>shard-0` ... `<prefix>shard-<n-1>` holding many accounts each; never lower it; needs `accountSecretPrefix`',
    context: { type: 'integer' },
  },
  accountSecretKey: {
    type: 'IKey',
    defaultText: 'the account secrets use the AWS managed key',
    doc: 'the customer managed KMS key of the account secrets (the callback gets `kms:Decrypt`)',
  },
  publicBaseUrl: {
    type: 'string',
    defaultText: "the API's own endpoint",
    range: 'an https origin',
    doc: 'a custom domain or proxy in front of the API (https origin): signatures are checked against it',
    context: { type: 'string' },
  },
  messagingServiceSid: {
    type: 'string',
    defaultText: 'no Messaging Service is changed',
    range: 'MG + 32 hex',
    doc: "point this Messaging Service's Delivery Status Callback at the tracker (and send through it by default)",
    context: { type: 'string' },
  },
  defaultFrom: {
    type: 'string',
    defaultText: 'requests must name a sender',
    doc: "the sender's default From number (not together with `messagingServiceSid`)",
    context: { type: 'string' },
  },
  useServiceCallback: {
    type: 'boolean',
    default: false,
    doc: 'messages sent through a Messaging Service rely on its own status callback',
    context: { type: 'boolean' },
  },
  deadNumberPolicy: {
    type: 'DeadNumberPolicy',
    default: DEFAULT_DEAD_NUMBER_POLICY,
    defaultCode: "'refuse'",
    range: '`refuse` or `warn`',
    doc: 'what the sender does with a request to a recorded dead number: `refuse` answers a DeadNumber error and sends nothing, `warn` sends it with a `warning`',
    context: { type: 'string' },
  },
  senderMaxConcurrency: {
    type: 'number',
    default: 10,
    min: 2,
    max: 1000,
    doc: 'at most this many sender Lambdas drain the send queue at once',
    context: { type: 'integer' },
  },
  reconcileSchedule: {
    type: 'events.Schedule',
    default: 'rate(1 hour)',
    defaultCode: "Schedule.expression('rate(1 hour)')",
    range: 'no more often than every 5 minutes',
    doc: 'how often the reconciler runs (`rate(...)` or `cron(...)`)',
    context: {
      type: 'string',
      default: '`rate(1 hour)`',
      becomes: '`reconcileSchedule` (an `events.Schedule` of the expression)',
    },
  },
  reconcileMinAgeHours: {
    type: 'number',
    default: 12,
    min: 1,
    max: 8760,
    doc: 'poll messages not final after this many hours',
    context: { type: 'integer' },
  },
  reconcileHorizonHours: {
    type: 'number',
    default: 72,
    min: 2,
    max: 8760,
    range: 'above `reconcileMinAgeHours`',
    doc: 'give up on them (mark `unresolved`) after this many hours',
    context: { type: 'integer' },
  },
  reconcileConcurrency: {
    type: 'number',
    default: 8,
    min: 1,
    max: 50,
    doc: 'Twilio requests the reconciler makes at once',
    context: { type: 'integer' },
  },
  events: {
    type: 'boolean',
    default: true,
    doc: 'every status change becomes a `Message Status Changed` event on EventBridge (see [Events](events.md))',
    context: { type: 'boolean' },
  },
  eventBus: {
    type: 'events.IEventBus',
    defaultText: 'a bus created for the tracker',
    doc: 'an `IEventBus` the status-change events go to (needs `events`)',
  },
  alarmTopic: {
    type: 'ITopic',
    defaultText: 'an SNS topic encrypted with a KMS key created for it',
    doc: 'an `ITopic` every alarm notifies',
  },
  alarmEmail: {
    type: 'string',
    defaultText: 'no subscription',
    doc: 'subscribe this address to the alarm topic',
    context: { type: 'string' },
  },
  signatureRejectionThreshold: {
    type: 'number',
    default: 50,
    min: 0,
    doc: 'forged or mis-signed callbacks in 5 minutes that raise an alarm',
    context: { type: 'integer' },
  },
  failureRateThreshold: {
    type: 'number',
    default: 0.1,
    range: '0 up to (not including) 1',
    doc: 'share of failed + undelivered messages in 15 minutes that raises an alarm (from 20 messages on)',
    context: { type: 'number' },
  },
  history: {
    type: 'boolean',
    defaultText: 'the value of `events` (on unless events are off)',
    doc: 'keep every status change as Parquet in S3 for Athena (see [History](history.md#history)); needs `events`',
    context: { type: 'boolean' },
  },
  historyRetentionDays: {
    type: 'number',
    defaultText: 'the value of `retentionDays`',
    min: 1,
    max: 36500,
    doc: 'days history objects are kept',
    context: { type: 'integer' },
  },
  historyBufferSeconds: {
    type: 'number',
    default: 300,
    min: 60,
    max: 900,
    doc: 'how long Firehose buffers history rows before writing an object',
    context: { type: 'integer' },
  },
  historyScanLimitBytes: {
    type: 'number',
    default: 10_000_000_000,
    min: 10_000_000,
    doc: 'bytes one Athena query in the history workgroup may scan',
    context: { type: 'integer' },
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof TRACKER_SETTINGS;
export const SETTING_NAMES = Object.keys(TRACKER_SETTINGS) as SettingName[];

/** The settings that have a default value, and that value. */
export type TrackerDefaults = {
  readonly [
    K in SettingName as (typeof TRACKER_SETTINGS)[K] extends { default: unknown } ? K : never
  ]: (typeof TRACKER_SETTINGS)[K] extends { default: infer D } ? D : never;
};

/** A setting's context key: its own name unless the table names another. */
export function contextKeyOf(name: SettingName): string | undefined {
  const setting: Setting = TRACKER_SETTINGS[name];
  return setting.context ? (setting.context.key ?? name) : undefined;
}

/** The default as TypeScript writes it, or in words; what a prop's `@default` starts with. */
export function defaultDoc(name: SettingName): string {
  const setting: Setting = TRACKER_SETTINGS[name];
  if (setting.default === undefined) return setting.defaultText ?? '';
  return setting.defaultCode ?? String(setting.default);
}
