/**
 * What the use cases need from Twilio's Messages API, and the failures they tell apart. The adapter
 * (adapters/twilio-messages.ts) implements the port with the `twilio` helper library and throws these
 * errors; the sender decides from them whether to retry, give up for now or report a rejection, and the
 * reconciler whether a poll is worth another try.
 */

/** What the sender asks Twilio to create (camel-case names of the Messages resource's parameters). */
export interface CreateMessageParams {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body?: string;
  mediaUrls?: string[];
  statusCallback?: string;
  /** The (sub)account the message is sent as: its SID in the API path. Default the credentials' account. */
  accountSid?: string;
}

/** The fields of Twilio's Message resource the sender records. */
export interface CreatedMessage {
  sid: string;
  status: string;
  accountSid?: string;
  to?: string;
  /** Null for a message sent through a Messaging Service until a sender is picked. */
  from?: string | null;
  messagingServiceSid?: string | null;
  dateCreated?: Date | null;
}

/** The sender's port to Twilio: one create. Throws TwilioApiError, TwilioNetworkError or a credentials error. */
export interface MessagesPort {
  create(params: CreateMessageParams): Promise<CreatedMessage>;
}

/** Twilio answered with an error (its JSON error: code, message, more_info). */
export class TwilioApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number | undefined,
    message: string,
    readonly moreInfo?: string,
    /** Seconds from the `Retry-After` header (delta-seconds or HTTP date), when present. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'TwilioApiError';
  }
}

/** The request did not get an HTTP answer (refused, reset, timed out, DNS). */
export class TwilioNetworkError extends Error {
  constructor(
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`Twilio could not be reached${code ? ` (${code})` : ''}`, { cause });
    this.name = 'TwilioNetworkError';
  }
}

/** Twilio credentials cannot send (no account SID): a deployment fault, not a message fault. */
export class TwilioConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TwilioConfigurationError';
  }
}
