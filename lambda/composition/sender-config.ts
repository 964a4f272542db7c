import { readEnvironment, SEND_SETTINGS_ENV, type Environment } from '../domain/environment';
import type { SenderConfig } from '../use-cases/send';

/** The sender's settings, as the environment contract (domain/environment.ts) reads them. */
export interface SendSettings {
  statusCallbackUrl?: string;
  useServiceCallback: boolean;
  defaultFrom?: string;
  defaultMessagingServiceSid?: string;
  /** Local runs only: media from a local file server. */
  allowHttpMediaUrls: boolean;
  idempotencyTtlSeconds?: number;
}

/**
 * The send use case's config from its settings. Throws on a missing or contradictory setting, so a
 * misconfigured function fails its cold start, not each request.
 */
export function senderConfigOf(settings: SendSettings): SenderConfig {
  const { statusCallbackUrl, useServiceCallback } = settings;
  if (statusCallbackUrl === undefined && !useServiceCallback) {
    throw new Error(
      'Set STATUS_CALLBACK_URL, or USE_SERVICE_CALLBACK=true when the Messaging Service has one',
    );
  }
  if (statusCallbackUrl !== undefined && !isCallbackUrl(statusCallbackUrl)) {
    // Twilio refuses a StatusCallback whose host has an underscore (error 21609).
    throw new Error('STATUS_CALLBACK_URL must be an http(s) URL whose host has no underscore');
  }
  return {
    defaults: {
      from: settings.defaultFrom,
      messagingServiceSid: settings.defaultMessagingServiceSid,
      allowHttpMedia: settings.allowHttpMediaUrls,
    },
    statusCallbackUrl,
    useServiceCallback,
    idempotencyExpiresAfterSeconds: settings.idempotencyTtlSeconds,
  };
}

/** The sender's settings read from an environment (the stack's, or the local server's). */
export function senderConfigFromEnv(env: Environment): SenderConfig {
  return senderConfigOf(readEnvironment(env, SEND_SETTINGS_ENV));
}

function isCallbackUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}
