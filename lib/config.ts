/**
 * The app's settings, read from CDK context (cdk.json, or `-c key=value` on the command line) and
 * validated before anything is built, so a typo fails `cdk synth` with a sentence, not a half-built
 * template. Values from `-c` arrive as strings and values from cdk.json as JSON types: both are accepted.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

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
}

export const DEFAULTS = {
  stage: 'prod',
  retentionDays: 400,
  logRetentionDays: 30,
  apiThrottleRateLimit: 200,
  apiThrottleBurstLimit: 400,
  pendingShards: 16,
} as const;

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
  };
  return config;
}

function text(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new ConfigError(`Context "${key}" must be a string; got ${JSON.stringify(value)}`);
  return value.trim();
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
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `Context "publicBaseUrl" must be an absolute URL such as https://sms.example.com; got "${raw}"`,
    );
  }
  // The callback Lambda keeps only the origin and appends the path Twilio called, so a path here would be
  // silently dropped from the signed URL: refuse it instead.
  if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigError(
      `Context "publicBaseUrl" must be an https origin with no path, query or fragment (e.g. https://sms.example.com); got "${raw}"`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError('Context "publicBaseUrl" must not contain credentials');
  }
  return url.origin;
}
