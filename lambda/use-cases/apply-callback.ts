/**
 * Applying a status callback whose request already passed the endpoint's checks (method, content type,
 * size, signature): its form fields become an observation, and the observation goes through the one
 * apply rule. Inbound statuses are acknowledged and ignored; malformed fields are refused before any
 * write. A store failure is thrown: the endpoint answers 503 so that Twilio retries.
 */
import type { ApplyOutcome, ApplyResult } from '../domain/apply-observation';
import { parseStatusCallback, type FormFields } from '../domain/callback';
import { maskAddress } from '../domain/masking';
import type { StatusObservation } from '../domain/observation';
import { tagsFromQueryString } from '../domain/tags';
import type { Log, ObservationStore } from './ports';

export type CallbackOutcome =
  | { kind: 'invalid'; reason: string }
  | { kind: 'inbound' }
  /** The message is another account's: nothing was written (the endpoint answers 403). */
  | { kind: 'foreign'; observation: StatusObservation }
  | { kind: 'applied'; observation: StatusObservation; result: AppliedResult };

/** An apply that did not meet another account's message. */
export type AppliedResult = ApplyResult & { outcome: Exclude<ApplyOutcome, 'foreign'> };

export interface CallbackApplierDeps {
  store: ObservationStore;
  logger: Pick<Log, 'info' | 'warn'>;
  now?: () => Date;
}

export function createCallbackApplier(deps: CallbackApplierDeps) {
  const now = deps.now ?? (() => new Date());
  /**
   * `rawQueryString`: the query string of the URL Twilio called, already covered by the signature; its
   * parameters are the message's tags (domain/tags.ts).
   */
  return async function applyCallback(fields: FormFields, rawQueryString?: string): Promise<CallbackOutcome> {
    const parsed = parseStatusCallback(fields, now());
    if (parsed.kind === 'invalid') return { kind: 'invalid', reason: parsed.reason };
    if (parsed.kind === 'inbound') {
      deps.logger.info('inbound status ignored', { messageSid: parsed.messageSid, status: parsed.status });
      return { kind: 'inbound' };
    }
    const { observation } = parsed;
    const { tags, ignored } = tagsFromQueryString(rawQueryString);
    if (Object.keys(tags).length > 0) observation.tags = tags;
    if (ignored.length > 0) {
      // Never refused: Twilio would retry a callback the tracker can never accept.
      deps.logger.warn('callback URL parameters ignored as tags', {
        messageSid: observation.messageSid,
        ignored,
      });
    }
    const result = await deps.store.apply(observation);
    const { outcome } = result;
    if (outcome === 'foreign') {
      deps.logger.warn('status callback for a message of another account refused', {
        messageSid: observation.messageSid,
        signedFor: observation.accountSid,
        recordedUnder: result.previous?.accountSid,
      });
      return { kind: 'foreign', observation };
    }
    deps.logger.info('status callback applied', {
      messageSid: observation.messageSid,
      status: observation.status,
      outcome,
      errorCode: observation.errorCode,
      to: maskAddress(observation.to),
      from: maskAddress(observation.from),
    });
    return { kind: 'applied', observation, result: { ...result, outcome } };
  };
}
