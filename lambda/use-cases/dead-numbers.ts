/**
 * Recording dead numbers (domain/dead-numbers.ts) from the path that applies every status: a store whose
 * `apply` also counts a failed or undelivered status with a dead-number code against the recipient.
 *
 * Rules a caller can rely on:
 * - Counted only when the observation was recorded (`advanced`) or was already (`duplicate`: a callback
 *   redelivered after a write that failed half way counts then). Counting is per distinct message
 *   (a set of SIDs), so a replayed callback never counts twice.
 * - A count that cannot be written throws (StoreUnavailableError) like the message write itself: the
 *   callback answers 503 and Twilio retries, and the retry (a `duplicate`) counts it.
 * - A transient code (30003, 30008, anything not in the rule) writes nothing here.
 */
import { countsAgainstRecipient, deadNumberRuleOf } from '../domain/dead-numbers';
import { maskAddress } from '../domain/masking';
import type { DeadNumberStore, Log, ObservationStore } from './ports';

/** `store` with `apply` also recording dead numbers; its other methods are its own, unchanged. */
export function recordingDeadNumbers<S extends ObservationStore>(
  store: S,
  deadNumbers: DeadNumberStore,
  logger?: Pick<Log, 'warn'>,
): S {
  const recording = Object.create(store) as S;
  recording.apply = async (observation) => {
    const result = await store.apply(observation);
    if (
      (result.outcome === 'advanced' || result.outcome === 'duplicate') &&
      observation.to !== undefined &&
      countsAgainstRecipient(observation.status, observation.errorCode)
    ) {
      await countFailure(deadNumbers, {
        recipient: observation.to,
        code: observation.errorCode!,
        messageSid: observation.messageSid,
        at: observation.observedAt,
        logger,
      });
    }
    return result;
  };
  return recording;
}

/** Counts one failed message against a recipient and marks it dead when the rule says so. */
export async function countFailure(
  deadNumbers: DeadNumberStore,
  failure: { recipient: string; code: number; messageSid: string; at: string; logger?: Pick<Log, 'warn'> },
): Promise<boolean> {
  const rule = deadNumberRuleOf(failure.code);
  if (!rule) return false;
  const { recipient, code, messageSid, at } = failure;
  const failures = await deadNumbers.countFailure({ recipient, code, messageSid, at, cap: rule.threshold });
  if (failures < rule.threshold) return false;
  await deadNumbers.markDead({ recipient, reason: code, deadSince: at, messageSid });
  failure.logger?.warn('recipient recorded as a dead number', {
    to: maskAddress(recipient),
    errorCode: code,
    messageSid,
  });
  return true;
}
