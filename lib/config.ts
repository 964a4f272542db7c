/**
 * The ready-made app's settings, read from CDK context (cdk.json, or `-c key=value`). Values from `-c`
 * arrive as strings and values from cdk.json as JSON types: both are accepted. This file only turns
 * context into `StatusTrackerProps`; the defaults and the checks of each value live with the construct
 * (tracker-props.ts), so the app and a user's own CDK app get the same ones.
 *
 * Every key is known here: a key that is not (`-c alarmEmial=...`) stops synth and names the closest
 * known key. Keys with a `:` belong to the CDK toolkit (`aws:cdk:...`, `@aws-cdk/...` feature flags).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { ConfigError, type StatusTrackerProps } from './tracker-props';
import { closestName } from '../lambda/domain/closest-name';
import {
  SETTING_NAMES,
  TRACKER_SETTINGS,
  type ContextSetting,
  type ContextType,
  type Setting,
} from './setting-table';

export { ConfigError };

/**
 * Context keys and the JSON type each takes, from the settings table (setting-table.ts): each setting's
 * key, in the table's order. `stage` and `twilioSecretName` are the app's own ways to set
 * `removalPolicy` and `twilioSecret`.
 */
const CONTEXT_KEYS: Readonly<Record<string, ContextType>> = Object.fromEntries(
  SETTING_NAMES.flatMap((name) => {
    const context: ContextSetting | undefined = (TRACKER_SETTINGS[name] as Setting).context;
    return context ? [[context.key ?? name, context.type]] : [];
  }),
);

/** Settings the app passes on as they are: context key = prop name, a primitive value. */
const PLAIN_SETTINGS = SETTING_NAMES.filter((name) => {
  const context: ContextSetting | undefined = (TRACKER_SETTINGS[name] as Setting).context;
  return context !== undefined && context.key === undefined && context.becomes === undefined;
});

export type ContextKey = string;
export const CONTEXT_KEY_NAMES = Object.keys(CONTEXT_KEYS) as ContextKey[];

export const DEFAULT_STAGE = 'prod';

export interface AppConfig {
  /** Deployment stage, in the stack name; `dev` makes stateful resources disposable. */
  readonly stage: string;
  /** Name of an existing Secrets Manager secret with the Twilio credentials; unset: the tracker creates one. */
  readonly twilioSecretName?: string;
  /** The construct's props from context (`removalPolicy` from the stage; the secret is imported by the stack). */
  readonly props: Omit<StatusTrackerProps, 'twilioSecret' | 'alarmTopic'>;
}

type Context = Pick<Node, 'tryGetContext'> & { getAllContext?: () => Record<string, unknown> };

/** Reads the app's context; throws ConfigError naming the key and what it takes. */
export function readAppConfig(node: Context): AppConfig {
  if (node.getAllContext) checkKnownKeys(Object.keys(node.getAllContext()));
  const raw = (key: ContextKey): unknown => {
    const value: unknown = node.tryGetContext(key);
    // `-c key=` gives an empty string: treat it as unset rather than as a value.
    return value === '' || value === null ? undefined : value;
  };
  const text = (key: ContextKey) => parse(key, raw(key)) as string | undefined;
  const count = (key: ContextKey) => parse(key, raw(key)) as number | undefined;

  const stage = text('stage') ?? DEFAULT_STAGE;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new ConfigError(
      `Context "stage" must be 1-20 lowercase letters, digits or hyphens, starting with a letter (e.g. dev, prod); got "${stage}"`,
    );
  }
  const schedule = text('reconcileSchedule');
  return {
    stage,
    twilioSecretName: secretName(text('twilioSecretName')),
    props: {
      ...(Object.fromEntries(
        PLAIN_SETTINGS.map((name) => [name, parse(name, raw(name))]),
      ) as AppConfig['props']),
      removalPolicy: stage === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      logRetention: logRetention(count('logRetentionDays')),
      reconcileSchedule: schedule === undefined ? undefined : events.Schedule.expression(schedule),
    },
  };
}

/** Refuses a context key this app does not know, naming the closest one it does. */
export function checkKnownKeys(keys: readonly string[]): void {
  for (const key of keys) {
    if (key.includes(':') || key in CONTEXT_KEYS) continue;
    const closest = closestName(key, CONTEXT_KEY_NAMES);
    throw new ConfigError(
      `Unknown context key "${key}"` +
        (closest ? `; did you mean "${closest}"?` : `; known keys: ${CONTEXT_KEY_NAMES.join(', ')}`),
    );
  }
}

/** One context value as its key's JSON type; ranges are the construct's to check. */
function parse(key: ContextKey, value: unknown): string | number | boolean | undefined {
  if (value === undefined) return undefined;
  const kind = CONTEXT_KEYS[key];
  if (kind === 'string') {
    if (typeof value !== 'string')
      throw new ConfigError(`Context "${key}" must be a string; got ${JSON.stringify(value)}`);
    return value.trim();
  }
  if (kind === 'boolean') {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ConfigError(`Context "${key}" must be true or false; got ${JSON.stringify(value)}`);
  }
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  const blank = typeof value === 'string' && value.trim() === '';
  if (kind === 'integer' && (blank || !Number.isInteger(parsed))) {
    throw new ConfigError(`Context "${key}" must be a whole number; got ${JSON.stringify(value)}`);
  }
  if (blank || !Number.isFinite(parsed)) {
    throw new ConfigError(`Context "${key}" must be a number; got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function logRetention(days: number | undefined): RetentionDays | undefined {
  if (days === undefined) return undefined;
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) {
    throw new ConfigError(
      `Context "logRetentionDays" must be a CloudWatch Logs retention period (${allowed.sort((a, b) => a - b).join(', ')}); got ${days}`,
    );
  }
  return days as RetentionDays;
}

function secretName(name: string | undefined): string | undefined {
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
