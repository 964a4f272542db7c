/**
 * A status observation: one thing some path (a callback, the sender, the reconciler) learnt about a
 * message at a moment. Everything that writes a status builds one of these and hands it to
 * `applyStatusObservation`.
 */
import type { Tags } from './tags';

export type ObservationSource = 'callback' | 'send' | 'poll';

export interface StatusObservation {
  messageSid: string;
  /** Lower-case Twilio status; may be one this version does not know. */
  status: string;
  /** ISO-8601 time the status was observed (received, returned or fetched). */
  observedAt: string;
  source: ObservationSource;
  errorCode?: number;
  accountSid?: string;
  messagingServiceSid?: string;
  from?: string;
  to?: string;
  /** Carrier's DLR done date as Twilio passed it through (YYMMDDhhmm); its ISO form is derived on read. */
  rawDlrDoneDate?: string;
  channelPrefix?: string;
  channelInstallSid?: string;
  channelStatusMessage?: string;
  /** Post-delivery event, e.g. READ for a WhatsApp read receipt. */
  eventType?: string;
  /** Caller's own reference, from the sender. */
  clientReference?: string;
  /** When the message was created at Twilio (sender, reconciler). */
  createdAt?: string;
  /** Validated tags: the sender's request's (set as given) or the callback URL's (fill absent keys). */
  tags?: Tags;
}

/**
 * Fields that describe the message rather than one status: once known they never change, so any
 * observation may fill them in (first writer wins), whatever its rank.
 */
export const DESCRIPTIVE_FIELDS = [
  'accountSid',
  'messagingServiceSid',
  'from',
  'to',
  'rawDlrDoneDate',
  'channelPrefix',
  'channelInstallSid',
  'clientReference',
] as const satisfies ReadonlyArray<keyof StatusObservation>;
