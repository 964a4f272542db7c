/**
 * Apply a status observation to the store: the single rule every path (callback, sender, reconciler)
 * follows, written once.
 *
 *   observation --> planAdvance --(condition fails: the stored item comes back)--> planRecord
 *
 * 1. One conditional UpdateItem moves the status when the observation ranks strictly higher than what is
 *    stored (or nothing is stored). In order, that is the only request.
 * 2. When the condition fails, DynamoDB hands back the stored item (ReturnValuesOnConditionCheckFailure),
 *    so without a read we know whether the observation teaches anything: a status time not yet seen, a
 *    descriptive field not yet known, or the error code of the current failed/undelivered status when
 *    the write that set that status had none. Only then is a second write sent, which never touches the
 *    status. A duplicate therefore costs one failed conditional request and changes nothing.
 * 3. If that second write's condition fails too, another writer changed the item in between; the item it
 *    hands back is planned against once more (a bounded number of times).
 *
 * Where a message stands with the reconciler:
 * - A message is either on the pending index (`pendingShard`, `pendingSince`) or `unresolved`, never
 *   both. A final status takes it off both. A status that advances but is not final puts it back on the
 *   index and clears `unresolved`: new life after the reconciler gave up means it should look again, with
 *   a fresh horizon.
 * - A message seen only with statuses this version does not know (Twilio adds statuses without notice)
 *   has no current status. It is put on the pending index all the same, so the reconciler polls it and
 *   the first known status Twilio reports moves it; the query API answers it with `status: null` and
 *   `final: false` (domain/message.ts). Once it is marked unresolved, further unknown statuses leave it so.
 *
 * Pure: the store is a port (`MessageWriter`); DynamoDB lives in adapters/secondary/message-store.ts.
 */
import { pendingShardOf } from './contract';
import { ERROR_STATUSES, isFinal, rankOf } from './lifecycle';
import { statusTimeAttribute } from './message';
import { DESCRIPTIVE_FIELDS, type StatusObservation } from './observation';
import { UpdateExpressionBuilder, type UpdatePlan } from './update-expression';
import { moveFailureBucket, recordTags, setCreatedAt, setFailureBucket, setTags } from './index-keys';

type Item = Record<string, unknown>;

export type WriteResult = { written: true; previous?: Item } | { written: false; current?: Item };

/** The store as the domain needs it: one conditional update that reports the blocking item. */
export interface MessageWriter {
  write(plan: UpdatePlan): Promise<WriteResult>;
}

export interface ApplyOptions {
  /** Days an item is kept after its last change (DynamoDB TTL on `expiresAt`). */
  retentionDays: number;
  /** Partitions of the sparse pending index; spreads unfinished messages so none is hot. */
  pendingShards: number;
  /** The tag key of the `byTag` index, if the table has one: an empty value of it is not stored. */
  tagIndexKey?: string;
}

/**
 * - `advanced`: the current status moved to the observation's status.
 * - `stale`: it ranked no higher than the stored status; only what was new (its time, fields) was kept.
 * - `duplicate`: nothing new; nothing was written.
 * - `foreign`: the message is recorded under another account than the observation's; nothing was
 *   written (`previous` holds the stored item, whose `accountSid` says whose it is).
 */
export type ApplyOutcome = 'advanced' | 'stale' | 'duplicate' | 'foreign';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The item before an `advanced` write (absent when the message was new), or the other account's item. */
  previous?: Item;
  /** Requests sent to the store (1 or 2; more only when other writers changed the item meanwhile). */
  requests: number;
}

/**
 * Record writes planned again after a failed one, at most: each retry means another writer changed the
 * item in between, and each such change (the item created, given a status, moved on) happens once.
 */
const MAX_RECORD_WRITES = 3;

export async function applyStatusObservation(
  writer: MessageWriter,
  observation: StatusObservation,
  options: ApplyOptions,
): Promise<ApplyResult> {
  // Undefined: not read. An unknown status has no advance to fail, so its first record write guesses.
  let current: Item | undefined;
  let requests = 0;
  if (rankOf(observation.status) !== undefined) {
    const result = await writer.write(planAdvance(observation, options));
    requests++;
    if (result.written) return { outcome: 'advanced', previous: result.previous, requests };
    current = result.current;
    if (belongsToAnother(current, observation)) return { outcome: 'foreign', previous: current, requests };
  }
  for (let attempt = 0; attempt < MAX_RECORD_WRITES; attempt++) {
    const record = planRecord(observation, current, options);
    if (!record) break;
    const result = await writer.write(record);
    requests++;
    if (result.written) return { outcome: 'stale', requests };
    // A failed condition hands back the item; nothing handed back means there is no item yet.
    current = result.current ?? {};
    if (belongsToAnother(current, observation)) return { outcome: 'foreign', previous: current, requests };
  }
  return { outcome: 'duplicate', requests };
}

/**
 * Every write carries this condition: an observation made for one account (a callback signed with its
 * token, a poll under it, a send from it) changes only a message recorded under that account, or under
 * none yet. It is part of the same conditional write, so it costs no read and no race can slip past it;
 * an observation that names no account (a deployment with one account) has nothing to check against.
 */
function guardAccount(
  expr: UpdateExpressionBuilder,
  observation: StatusObservation,
  condition: string,
): string {
  if (observation.accountSid === undefined) return condition;
  const account = expr.name('accountSid');
  return `(attribute_not_exists(${account}) OR ${account} = ${expr.value(observation.accountSid)}) AND (${condition})`;
}

/** The item a failed condition handed back is another account's message. */
function belongsToAnother(current: Item | undefined, observation: StatusObservation): boolean {
  return (
    observation.accountSid !== undefined &&
    typeof current?.accountSid === 'string' &&
    current.accountSid !== observation.accountSid
  );
}

/** The write that moves the status; its condition holds only when the observation ranks higher. */
export function planAdvance(observation: StatusObservation, options: ApplyOptions): UpdatePlan {
  const rank = rankOf(observation.status);
  if (rank === undefined) throw new Error(`planAdvance needs a known status, got "${observation.status}"`);
  const final = isFinal(observation.status);
  const expr = new UpdateExpressionBuilder();

  expr.set('status', observation.status);
  expr.set('statusRank', rank);
  expr.set('final', final);
  expr.set('source', observation.source);
  expr.set('updatedAt', observation.observedAt);
  expr.setIfNotExists(statusTimeAttribute(observation.status), observation.observedAt);
  setCreatedAt(expr, observation);

  // Error details belong to the observation that set a failed/undelivered status; a later, higher
  // status (a carrier's late "delivered") clears them.
  // (`errorMessage` is derived from the code on read; items written before that stored it, so a write
  // that clears the code clears it too.)
  if (ERROR_STATUSES.includes(observation.status) && observation.errorCode !== undefined) {
    expr.set('errorCode', observation.errorCode);
  } else {
    expr.remove('errorCode');
    expr.remove('errorMessage');
  }
  setOrRemove(expr, 'channelStatusMessage', observation.channelStatusMessage);
  setOrRemove(expr, 'eventType', observation.eventType);
  fillDescriptiveFields(expr, observation, DESCRIPTIVE_FIELDS);
  setFailureBucket(expr, observation);
  setTags(expr, observation, options.tagIndexKey);

  // Pending or unresolved, never both: a final status ends both; any other advance is new life, so the
  // message goes (back) on the pending index and is no longer given up on.
  expr.remove('unresolved');
  if (final) {
    expr.remove('pendingShard');
    expr.remove('pendingSince');
  } else {
    putOnPendingIndex(expr, observation, options);
  }
  countCallback(expr, observation);
  expr.set('expiresAt', expiresAt(observation.observedAt, options.retentionDays));

  const statusRank = expr.name('statusRank');
  return expr.build(observation.messageSid, {
    condition: guardAccount(
      expr,
      observation,
      `attribute_not_exists(${statusRank}) OR ${statusRank} < ${expr.value(rank)}`,
    ),
    returnPrevious: true,
  });
}

/**
 * The write that keeps what a non-advancing observation teaches, or undefined when it teaches nothing.
 * `current` is the stored item when known (`{}`: there is none). Undefined (an unknown status, not read)
 * plans for the usual case, an item that has a status; the condition alone then decides, so a
 * concurrent duplicate still writes nothing, and a wrong guess fails and is planned again.
 */
export function planRecord(
  observation: StatusObservation,
  current: Item | undefined,
  options: ApplyOptions,
): UpdatePlan | undefined {
  const known = (attribute: string) => current !== undefined && current[attribute] !== undefined;
  const timeAttribute = statusTimeAttribute(observation.status);
  const newTime = !known(timeAttribute);
  const newFields = DESCRIPTIVE_FIELDS.filter((field) => observation[field] !== undefined && !known(field));
  // Twilio's own creation time (sender, reconciler) is worth a write when the item holds a guess.
  const newCreatedAt = observation.createdAt !== undefined && current?.createdAt !== observation.createdAt;
  const newErrorCode = fillsErrorCode(observation, current);
  const expr = new UpdateExpressionBuilder();
  const teaches: string[] = [];
  recordTags(expr, observation, current, teaches, options.tagIndexKey);
  if (!newTime && !newFields.length && !newCreatedAt && newErrorCode === undefined && !teaches.length) {
    return undefined;
  }
  const guards: string[] = [];
  if (current === undefined) guards.push(`attribute_exists(${expr.name('statusRank')})`);
  else if (current.statusRank === undefined) {
    // No status yet: only unknown ones were seen. Keep it where the reconciler finds it, unless the
    // reconciler already gave up on it.
    guards.push(`attribute_not_exists(${expr.name('statusRank')})`);
    if (current.unresolved !== true) {
      guards.push(`attribute_not_exists(${expr.name('unresolved')})`);
      putOnPendingIndex(expr, observation, options);
    }
  }
  if (newTime) {
    expr.setIfNotExists(timeAttribute, observation.observedAt);
    teaches.push(`attribute_not_exists(${expr.name(timeAttribute)})`);
  }
  fillDescriptiveFields(expr, observation, newFields);
  for (const field of newFields) teaches.push(`attribute_not_exists(${expr.name(field)})`);
  if (newCreatedAt) {
    const createdAt = expr.name('createdAt');
    teaches.push(
      `attribute_not_exists(${createdAt}) OR ${createdAt} <> ${expr.value(observation.createdAt)}`,
    );
    moveFailureBucket(expr, observation, current);
  }
  if (newErrorCode !== undefined) {
    // Only while the status is still the one this observation reports: a later delivered clears errors.
    guards.push(`${expr.name('status')} = ${expr.value(observation.status)}`);
    expr.setIfNotExists('errorCode', newErrorCode);
    teaches.push(`attribute_not_exists(${expr.name('errorCode')})`);
  }
  setCreatedAt(expr, observation);
  expr.set('updatedAt', observation.observedAt);
  countCallback(expr, observation);
  expr.set('expiresAt', expiresAt(observation.observedAt, options.retentionDays));
  const teachesSomething = teaches.join(' OR ');
  const condition = guards.length ? `${guards.join(' AND ')} AND (${teachesSomething})` : teachesSomething;
  return expr.build(observation.messageSid, {
    condition: guardAccount(expr, observation, condition),
    returnPrevious: false,
  });
}

/**
 * The error code a later observation of the current failed/undelivered status brings, when the write
 * that set that status had none (a poll, or a callback without ErrorCode); undefined otherwise. The first
 * code stays: a different one later does not replace it.
 */
function fillsErrorCode(observation: StatusObservation, current: Item | undefined): number | undefined {
  if (observation.errorCode === undefined || !ERROR_STATUSES.includes(observation.status)) return undefined;
  if (current?.status !== observation.status || current.errorCode !== undefined) return undefined;
  return observation.errorCode;
}

/** On the sparse pending index, where the reconciler looks for messages whose final status never came. */
function putOnPendingIndex(
  expr: UpdateExpressionBuilder,
  observation: StatusObservation,
  options: ApplyOptions,
): void {
  expr.set('pendingShard', pendingShardOf(observation.messageSid, options.pendingShards));
  expr.setIfNotExists('pendingSince', observation.createdAt ?? observation.observedAt);
}

function fillDescriptiveFields(
  expr: UpdateExpressionBuilder,
  observation: StatusObservation,
  fields: readonly (typeof DESCRIPTIVE_FIELDS)[number][],
): void {
  for (const field of fields) {
    const value = observation[field];
    if (value !== undefined) expr.setIfNotExists(field, value);
  }
}

function setOrRemove(expr: UpdateExpressionBuilder, attribute: string, value: string | undefined): void {
  if (value === undefined) expr.remove(attribute);
  else expr.set(attribute, value);
}

function countCallback(expr: UpdateExpressionBuilder, observation: StatusObservation): void {
  if (observation.source !== 'callback') return;
  expr.add('callbackCount', 1);
  expr.set('lastCallbackAt', observation.observedAt);
}

function expiresAt(observedAt: string, retentionDays: number): number {
  return Math.floor(Date.parse(observedAt) / 1000) + retentionDays * 86_400;
}
