/**
 * Twilio credentials for the Lambdas.
 *
 * In AWS they live in one Secrets Manager secret (JSON: accountSid, authToken, optional
 * secondaryAuthToken, optional apiKeySid/apiKeySecret), read through Powertools Parameters, which caches
 * per container. A signature that fails may mean the token was rotated, so callers may ask for a fresh
 * read; those re-reads are rate limited, so a flood of forged requests costs at most one read per
 * interval. For local runs and tests `TWILIO_AUTH_TOKEN` (and `TWILIO_SECONDARY_AUTH_TOKEN`) in the
 * environment are used and no secret is read.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import {
  CredentialsUnavailableError,
  type CredentialsSource,
  type TwilioCredentials,
} from '../../use-cases/ports';
import { readEnvironment, TWILIO_ENV, type Environment } from '../../domain/environment';

/** The Twilio settings a function reads (domain/environment.ts): the secret, or local credentials. */
export interface TwilioCredentialSettings {
  twilioSecretId?: string;
  twilioAuthToken?: string;
  twilioAccountSid?: string;
  twilioSecondaryAuthToken?: string;
  twilioApiKeySid?: string;
  twilioApiKeySecret?: string;
}

/** Credentials given as they are (local runs, tests): nothing is read; undefined without a token. */
export function givenCredentials(settings: TwilioCredentialSettings): CredentialsSource | undefined {
  const authToken = settings.twilioAuthToken;
  if (!authToken) return undefined;
  const credentials: TwilioCredentials = {
    authToken,
    accountSid: settings.twilioAccountSid || undefined,
    secondaryAuthToken: settings.twilioSecondaryAuthToken || undefined,
    apiKeySid: settings.twilioApiKeySid || undefined,
    apiKeySecret: settings.twilioApiKeySecret || undefined,
  };
  return {
    description: 'environment (TWILIO_AUTH_TOKEN)',
    get: async () => credentials,
    refresh: async () => undefined,
  };
}

/** `givenCredentials` from an environment record (local runs and tests name the variables). */
export function environmentCredentials(env: Environment): CredentialsSource | undefined {
  return givenCredentials(readEnvironment(env, TWILIO_ENV));
}

export interface SecretCredentialsOptions {
  secretId: string;
  /** Seconds a read is reused before Powertools reads again. */
  maxAgeSeconds?: number;
  /** Minimum seconds between forced re-reads after a failed signature. */
  minRefreshIntervalSeconds?: number;
  /** Reads the secret's JSON; injectable so a read failure can be produced in tests. */
  read?: (secretId: string, options: { maxAge: number; forceFetch: boolean }) => Promise<unknown>;
  now?: () => number;
}

export function secretCredentials(options: SecretCredentialsOptions): CredentialsSource {
  const maxAge = options.maxAgeSeconds ?? 300;
  const interval = (options.minRefreshIntervalSeconds ?? 30) * 1000;
  const now = options.now ?? Date.now;
  const read =
    options.read ??
    ((secretId: string, o: { maxAge: number; forceFetch: boolean }) =>
      getSecret(secretId, { maxAge: o.maxAge, forceFetch: o.forceFetch, transform: 'json' }));
  let lastForcedAt = Number.NEGATIVE_INFINITY;
  // The same cached secret value yields the same credentials object, so callers that build clients per
  // credentials (the sender's Twilio client) reuse them until the secret really changes.
  let last: { value: unknown; credentials: TwilioCredentials } | undefined;

  const load = async (forceFetch: boolean): Promise<TwilioCredentials> => {
    let value: unknown;
    try {
      value = await read(options.secretId, { maxAge, forceFetch });
    } catch (error) {
      throw new CredentialsUnavailableError('Twilio credentials secret could not be read', error);
    }
    if (last === undefined || last.value !== value) last = { value, credentials: parseCredentials(value) };
    return last.credentials;
  };

  return {
    description: 'AWS Secrets Manager',
    get: () => load(false),
    refresh: async () => {
      if (now() - lastForcedAt < interval) return undefined;
      lastForcedAt = now();
      return load(true);
    },
  };
}

export function parseCredentials(value: unknown): TwilioCredentials {
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const v = record[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const authToken = text('authToken');
  if (!authToken) {
    throw new CredentialsUnavailableError(
      'Twilio credentials secret has no "authToken" (see docs/deploy.md)',
    );
  }
  return {
    authToken,
    accountSid: text('accountSid'),
    secondaryAuthToken: text('secondaryAuthToken'),
    apiKeySid: text('apiKeySid'),
    apiKeySecret: text('apiKeySecret'),
  };
}

/** Local credentials first (local runs, tests), else the secret named by `TWILIO_SECRET_ID`. */
export function credentialsFrom(settings: TwilioCredentialSettings): CredentialsSource {
  const given = givenCredentials(settings);
  if (given) return given;
  if (!settings.twilioSecretId)
    throw new Error('Set TWILIO_SECRET_ID (in AWS) or TWILIO_AUTH_TOKEN (local runs)');
  return secretCredentials({ secretId: settings.twilioSecretId });
}
