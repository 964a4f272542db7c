/**
 * What several composition modules build the same way: the DynamoDB client, the recording store, the
 * Twilio credentials, the Logger and the Metrics of a function, and the rule that what the first
 * invocation does not need is built on first use (cold start: module scope stays lean).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../adapters/secondary/dynamodb';
import { createLogger, type LoggerOptions } from '../adapters/secondary/logger';
import { MessageStore } from '../adapters/secondary/message-store';
import type { TwilioCredentialSettings } from '../adapters/secondary/twilio-credentials';
import { METRICS_NAMESPACE, type METRIC_SERVICES } from '../domain/metric-names';
import { recordingThrough, type RecordingStore } from '../use-cases/record-observation';

/** The messages table: its name, and DynamoDB Local's endpoint when not in AWS. */
export interface StoreConfig {
  tableName: string;
  dynamodbEndpoint?: string;
}

/** What every function that records statuses needs (the construct sets both on each). */
export interface RecordingConfig extends StoreConfig {
  retentionDays: number;
  pendingShards: number;
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
  });
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
