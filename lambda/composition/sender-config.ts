import { ENV, readEnvironment, SEND_SETTINGS_ENV, type Environment } from '../domain/environment';
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
  const { useServiceCallback } = settings;
  // The contract's own check (a URL given directly, as npm start does, has not been read through it).
  const statusCallbackUrl = ENV.statusCallbackUrl.parse(settings.statusCallbackUrl);
  if (statusCallbackUrl === undefined && !useServiceCallback) {
    throw new Error(
      'Set STATUS_CALLBACK_URL, or USE_SERVICE_CALLBACK=true when the Messaging Service has one',
    );
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
