/**
 * Dead numbers: recipients whose messages fail for good. One rule, written once: which Twilio error codes
 * mark a recipient dead, and after how many distinct failed messages. Everything else (30003 once,
 * 30008, any code not listed) is transient and blocks nothing.
 *
 * Counting is by distinct message: the store keeps the SIDs of the messages that failed with a code, so a
 * replayed callback (the same message again) never counts twice.
 */
import { DEAD_NUMBERS_ROUTE_PATH } from './contract';
import { describeTwilioError } from './error-codes';

/** What a dead-number code means for the recipient, and how many distinct failed messages it takes. */
export interface DeadNumberRule {
  code: number;
  /** Distinct messages that must fail with this code before the recipient is dead. */
  threshold: number;
  /** What it means for the recipient (docs/api.md#dead-numbers). */
  meaning: string;
}

/** How many distinct 30005 (unknown destination) failures mark a recipient dead. */
export const UNKNOWN_DESTINATION_THRESHOLD = 3;

/**
 * The codes that mark a recipient dead. 30005 (unknown handset) can be a number briefly out of service,
 * so it takes three distinct messages; the others are a statement about the number itself.
 */
export const DEAD_NUMBER_RULES: readonly DeadNumberRule[] = [
  { code: 21211, threshold: 1, meaning: 'the number is not a valid phone number' },
  { code: 21610, threshold: 1, meaning: 'the recipient opted out (replied STOP); they must opt in again' },
  { code: 21614, threshold: 1, meaning: 'the number is not a mobile number' },
  {
    code: 30005,
    threshold: UNKNOWN_DESTINATION_THRESHOLD,
    meaning: 'the number is unknown to its carrier (inactive or not in service)',
  },
  { code: 30006, threshold: 1, meaning: 'the number is a landline or its carrier cannot take SMS' },
];

/** The rule for a code, if the code is one that may mark a recipient dead. */
export function deadNumberRuleOf(code: number | undefined): DeadNumberRule | undefined {
  if (code === undefined) return undefined;
  return DEAD_NUMBER_RULES.find((rule) => rule.code === code);
}

/** Whether `failures` distinct messages failed with `code` make the recipient dead. */
export function isDeadAfter(code: number, failures: number): boolean {
  const rule = deadNumberRuleOf(code);
  return rule !== undefined && failures >= rule.threshold;
}

/** Statuses whose error code says something about the recipient. */
const FAILED_STATUSES: ReadonlySet<string> = new Set(['failed', 'undelivered']);

/** A failure worth counting against a recipient: a failed/undelivered status with a dead-number code. */
export function countsAgainstRecipient(status: string, errorCode: number | undefined): boolean {
  return FAILED_STATUSES.has(status) && deadNumberRuleOf(errorCode) !== undefined;
}

/** What to do with a send to a dead number (the `deadNumberPolicy` setting). */
export type DeadNumberPolicy = 'refuse' | 'warn';
export const DEAD_NUMBER_POLICIES: readonly DeadNumberPolicy[] = ['refuse', 'warn'];
export const DEFAULT_DEAD_NUMBER_POLICY: DeadNumberPolicy = 'refuse';

export function isDeadNumberPolicy(value: unknown): value is DeadNumberPolicy {
  return (DEAD_NUMBER_POLICIES as readonly unknown[]).includes(value);
}

/** A recipient recorded as dead, as the API answers it. */
export interface DeadNumber {
  /** The recipient address as sent (`+14155550100`, `whatsapp:+14155550100`). */
  recipient: string;
  /** The code that made it dead. */
  reason: number;
  /** Twilio's meaning of the code (error-codes.ts). */
  reasonMessage: string;
  /** When it became dead (ISO). */
  deadSince: string;
  /** The message whose failure made it dead. */
  messageSid: string;
}

/** The API's path of one dead number (the recipient URL-encoded), how a refusal says to clear it. */
export const DEAD_NUMBERS_PATH = DEAD_NUMBERS_ROUTE_PATH;
export function deadNumberPath(recipient: string): string {
  return `${DEAD_NUMBERS_PATH}/${encodeURIComponent(recipient)}`;
}

/** The text a refused (or warned) send carries: the reason and how to clear it. */
export function deadNumberNotice(dead: Pick<DeadNumber, 'reason'>): string {
  const rule = deadNumberRuleOf(dead.reason);
  const meaning = rule?.meaning ?? describeTwilioError(dead.reason).message;
  return (
    `the recipient is recorded as a dead number (Twilio error ${dead.reason}: ${meaning}); ` +
    `clear it with DELETE ${DEAD_NUMBERS_PATH}/{number} or \`npm run cli -- dead-numbers clear <number>\``
  );
}
