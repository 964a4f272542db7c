/**
 * The one place that knows the order of a message's lifecycle.
 *
 * An observation moves a message's current status only when its rank is strictly higher than the stored
 * rank; every other path (callback, sender, reconciler) asks this module, never a table of its own.
 */

/** Outbound statuses in lifecycle order; statuses that share a rank are listed together. */
const LIFECYCLE: ReadonlyArray<{ statuses: readonly string[]; final: boolean }> = [
  { statuses: ['accepted', 'scheduled'], final: false },
  { statuses: ['queued'], final: false },
  { statuses: ['sending'], final: false },
  { statuses: ['sent'], final: false },
  { statuses: ['partially_delivered'], final: false },
  { statuses: ['failed', 'undelivered', 'canceled'], final: true },
  { statuses: ['delivered'], final: true },
  { statuses: ['read'], final: true },
];

export type KnownStatus =
  | 'accepted'
  | 'scheduled'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'partially_delivered'
  | 'failed'
  | 'undelivered'
  | 'canceled'
  | 'delivered'
  | 'read';

const RANKS: ReadonlyMap<string, { rank: number; final: boolean }> = new Map(
  LIFECYCLE.flatMap(({ statuses, final }, rank) => statuses.map((s) => [s, { rank, final }] as const)),
);

/** Every outbound status this version knows, in lifecycle order. */
export const KNOWN_STATUSES: readonly KnownStatus[] = LIFECYCLE.flatMap((l) => l.statuses) as KnownStatus[];

/** Statuses of inbound messages: a status callback endpoint accepts and ignores them. */
export const INBOUND_STATUSES: readonly string[] = ['receiving', 'received'];

/** Statuses that carry an error code worth keeping on the item. */
export const ERROR_STATUSES: readonly string[] = ['failed', 'undelivered'];
/** The final statuses that mean the message did not get through: what the `failures` index holds. */
export const FAILURE_STATUSES: readonly string[] = ['failed', 'undelivered', 'canceled'];

export function isKnownStatus(status: string): status is KnownStatus {
  return RANKS.has(status);
}

/** The rank of a known status, or undefined for a status this version does not know. */
export function rankOf(status: string): number | undefined {
  return RANKS.get(status)?.rank;
}

/** Whether a status ends the lifecycle (nothing but a higher final status can follow). */
export function isFinal(status: string): boolean {
  return RANKS.get(status)?.final ?? false;
}

export function isInbound(status: string): boolean {
  return INBOUND_STATUSES.includes(status);
}

/** True when `next` would move a message whose current status is `current` (undefined: none yet). */
export function advances(current: string | undefined, next: string): boolean {
  const nextRank = rankOf(next);
  if (nextRank === undefined) return false;
  if (current === undefined) return true;
  const currentRank = rankOf(current);
  return currentRank === undefined || nextRank > currentRank;
}
