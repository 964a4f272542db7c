/**
 * The attributes the list API's indexes and the tags live in, as the one apply rule writes them
 * (apply-observation.ts). Each index key is written about once per message: a write that leaves a key's
 * value as it was costs that index nothing, so every callback after the first writes no index at all.
 *
 * - `createdAt` and `timeBucket` (the `byTime` partition) are written together, so they always agree:
 *   set from Twilio's creation time when the observation knows it, else kept from the first observation.
 * - `failureBucket` (the sparse `failures` index) exists only while the status is failed, undelivered or
 *   canceled. A callback does not know `createdAt`, so it copies the item's `timeBucket` inside the same
 *   UpdateItem (no read): the failure sits in the partition of the day the message began.
 * - `to` and `clientReference` key their indexes as they are: descriptive fields, written once.
 */
import { MESSAGES_TABLE, timeBucketOf } from './contract';
import { FAILURE_STATUSES } from './lifecycle';
import type { StatusObservation } from './observation';
import { tagAttribute } from './tags';
import type { UpdateExpressionBuilder } from './update-expression';

type Item = Record<string, unknown>;

const [TIME_INDEX, FAILURE_INDEX] = MESSAGES_TABLE.listIndexes;
export const TIME_BUCKET = TIME_INDEX.partitionKey;
export const FAILURE_BUCKET = FAILURE_INDEX.partitionKey;

/** `createdAt` and its `byTime` partition, in any write. */
export function setCreatedAt(expr: UpdateExpressionBuilder, observation: StatusObservation): void {
  if (observation.createdAt !== undefined) {
    expr.set('createdAt', observation.createdAt);
    expr.set(TIME_BUCKET, timeBucketOf(observation.messageSid, observation.createdAt));
  } else {
    expr.setIfNotExists('createdAt', observation.observedAt);
    expr.setIfNotExists(TIME_BUCKET, timeBucketOf(observation.messageSid, observation.observedAt));
  }
}

/** In a write that moves the status: on the failures index while failed/undelivered/canceled, else off. */
export function setFailureBucket(expr: UpdateExpressionBuilder, observation: StatusObservation): void {
  if (!FAILURE_STATUSES.includes(observation.status)) {
    expr.remove(FAILURE_BUCKET);
  } else if (observation.createdAt !== undefined) {
    expr.set(FAILURE_BUCKET, timeBucketOf(observation.messageSid, observation.createdAt));
  } else {
    const guess = timeBucketOf(observation.messageSid, observation.observedAt);
    expr.copyIfNotExists(FAILURE_BUCKET, TIME_BUCKET, guess);
  }
}

/**
 * In a write that keeps what a stale observation teaches and replaces `createdAt`: a failure already
 * indexed follows its message to the partition of its real day.
 */
export function moveFailureBucket(
  expr: UpdateExpressionBuilder,
  observation: StatusObservation,
  current: Item | undefined,
): void {
  if (observation.createdAt === undefined || current?.[FAILURE_BUCKET] === undefined) return;
  expr.set(FAILURE_BUCKET, timeBucketOf(observation.messageSid, observation.createdAt));
}

/**
 * The tags of an observation. The sender's are set as given; a callback URL's only fill a key still
 * absent. In a write that moves the status every tag is written (an unchanged value costs nothing).
 * `tagIndexKey` names the tag keying the sparse `byTag` index (contract.ts): its attribute is the index's
 * partition key, which DynamoDB refuses as an empty string, so an empty value of that one key is not
 * stored (the write would fail as a whole).
 */
export function setTags(
  expr: UpdateExpressionBuilder,
  observation: StatusObservation,
  tagIndexKey?: string,
): void {
  recordTags(expr, observation, undefined, undefined, tagIndexKey);
}

/**
 * In a write after a failed condition, `current` (the stored item, when known) says which tags change
 * something: only those are written, and the returned conditions say what they teach.
 */
export function recordTags(
  expr: UpdateExpressionBuilder,
  observation: StatusObservation,
  current: Item | undefined,
  teaches?: string[],
  tagIndexKey?: string,
): void {
  const senderWins = observation.source === 'send';
  for (const [key, value] of Object.entries(observation.tags ?? {})) {
    if (value === '' && key === tagIndexKey) continue;
    const attribute = tagAttribute(key);
    const stored = current?.[attribute];
    if (current !== undefined && (senderWins ? stored === value : stored !== undefined)) continue;
    if (senderWins) expr.set(attribute, value);
    else expr.setIfNotExists(attribute, value);
    if (!teaches) continue;
    const name = expr.name(attribute);
    teaches.push(
      senderWins
        ? `attribute_not_exists(${name}) OR ${name} <> ${expr.value(value)}`
        : `attribute_not_exists(${name})`,
    );
  }
}

/**
 * The index keys a stored item should carry, from what it holds: for the backfill of items written
 * before the list indexes existed (scripts/backfill.ts), and for checking that writes agree with it.
 */
export function indexKeysOf(item: Item): { timeBucket?: string; failureBucket?: string } {
  const { messageSid, createdAt, status } = item;
  if (typeof messageSid !== 'string' || typeof createdAt !== 'string') return {};
  const timeBucket = timeBucketOf(messageSid, createdAt);
  const failed = typeof status === 'string' && FAILURE_STATUSES.includes(status);
  return failed ? { timeBucket, failureBucket: timeBucket } : { timeBucket };
}
