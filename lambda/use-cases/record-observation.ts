/**
 * Recording an observation: the one apply rule of domain/apply-observation.ts (the conditional write
 * that advances the status, the second write that keeps what is new when its condition fails, the
 * bounded retries when another writer got in between) over a store that only writes
 * (`MessageWriter`: adapters/secondary/message-store.ts). Every path (callback, send, poll) records
 * through it, with the retention and pending shards the stack set.
 */
import { applyStatusObservation, type ApplyOptions, type MessageWriter } from '../domain/apply-observation';
import type { ObservationStore } from './ports';

/** A writer that also records observations: what the callback, the sender and the reconciler get. */
export type RecordingStore<S extends MessageWriter> = S & ObservationStore;

/**
 * `store` with `apply` added: the store's own methods (reads, the pending index, the reachability
 * check) are its, unchanged; `apply` runs the rule and writes through `store.write`.
 */
export function recordingThrough<S extends MessageWriter>(
  store: S,
  options: ApplyOptions,
): RecordingStore<S> {
  const recording = Object.create(store) as RecordingStore<S>;
  recording.apply = (observation) => applyStatusObservation(store, observation, options);
  return recording;
}
