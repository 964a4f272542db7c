/**
 * The reconciler's view of one message, read through the lean Messages resource (twilio-messages.ts).
 * Twilio's 404 becomes MessageNotFoundError (the message is gone); anything else is left for the
 * reconciler to judge. Kept apart from the sender's adapter so the sender's bundle carries none of it.
 */
import type { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
import { MessageNotFoundError, TwilioApiError, type FetchedMessage } from '../../use-cases/ports';

/** `messagesOf(accountSid)`: the Messages resource of that account (undefined: the credentials' own). */
export function twilioMessageFetcher(
  messagesOf: (accountSid: string | undefined) => MessageListInstance,
): (sid: string, accountSid?: string) => Promise<FetchedMessage> {
  return async (sid, accountSid) => {
    try {
      const m = await messagesOf(accountSid)(sid).fetch();
      return {
        sid: m.sid,
        status: m.status,
        errorCode: m.errorCode ?? undefined,
        accountSid: m.accountSid,
        messagingServiceSid: m.messagingServiceSid ?? undefined,
        from: m.from ?? undefined,
        to: m.to,
        dateCreated: m.dateCreated?.toISOString(),
        price: m.price ?? undefined,
        priceUnit: m.priceUnit ?? undefined,
      };
    } catch (error) {
      if (error instanceof TwilioApiError && error.httpStatus === 404) throw new MessageNotFoundError(sid);
      throw error;
    }
  };
}
