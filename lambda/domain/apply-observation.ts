/**
 * Apply a status observation to the store: the single rule every path (callback, sender, reconciler)
 * follows, written once.
 *
 *   observation --> planAdvance --(condition fails: the stored item comes back)--> planRecord
 *
 * 1. One conditional UpdateItem moves the status when the observation ranks strictly higher than what is
 *    stored (or nothing is stored). In order, that is the only request.
 * 2. When the condition fails, DynamoDB hands back the stored item (ReturnValuesOnConditionCheckFailure),
 *    so without a read we know whether the observation teaches anything: a status time not yet seen or a
 *    descriptive field not yet known. Only then is a second write sent, which never touches the status.
 *    A duplicate therefore costs one failed conditional request and changes nothing.
 *
 * Pure: the store is a port (`MessageWriter`); DynamoDB lives in adapters/message-store.ts.
 */
import { pendingShardOf } from './contract';
import { ERROR_STATUSES, isFinal, rankOf } from './lifecycle';
import { describeTwilioError } from './error-codes';
import { statusTimeAttribute } from './message';
import { DESCRIPTIVE_FIELDS, type StatusObservation } from './observation';

export interface UpdatePlan {
  messageSid: string;
  updateExpression: string;
  conditionExpression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  /** Ask for the item as it was before a successful write (to report what changed). */
  returnPrevious: boolean;
}

export type WriteResult =
  | { written: true; previous?: Record<string, unknown> }
  | { written: false; current?: Record<string, unknown> };

/** The store as the domain needs it: one conditional update that reports the blocking item. */
export interface MessageWriter {
  write(plan: UpdatePlan): Promise<WriteResult>;
}

export interface ApplyOptions {
  /** Days an item is kept after its last change (DynamoDB TTL on `expiresAt`). */
  retentionDays: number;
  /** Partitions of the sparse pending index; spreads unfinished messages so none is hot. */
  pendingShards: number;
}

/**
 * - `advanced`: the current status moved to the observation's status.
 * - `stale`: it ranked no higher than the stored status; only what was new (its time, fields) was kept.
 * - `duplicate`: nothing new; nothing was written.
 */
export type ApplyOutcome = 'advanced' | 'stale' | 'duplicate';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The item before an `advanced` write; absent when the message was new. */
  previous?: Record<string, unknown>;
  /** Requests sent to the store (1 or 2). */
  requests: number;
}

export async function applyStatusObservation(
  writer: MessageWriter,
  observation: StatusObservation,
  options: ApplyOptions,
): Promise<ApplyResult> {
  let current: Record<string, unknown> | undefined;
  let requests = 0;
  if (rankOf(observation.status) !== undefined) {
    const result = await writer.write(planAdvance(observation, options));
    requests++;
    if (result.written) return { outcome: 'advanced', previous: result.previous, requests };
    current = result.current;
  }
  const record = planRecord(observation, current, options);
  if (!record) return { outcome: 'duplicate', requests };
  const result = await writer.write(record);
  requests++;
  return { outcome: result.written ? 'stale' : 'duplicate', requests };
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
  if (ERROR_STATUSES.includes(observation.status) && observation.errorCode !== undefined) {
    expr.set('errorCode', observation.errorCode);
    expr.set('errorMessage', describeTwilioError(observation.errorCode).message);
  } else {
    expr.remove('errorCode');
    expr.remove('errorMessage');
  }
  setOrRemove(expr, 'channelStatusMessage', observation.channelStatusMessage);
  setOrRemove(expr, 'eventType', observation.eventType);
  fillDescriptiveFields(expr, observation, DESCRIPTIVE_FIELDS);

  if (final) {
    expr.remove('pendingShard');
    expr.remove('pendingSince');
    expr.remove('unresolved');
  } else {
    expr.set('pendingShard', pendingShardOf(observation.messageSid, options.pendingShards));
    expr.setIfNotExists('pendingSince', observation.createdAt ?? observation.observedAt);
  }
  countCallback(expr, observation);
  expr.set('expiresAt', expiresAt(observation.observedAt, options.retentionDays));

  const statusRank = expr.name('statusRank');
  return expr.build(observation.messageSid, {
    condition: `attribute_not_exists(${statusRank}) OR ${statusRank} < ${expr.value(rank)}`,
    returnPrevious: true,
  });
}

/**
 * The write that keeps what a non-advancing observation teaches, or undefined when it teaches nothing.
 * `current` is the stored item when known (it came back from the failed advance); without it (an unknown
 * status) the condition alone decides, so a concurrent duplicate still writes nothing.
 */
export function planRecord(
  observation: StatusObservation,
  current: Record<string, unknown> | undefined,
  options: ApplyOptions,
): UpdatePlan | undefined {
  const timeAttribute = statusTimeAttribute(observation.status);
  const newTime = current === undefined || current[timeAttribute] === undefined;
  const newFields = DESCRIPTIVE_FIELDS.filter(
    (field) => observation[field] !== undefined && (current === undefined || current[field] === undefined),
  );
  // Twilio's own creation time (sender, reconciler) is worth a write when the item holds a guess.
  const newCreatedAt =
    observation.createdAt !== undefined &&
    (current === undefined || current.createdAt !== observation.createdAt);
  if (!newTime && newFields.length === 0 && !newCreatedAt) return undefined;

  const expr = new UpdateExpressionBuilder();
  const conditions: string[] = [];
  if (newTime) {
    expr.setIfNotExists(timeAttribute, observation.observedAt);
    conditions.push(`attribute_not_exists(${expr.name(timeAttribute)})`);
  }
  fillDescriptiveFields(expr, observation, newFields);
  for (const field of newFields) conditions.push(`attribute_not_exists(${expr.name(field)})`);
  if (newCreatedAt) {
    const createdAt = expr.name('createdAt');
    conditions.push(
      `attribute_not_exists(${createdAt}) OR ${createdAt} <> ${expr.value(observation.createdAt)}`,
    );
  }
  setCreatedAt(expr, observation);
  expr.set('updatedAt', observation.observedAt);
  countCallback(expr, observation);
  expr.set('expiresAt', expiresAt(observation.observedAt, options.retentionDays));
  return expr.build(observation.messageSid, { condition: conditions.join(' OR '), returnPrevious: false });
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

/**
 * `createdAt` is Twilio's creation time when the observation knows it (sender, reconciler), which
 * replaces the first-seen time a callback that arrived earlier had to guess with.
 */
function setCreatedAt(expr: UpdateExpressionBuilder, observation: StatusObservation): void {
  if (observation.createdAt !== undefined) expr.set('createdAt', observation.createdAt);
  else expr.setIfNotExists('createdAt', observation.observedAt);
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

/**
 * Builds an UpdateExpression with placeholders for every name and value (no reserved-word traps).
 * Hand-written: the AWS SDK v3 has no expression builder, and the one AWS published
 * (@aws/dynamodb-expressions) has been unmaintained for years; this needs SET, if_not_exists, REMOVE and
 * ADD only, and keeping it here keeps the domain free of dependencies.
 */
class UpdateExpressionBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private readonly nameIndex = new Map<string, string>();
  private valueCount = 0;

  name(attribute: string): string {
    let placeholder = this.nameIndex.get(attribute);
    if (!placeholder) {
      placeholder = `#a${this.nameIndex.size}`;
      this.nameIndex.set(attribute, placeholder);
      this.names[placeholder] = attribute;
    }
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): void {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
  }

  setIfNotExists(attribute: string, value: unknown): void {
    const name = this.name(attribute);
    this.sets.push(`${name} = if_not_exists(${name}, ${this.value(value)})`);
  }

  add(attribute: string, value: number): void {
    this.adds.push(`${this.name(attribute)} ${this.value(value)}`);
  }

  remove(attribute: string): void {
    this.removes.push(this.name(attribute));
  }

  build(messageSid: string, options: { condition: string; returnPrevious: boolean }): UpdatePlan {
    const clauses = [
      this.sets.length ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length ? `REMOVE ${this.removes.join(', ')}` : '',
      this.adds.length ? `ADD ${this.adds.join(', ')}` : '',
    ].filter(Boolean);
    return {
      messageSid,
      updateExpression: clauses.join(' '),
      conditionExpression: options.condition,
      names: this.names,
      values: this.values,
      returnPrevious: options.returnPrevious,
    };
  }
}
