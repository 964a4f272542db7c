/**
 * X-Twilio-Signature validation with the twilio helper library. Only its webhooks module is imported:
 * the package root pulls in the whole REST client (megabytes) that the callback Lambda never uses.
 */
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { FormFields } from '../../domain/callback';

/** A Twilio signature is base64 of an HMAC-SHA1: 28 characters. Anything else is not worth a secret read. */
export function isPlausibleSignature(signature: string | undefined): signature is string {
  return signature !== undefined && /^[A-Za-z0-9+/]{27}=$/.test(signature);
}

/** True when the signature matches the URL and fields under any of the given auth tokens. */
export function isValidSignature(
  tokens: ReadonlyArray<string | undefined>,
  signature: string,
  url: string,
  fields: FormFields,
): boolean {
  return tokens.some((token) => {
    if (!token) return false;
    try {
      return validateRequest(token, signature, url, fields);
    } catch {
      // validateRequest normalises the URL with new URL(); a URL it cannot parse cannot match.
      return false;
    }
  });
}
