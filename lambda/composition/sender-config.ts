import { positiveEnv } from './config';
import type { SenderConfig } from '../use-cases/send';

/**
 * The sender's settings from the environment the stack (or the local server) sets. Throws on a missing
 * or contradictory setting, so a misconfigured function fails its cold start, not each request.
 */
export function senderConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SenderConfig {
  const useServiceCallback = flag(env.USE_SERVICE_CALLBACK, 'USE_SERVICE_CALLBACK');
  const statusCallbackUrl = env.STATUS_CALLBACK_URL || undefined;
  if (statusCallbackUrl === undefined && !useServiceCallback) {
    throw new Error(
      'Set STATUS_CALLBACK_URL, or USE_SERVICE_CALLBACK=true when the Messaging Service has one',
    );
  }
  if (statusCallbackUrl !== undefined && !isCallbackUrl(statusCallbackUrl)) {
    // Twilio refuses a StatusCallback whose host has an underscore (error 21609).
    throw new Error('STATUS_CALLBACK_URL must be an http(s) URL whose host has no underscore');
  }
  const idempotencyExpiresAfterSeconds = env.IDEMPOTENCY_TTL_SECONDS
    ? positiveEnv('IDEMPOTENCY_TTL_SECONDS', { integer: true, env })
    : undefined;
  return {
    defaults: {
      from: env.DEFAULT_FROM || undefined,
      messagingServiceSid: env.DEFAULT_MESSAGING_SERVICE_SID || undefined,
      allowHttpMedia: flag(env.ALLOW_HTTP_MEDIA_URLS, 'ALLOW_HTTP_MEDIA_URLS'),
    },
    statusCallbackUrl,
    useServiceCallback,
    idempotencyExpiresAfterSeconds,
  };
}

function isCallbackUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}

function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`${name} must be "true" or "false", got "${raw}"`);
}
