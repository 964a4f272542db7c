/**
 * The environment contract between the stack (lib/) and the Lambdas: every variable a construct sets and
 * a handler reads, named once, with the parser the handler reads it through and the text the construct
 * writes. lib/ sets variables with `setting(ENV.x, value)` / `TrackerFunction.setEnv`, the handlers read
 * them with `readEnvironment` (one reader), so a name can neither be misspelt on one side nor parsed two
 * ways. A missing or malformed value throws at the cold start, naming the variable, not at a request.
 *
 * Pure: no Node global (the console's type check covers the domain), no package.
 */
import { listIndexesOf, tagIndexKeyProblem, type ListIndexName } from './contract';
import { DEFAULT_DEAD_NUMBER_POLICY, isDeadNumberPolicy, type DeadNumberPolicy } from './dead-numbers';

/** The environment as a handler sees it (`process.env`). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** One variable: its name, how a handler reads it, how a construct writes it. */
export interface EnvVariable<T> {
  readonly name: string;
  /** `raw` is undefined when the variable is not set; an empty string counts as not set. */
  parse(raw: string | undefined): T;
  /** The text a construct sets (a CDK token stays a token: strings pass through unchanged). */
  text(value: NonNullable<T>): string;
}

const required = (name: string) => new Error(`Environment variable ${name} is required`);
const present = (raw: string | undefined): raw is string => raw !== undefined && raw !== '';

function text(name: string): EnvVariable<string> {
  return {
    name,
    parse: (raw) => {
      if (!present(raw)) throw required(name);
      return raw;
    },
    text: (value) => value,
  };
}

function optionalText(name: string): EnvVariable<string | undefined> {
  return { name, parse: (raw) => (present(raw) ? raw : undefined), text: (value) => value };
}

/** A positive number, required: a misconfigured function fails its cold start rather than each request. */
function positive(name: string, integer: boolean): EnvVariable<number> {
  return {
    name,
    parse: (raw) => {
      if (!present(raw)) throw required(name);
      const value = Number(raw);
      const valid = integer ? Number.isInteger(value) && value > 0 : Number.isFinite(value) && value > 0;
      if (!valid)
        throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
      return value;
    },
    text: (value) => String(value),
  };
}

function optionalPositiveInteger(name: string): EnvVariable<number | undefined> {
  const inner = positive(name, true);
  return { name, parse: (raw) => (present(raw) ? inner.parse(raw) : undefined), text: inner.text };
}

/** `true` or `false`; unset is false. */
function flag(name: string): EnvVariable<boolean> {
  return {
    name,
    parse: (raw) => {
      if (raw === undefined || raw === '' || raw === 'false') return false;
      if (raw === 'true') return true;
      throw new Error(`${name} must be "true" or "false", got "${raw}"`);
    },
    text: (value) => String(value),
  };
}

/** A whole number >= 0; unset is 0. */
function wholeNumber(name: string): EnvVariable<number> {
  return {
    name,
    parse: (raw) => {
      const value = Number(raw ?? '0');
      if (!Number.isInteger(value) || value < 0)
        throw new Error(`${name} must be a whole number, got "${raw}"`);
      return value;
    },
    text: (value) => String(value),
  };
}

/** Twilio refuses a StatusCallback whose host has an underscore (error 21609). */
function callbackUrl(name: string): EnvVariable<string | undefined> {
  return {
    name,
    parse: (raw) => {
      if (!present(raw)) return undefined;
      if (!isCallbackUrl(raw)) throw new Error(`${name} must be an http(s) URL whose host has no underscore`);
      return raw;
    },
    text: (value) => value,
  };
}

function isCallbackUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}

/** The list indexes a deployment has, comma separated; may be empty (before a staged upgrade), never unset. */
function listIndexes(name: string): EnvVariable<ListIndexName[]> {
  return {
    name,
    parse: (raw) => {
      if (raw === undefined) throw required(name);
      return listIndexesOf(raw);
    },
    text: (value) => value.join(','),
  };
}

/** The tag index's key (set only when the table has the tag index); a malformed one throws. */
function tagIndexKey(name: string): EnvVariable<string | undefined> {
  return {
    name,
    parse: (raw) => {
      if (!present(raw)) return undefined;
      const problem = tagIndexKeyProblem(raw);
      if (problem) throw new Error(`Environment variable ${name}: ${problem}`);
      return raw;
    },
    text: (value) => value,
  };
}

/** `refuse` (default when unset) or `warn`. */
function deadNumberPolicy(name: string): EnvVariable<DeadNumberPolicy> {
  return {
    name,
    parse: (raw) => {
      if (!present(raw)) return DEFAULT_DEAD_NUMBER_POLICY;
      if (!isDeadNumberPolicy(raw)) throw new Error(`${name} must be "refuse" or "warn", got "${raw}"`);
      return raw;
    },
    text: (value) => value,
  };
}

/** Every variable, once. The comment says who sets it. */
export const ENV = {
  // The messages table (every function that reads or writes it: TrackerFunction.grantTable).
  tableName: text('TABLE_NAME'),
  /** DynamoDB Local (npm start, tests); never set by the stack. */
  dynamodbEndpoint: optionalText('DYNAMODB_ENDPOINT'),
  // MessagesTable.grantRecordWrites: every writer; grantListReads: the query function.
  retentionDays: positive('RETENTION_DAYS', true),
  pendingShards: positive('PENDING_SHARDS', true),
  listIndexes: listIndexes('LIST_INDEXES'),
  /** MessagesTable, on readers and writers, only when the tag index exists. */
  tagIndexKey: tagIndexKey('TAG_INDEX_KEY'),
  // DeadNumbersTable: every function that records statuses, sends or serves the dead-numbers API.
  // Unset (a function built before the table existed): no dead numbers are kept or checked.
  deadNumbersTableName: optionalText('DEAD_NUMBERS_TABLE_NAME'),
  // StatusTracker: the sender.
  deadNumberPolicy: deadNumberPolicy('DEAD_NUMBER_POLICY'),
  // TrackerFunction.grantSecretRead; the TWILIO_* below are local runs' and tests' alternative.
  twilioSecretId: optionalText('TWILIO_SECRET_ID'),
  twilioAuthToken: optionalText('TWILIO_AUTH_TOKEN'),
  twilioAccountSid: optionalText('TWILIO_ACCOUNT_SID'),
  twilioSecondaryAuthToken: optionalText('TWILIO_SECONDARY_AUTH_TOKEN'),
  twilioApiKeySid: optionalText('TWILIO_API_KEY_SID'),
  twilioApiKeySecret: optionalText('TWILIO_API_KEY_SECRET'),
  /** The Twilio simulator (tests); never set by the stack. */
  twilioApiBaseUrl: optionalText('TWILIO_API_BASE_URL'),
  // TrackerFunction.grantAccountSecrets (the callback function, with accountSecretPrefix).
  accountSecretPrefix: optionalText('ACCOUNT_SECRET_PREFIX'),
  accountSecretShards: wholeNumber('ACCOUNT_SECRET_SHARDS'),
  // CallbackApi: the callback function.
  publicBaseUrl: optionalText('PUBLIC_BASE_URL'),
  // SendPipeline: the sender.
  idempotencyTableName: text('IDEMPOTENCY_TABLE_NAME'),
  sendQueueUrl: text('SEND_QUEUE_URL'),
  statusCallbackUrl: callbackUrl('STATUS_CALLBACK_URL'),
  useServiceCallback: flag('USE_SERVICE_CALLBACK'),
  defaultFrom: optionalText('DEFAULT_FROM'),
  defaultMessagingServiceSid: optionalText('DEFAULT_MESSAGING_SERVICE_SID'),
  /** Local runs only: media from a local file server. */
  allowHttpMediaUrls: flag('ALLOW_HTTP_MEDIA_URLS'),
  idempotencyTtlSeconds: optionalPositiveInteger('IDEMPOTENCY_TTL_SECONDS'),
  // Reconciler.
  reconcileMinAgeHours: positive('RECONCILE_MIN_AGE_HOURS', false),
  reconcileHorizonHours: positive('RECONCILE_HORIZON_HOURS', false),
  reconcileConcurrency: positive('RECONCILE_CONCURRENCY', true),
  // StatusEvents: the stream consumer.
  eventBusName: text('EVENT_BUS_NAME'),
  // StatusHistory: the history-row processor.
  historyKeySecretId: text('HISTORY_KEY_SECRET_ID'),
  // HistoryAnomalies: the anomaly check (and EVENT_BUS_NAME).
  historyWorkGroup: text('HISTORY_WORKGROUP'),
  historyDatabase: text('HISTORY_DATABASE'),
  historyTable: text('HISTORY_TABLE'),
} as const;

type Variables = Readonly<Record<string, EnvVariable<unknown>>>;
export type Settings<V extends Variables> = { -readonly [K in keyof V]: ReturnType<V[K]['parse']> };

/** The one reader: each named variable parsed from `env`; the first missing or malformed one throws. */
export function readEnvironment<V extends Variables>(env: Environment, variables: V): Settings<V> {
  const settings = {} as Record<string, unknown>;
  for (const [key, variable] of Object.entries(variables)) settings[key] = variable.parse(env[variable.name]);
  return settings as Settings<V>;
}

/** `[name, text]` of one variable: what a construct puts in a function's environment. */
export function setting<T>(variable: EnvVariable<T>, value: NonNullable<T>): readonly [string, string] {
  return [variable.name, variable.text(value)];
}

// What each function reads: its composition module's settings (lambda/composition/<function>.ts).

const STORE = { tableName: ENV.tableName, dynamodbEndpoint: ENV.dynamodbEndpoint } as const;
const RECORDING = {
  ...STORE,
  retentionDays: ENV.retentionDays,
  pendingShards: ENV.pendingShards,
  tagIndexKey: ENV.tagIndexKey,
  deadNumbersTableName: ENV.deadNumbersTableName,
} as const;
/** Twilio's credentials (the secret, or local ones) and the simulator's URL. */
export const TWILIO_ENV = {
  twilioSecretId: ENV.twilioSecretId,
  twilioAuthToken: ENV.twilioAuthToken,
  twilioAccountSid: ENV.twilioAccountSid,
  twilioSecondaryAuthToken: ENV.twilioSecondaryAuthToken,
  twilioApiKeySid: ENV.twilioApiKeySid,
  twilioApiKeySecret: ENV.twilioApiKeySecret,
  twilioApiBaseUrl: ENV.twilioApiBaseUrl,
} as const;

export const STATUS_CALLBACK_ENV = {
  ...RECORDING,
  ...TWILIO_ENV,
  accountSecretPrefix: ENV.accountSecretPrefix,
  accountSecretShards: ENV.accountSecretShards,
  publicBaseUrl: ENV.publicBaseUrl,
} as const;
export const QUERY_ENV = {
  ...STORE,
  listIndexes: ENV.listIndexes,
  pendingShards: ENV.pendingShards,
  tagIndexKey: ENV.tagIndexKey,
  deadNumbersTableName: ENV.deadNumbersTableName,
} as const;
/** The send use case's settings (composition/sender-config.ts). */
export const SEND_SETTINGS_ENV = {
  statusCallbackUrl: ENV.statusCallbackUrl,
  useServiceCallback: ENV.useServiceCallback,
  defaultFrom: ENV.defaultFrom,
  defaultMessagingServiceSid: ENV.defaultMessagingServiceSid,
  allowHttpMediaUrls: ENV.allowHttpMediaUrls,
  idempotencyTtlSeconds: ENV.idempotencyTtlSeconds,
} as const;
export const SENDER_ENV = {
  ...RECORDING,
  ...TWILIO_ENV,
  idempotencyTableName: ENV.idempotencyTableName,
  sendQueueUrl: ENV.sendQueueUrl,
  deadNumberPolicy: ENV.deadNumberPolicy,
  ...SEND_SETTINGS_ENV,
} as const;
export const RECONCILER_ENV = {
  ...RECORDING,
  ...TWILIO_ENV,
  minAgeHours: ENV.reconcileMinAgeHours,
  horizonHours: ENV.reconcileHorizonHours,
  concurrency: ENV.reconcileConcurrency,
} as const;
export const STREAM_CONSUMER_ENV = { eventBusName: ENV.eventBusName } as const;
export const HISTORY_ROW_ENV = { historyKeySecretId: ENV.historyKeySecretId } as const;
export const ANOMALY_CHECK_ENV = {
  workGroup: ENV.historyWorkGroup,
  database: ENV.historyDatabase,
  table: ENV.historyTable,
  eventBusName: ENV.eventBusName,
} as const;
export const MESSAGING_SERVICE_ENV = TWILIO_ENV;

export type StatusCallbackSettings = Settings<typeof STATUS_CALLBACK_ENV>;
export type QuerySettings = Settings<typeof QUERY_ENV>;
export type SenderSettings = Settings<typeof SENDER_ENV>;
export type ReconcilerSettings = Settings<typeof RECONCILER_ENV>;
export type StreamConsumerSettings = Settings<typeof STREAM_CONSUMER_ENV>;
export type HistoryRowSettings = Settings<typeof HISTORY_ROW_ENV>;
export type AnomalyCheckSettings = Settings<typeof ANOMALY_CHECK_ENV>;
export type TwilioSettings = Settings<typeof TWILIO_ENV>;

/** A function's `environment:` from the settings a construct sets; `undefined`/`false` entries are left out. */
export function environmentOf(
  ...settings: ReadonlyArray<readonly [string, string] | undefined | false | '' | 0>
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const entry of settings) if (entry) environment[entry[0]] = entry[1];
  return environment;
}
