/**
 * A `Message Status Changed` detail as a history writer receives it from outside (Firehose hands the
 * processor the event's `detail` as JSON text): checked field by field before it becomes a row, so a
 * record that is not a detail is refused, never half-written. A nullable field that is missing reads as
 * null, so details written before a field existed still pass; a field of the wrong type does not.
 */
import type { StatusChangeDetail } from '../status-event';

type Check<T> = (value: unknown) => value is T;

const isString: Check<string> = (value): value is string => typeof value === 'string' && value !== '';
const isNullableString: Check<string | null> = (value): value is string | null =>
  value === null || typeof value === 'string';
const isNullableInteger: Check<number | null> = (value): value is number | null =>
  value === null || Number.isInteger(value);
const isStringMap: Check<Record<string, string>> = (value): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string');

const REQUIRED = {
  eventId: isString,
  messageSid: isString,
  status: isString,
  statusRank: (value: unknown): value is number => Number.isInteger(value),
  final: (value: unknown): value is boolean => typeof value === 'boolean',
} as const;

const NULLABLE = {
  accountSid: isNullableString,
  previousStatus: isNullableString,
  at: isNullableString,
  errorCode: isNullableInteger,
  errorMessage: isNullableString,
  to: isNullableString,
  from: isNullableString,
  messagingServiceSid: isNullableString,
  clientReference: isNullableString,
  channelPrefix: isNullableString,
  eventType: isNullableString,
  source: isNullableString,
} as const;

/** The detail, or the first field that makes it not one (named, never its value: it may be a number). */
export function statusChangeDetailOf(
  value: unknown,
): { ok: true; detail: StatusChangeDetail } | { ok: false; problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'not a JSON object' };
  }
  const record = value as Record<string, unknown>;
  for (const [field, check] of Object.entries(REQUIRED)) {
    if (!check(record[field])) return { ok: false, problem: `"${field}" missing or of the wrong type` };
  }
  const nullable: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(NULLABLE)) {
    const fieldValue = record[field] ?? null;
    if (!check(fieldValue)) return { ok: false, problem: `"${field}" of the wrong type` };
    nullable[field] = fieldValue;
  }
  for (const field of ['tags', 'statusTimes'] as const) {
    if (record[field] !== undefined && !isStringMap(record[field])) {
      return { ok: false, problem: `"${field}" is not an object of strings` };
    }
  }
  return {
    ok: true,
    detail: {
      ...(nullable as Pick<StatusChangeDetail, keyof typeof NULLABLE>),
      eventId: record.eventId as string,
      messageSid: record.messageSid as string,
      status: record.status as string,
      statusRank: record.statusRank as number,
      final: record.final as boolean,
      tags: (record.tags as Record<string, string> | undefined) ?? {},
      statusTimes: (record.statusTimes as Record<string, string> | undefined) ?? {},
    },
  };
}
