/**
 * What several composition modules build the same way: the DynamoDB client, the recording store, the
 * Twilio credentials, the Logger and the Metrics of a function, and the rule that what the first
 * invocation does not need is built on first use (cold start: module scope stays lean).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDeadNumberStore } from '../adapters/secondary/dead-number-store';
import { createDynamoClient } from '../adapters/secondary/dynamodb';
import { createLogger, type LoggerOptions } from '../adapters/secondary/logger';
import { MessageStore } from '../adapters/secondary/message-store';
import type { TwilioCredentialSettings } from '../adapters/secondary/twilio-credentials';
import { METRICS_NAMESPACE, type METRIC_SERVICES } from '../domain/metric-names';
import { recordingDeadNumbers } from '../use-cases/dead-numbers';
import type { Log, ObservationStore } from '../use-cases/ports';
import { recordingThrough, type RecordingStore } from '../use-cases/record-observation';

/** The messages table: its name, and DynamoDB Local's endpoint when not in AWS. */
export interface StoreConfig {
  tableName: string;
  dynamodbEndpoint?: string;
}

/** The dead-numbers table; unset (a function built before the table existed): none kept or checked. */
export interface DeadNumbersConfig {
  deadNumbersTableName?: string;
}

/** What every function that records statuses needs (the construct sets both on each). */
export interface RecordingConfig extends StoreConfig, DeadNumbersConfig {
  retentionDays: number;
  pendingShards: number;
  /** The tag index's key, when the table has the tag index (writes keep its key attribute). */
  tagIndexKey?: string;
}

export interface TwilioConfig extends TwilioCredentialSettings {
  /** The Twilio simulator's base URL (local runs, tests). */
  twilioApiBaseUrl?: string;
}

export function dynamoClient(config: StoreConfig): DynamoDBClient {
  return createDynamoClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {});
}

/** The MessageStore, recording through the apply rule with the stack's options. */
export function recordingStore(
  config: RecordingConfig,
  client: DynamoDBClient,
): RecordingStore<MessageStore> {
  return recordingThrough(new MessageStore(client, config.tableName), {
    retentionDays: config.retentionDays,
    pendingShards: config.pendingShards,
    ...(config.tagIndexKey === undefined ? {} : { tagIndexKey: config.tagIndexKey }),
  });
}

/** The dead-numbers table's store, when the config names one. */
export function deadNumberStore(
  config: DeadNumbersConfig,
  client: DynamoDBClient,
): DynamoDeadNumberStore | undefined {
  return config.deadNumbersTableName
    ? new DynamoDeadNumberStore(client, config.deadNumbersTableName)
    : undefined;
}

/** `store` that also counts dead-number failures, when the config names the table; else `store` itself. */
export function withDeadNumbers<S extends ObservationStore>(
  store: S,
  config: DeadNumbersConfig,
  client: DynamoDBClient,
  logger: Pick<Log, 'warn'>,
): S {
  const deadNumbers = deadNumberStore(config, client);
  return deadNumbers ? recordingDeadNumbers(store, deadNumbers, logger) : store;
}

export { createLogger, type LoggerOptions };

/** A value built on the first call and kept; `built()` says whether (and what) it is without building. */
export interface Lazy<T> {
  (): T;
  built(): T | undefined;
}

export function lazy<T>(build: () => T): Lazy<T> {
  let value: { v: T } | undefined;
  const get = (() => (value ??= { v: build() }).v) as Lazy<T>;
  get.built = () => value?.v;
  return get;
}

/** A function's Metrics, built on first use; the handler wrapper flushes them only once built. */
export function functionMetrics(
  service: (typeof METRIC_SERVICES)[keyof typeof METRIC_SERVICES],
): Lazy<Metrics> {
  return lazy(() => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service }));
}
