/**
 * Parse a Twilio message status callback (form fields, after the signature has been checked) into a
 * status observation. Field names and meanings: Twilio's guide "Track the Message Status of
 * Outbound Messages" (docs/ARCHITECTURE.md lists the fields kept). Twilio adds fields without notice; unknown fields are ignored here (they were still part
 * of the signature).
 */
import { isInbound } from './lifecycle';
import type { StatusObservation } from './observation';
import { SID_PATTERNS } from './contract';

/** Form fields as received: every key maps to all its values, in order (repeated keys are kept). */
export type FormFields = Record<string, string[]>;

export type ParsedCallback =
  | { kind: 'status'; observation: StatusObservation }
  | { kind: 'inbound'; messageSid: string; status: string }
  | { kind: 'invalid'; reason: string };

const STATUS_PATTERN = /^[a-z][a-z_-]{0,39}$/;
const ERROR_CODE_PATTERN = /^\d{1,6}$/;
const MAX_FIELD_LENGTH = 1024;

export function parseStatusCallback(fields: FormFields, receivedAt: Date): ParsedCallback {
  const sid = identifier(fields, 'MessageSid', SID_PATTERNS.message, 'a message SID (SM/MM + 32 hex)');
  if (sid.kind === 'invalid') return sid;
  if (sid.value === undefined) return invalid('MessageSid is missing');
  const accountSid = identifier(fields, 'AccountSid', SID_PATTERNS.account, 'an account SID (AC + 32 hex)');
  if (accountSid.kind === 'invalid') return accountSid;
  const serviceSid = identifier(
    fields,
    'MessagingServiceSid',
    SID_PATTERNS.messagingService,
    'a Messaging Service SID (MG + 32 hex)',
  );
  if (serviceSid.kind === 'invalid') return serviceSid;

  const rawStatus = single(fields, 'MessageStatus');
  if (rawStatus.kind === 'invalid') return rawStatus;
  if (rawStatus.value === undefined) return invalid('MessageStatus is missing');
  const status = rawStatus.value.trim().toLowerCase();
  if (!STATUS_PATTERN.test(status)) return invalid('MessageStatus is not a status word');

  if (isInbound(status)) return { kind: 'inbound', messageSid: sid.value, status };

  const observation: StatusObservation = {
    messageSid: sid.value,
    status,
    observedAt: receivedAt.toISOString(),
    source: 'callback',
  };
  const errorCode = optional(fields, 'ErrorCode');
  if (errorCode !== undefined && ERROR_CODE_PATTERN.test(errorCode) && Number(errorCode) !== 0) {
    observation.errorCode = Number(errorCode);
  }
  assign(observation, 'accountSid', accountSid.value);
  assign(observation, 'messagingServiceSid', serviceSid.value);
  assign(observation, 'from', optional(fields, 'From'));
  assign(observation, 'to', optional(fields, 'To'));
  assign(observation, 'rawDlrDoneDate', optional(fields, 'RawDlrDoneDate'));
  assign(observation, 'channelPrefix', optional(fields, 'ChannelPrefix'));
  assign(observation, 'channelInstallSid', optional(fields, 'ChannelInstallSid'));
  assign(observation, 'channelStatusMessage', optional(fields, 'ChannelStatusMessage'));
  assign(observation, 'eventType', optional(fields, 'EventType')?.toUpperCase());
  return { kind: 'status', observation };
}

function single(
  fields: FormFields,
  name: string,
): { kind: 'value'; value: string | undefined } | { kind: 'invalid'; reason: string } {
  const values = fields[name];
  if (values === undefined || values.length === 0) return { kind: 'value', value: undefined };
  const distinct = new Set(values);
  if (distinct.size > 1) return invalid(`${name} is given more than once with different values`);
  const value = values[0] ?? '';
  if (value.trim() === '') return { kind: 'value', value: undefined };
  return { kind: 'value', value: value.trim() };
}

/**
 * An identifier, matched exactly as sent: `SM...%0A` or ` AC...` is not the SID it resembles, and taking
 * it for one would write under (or check against) a key the sender never named. Absent or empty is
 * undefined; repeated with different values, or not matching `pattern`, is invalid.
 */
function identifier(
  fields: FormFields,
  name: string,
  pattern: RegExp,
  what: string,
): { kind: 'value'; value: string | undefined } | { kind: 'invalid'; reason: string } {
  const values = fields[name];
  if (values === undefined || values.length === 0 || values.every((v) => v === '')) {
    return { kind: 'value', value: undefined };
  }
  if (new Set(values).size > 1) return invalid(`${name} is given more than once with different values`);
  const value = values[0]!;
  if (!pattern.test(value)) {
    const spaced = value.trim() !== value ? ' (it has surrounding whitespace)' : '';
    return invalid(`${name} is not ${what}${spaced}`);
  }
  return { kind: 'value', value };
}

/** An optional field: the first value, bounded in length; ill-formed optional fields are dropped. */
function optional(fields: FormFields, name: string): string | undefined {
  const value = fields[name]?.[0]?.trim();
  if (value === undefined || value === '' || value.length > MAX_FIELD_LENGTH) return undefined;
  return value;
}

function assign<K extends keyof StatusObservation>(
  observation: StatusObservation,
  key: K,
  value: StatusObservation[K] | undefined,
): void {
  if (value !== undefined) observation[key] = value;
}

function invalid(reason: string): { kind: 'invalid'; reason: string } {
  return { kind: 'invalid', reason };
}
