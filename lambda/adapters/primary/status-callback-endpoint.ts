/**
 * POST /message-status: the HTTP side of a status callback.
 *
 *   API Gateway event --> checks, cheapest first --> applyCallback (use-cases/apply-callback.ts)
 *
 * method (405), content type (415), size (413), signature (403; checked with the token of the request's
 * AccountSid, see callback-signature.ts), fields (400), the message's account (403 when it is recorded
 * under another account than the one the callback is signed for); then 200, or 503 when the store or a secret cannot
 * be reached, or lookups of unseen accounts are being throttled, so that Twilio retries. No 4xx writes anything; no response
 * carries a secret or a stack trace.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describeError } from '../../domain/describe-error';
import { createCallbackApplier, type CallbackOutcome } from '../../use-cases/apply-callback';
import {
  CredentialsUnavailableError,
  StoreUnavailableError,
  type Log,
  type ObservationStore,
} from '../../use-cases/ports';
import {
  declaredBodyBytes,
  decodeBody,
  header,
  jsonResponse,
  mediaType,
  parseForm,
  publicUrl,
  type HttpResponse,
} from './http';
import { isPlausibleSignature } from './twilio-signature';
import { createSignatureVerifier, type SignatureKeys } from './callback-signature';
import { publicOriginOf } from '../../domain/contract';

export const MAX_BODY_BYTES = 16 * 1024;
const FORM = 'application/x-www-form-urlencoded';

export interface StatusCallbackDeps extends SignatureKeys {
  store: ObservationStore;
  logger: Log;
  publicBaseUrl?: string;
  now?: () => Date;
  /** Told of every answered request (metrics, tests); never changes the answer. */
  onResult?: (result: CallbackResult) => void;
}

/** What the endpoint answered: the use case's outcome for an accepted request, or why not. */
export type CallbackResult =
  | { kind: 'rejected'; statusCode: number; reason: string; unknownAccount?: true; accountMismatch?: true }
  | Exclude<CallbackOutcome, { kind: 'invalid' } | { kind: 'foreign' }>
  | { kind: 'unavailable'; reason: string };

export function createStatusCallbackHandler(deps: StatusCallbackDeps) {
  const applyCallback = createCallbackApplier(deps);
  const verifySignature = createSignatureVerifier(deps, deps.logger);
  // A bad PUBLIC_BASE_URL fails the cold start here, not every request.
  let publicBaseUrl: string | undefined;
  if (deps.publicBaseUrl !== undefined) {
    const parsed = publicOriginOf(deps.publicBaseUrl, { allowHttp: true });
    if (!parsed.ok)
      throw new Error(`PUBLIC_BASE_URL must be a scheme and host only, got "${deps.publicBaseUrl}"`);
    publicBaseUrl = parsed.origin;
  }

  const reject = (
    statusCode: number,
    reason: string,
    headers?: Record<string, string>,
    flag?: { unknownAccount: true } | { accountMismatch: true },
  ): HttpResponse => {
    deps.logger.warn('status callback rejected', { statusCode, reason });
    deps.onResult?.({ kind: 'rejected', statusCode, reason, ...flag });
    return jsonResponse(statusCode, { error: reason }, headers);
  };

  return async function handleStatusCallback(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const method = event.requestContext?.http?.method?.toUpperCase();
    if (method !== 'POST') return reject(405, 'only POST is accepted', { allow: 'POST' });
    if (mediaType(event) !== FORM) return reject(415, `content type must be ${FORM}`);
    if (declaredBodyBytes(event) > MAX_BODY_BYTES + 3) return reject(413, 'body is larger than 16 KiB');
    const body = decodeBody(event);
    if (!body.ok) return reject(400, body.reason);
    if (body.bytes > MAX_BODY_BYTES) return reject(413, 'body is larger than 16 KiB');

    const signature = header(event, 'x-twilio-signature');
    if (!isPlausibleSignature(signature)) return reject(403, 'missing or malformed X-Twilio-Signature');
    const fields = parseForm(body.text);
    const url = publicUrl(event, publicBaseUrl);

    try {
      const verdict = await verifySignature(signature, url, fields);
      if (verdict === 'unknown-account')
        return reject(403, 'no auth token for this AccountSid', {}, { unknownAccount: true });
      if (verdict === 'invalid') return reject(403, 'X-Twilio-Signature does not match this request');
    } catch (error) {
      return unavailable(deps, error);
    }

    try {
      const outcome = await applyCallback(fields, event.rawQueryString);
      if (outcome.kind === 'invalid') return reject(400, outcome.reason);
      if (outcome.kind === 'foreign')
        return reject(403, 'message belongs to another account', {}, { accountMismatch: true });
      deps.onResult?.(outcome);
      return outcome.kind === 'inbound'
        ? jsonResponse(200, { outcome: 'ignored', reason: 'inbound message status' })
        : jsonResponse(200, { outcome: outcome.result.outcome });
    } catch (error) {
      return unavailable(deps, error);
    }
  };
}

/** 503 whatever went wrong past the checks, so Twilio retries; the stack stays in the log only. */
function unavailable(deps: StatusCallbackDeps, error: unknown): HttpResponse {
  const expected = error instanceof CredentialsUnavailableError || error instanceof StoreUnavailableError;
  if (expected) {
    deps.logger.error('dependency unavailable; answering 503 so Twilio retries', {
      error: error.name,
      detail: error.message,
    });
  } else {
    // Anything else is a bug; the answer is the same, and never leaks the stack.
    deps.logger.error('unexpected error handling status callback', { error: describeError(error) });
  }
  deps.onResult?.({ kind: 'unavailable', reason: expected ? error.name : 'unexpected' });
  return jsonResponse(503, { error: 'temporarily unavailable, retry later' }, { 'retry-after': '5' });
}
