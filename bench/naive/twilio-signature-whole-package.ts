/**
 * The naive baseline's signature check: the same contract as lambda/adapters/primary/twilio-signature.ts, but
 * through the package root (`import twilio from 'twilio'`), which loads the whole REST client. The
 * cold-start benchmark swaps this in for the real module when it bundles the naive callback handler.
 */
import twilio from 'twilio';

type FormFields = Record<string, string[]>;

export function isPlausibleSignature(signature: string | undefined): signature is string {
  return signature !== undefined && /^[A-Za-z0-9+/]{27}=$/.test(signature);
}

export function isValidSignature(
  tokens: ReadonlyArray<string | undefined>,
  signature: string,
  url: string,
  fields: FormFields,
): boolean {
  return tokens.some((token) => {
    if (!token) return false;
    try {
      return twilio.validateRequest(token, signature, url, fields);
    } catch {
      return false;
    }
  });
}
