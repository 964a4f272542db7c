/**
 * `npm run send`: one message through the tracker's sender, which records it the moment Twilio accepts
 * it. Locally `POST /messages`; with --stack an invocation of the sender function.
 */
import { validateSendRequest, type SendRequest } from '../../lambda/domain/send-request';
import { UsageError } from './errors';
import { defineCommand, TARGET_OPTIONS } from './options';
import { describeErrorAnswer, withTracker } from './tracker';

export const send = defineCommand(
  {
    name: 'send',
    usage: '--to NUMBER (--body TEXT | --media URL) [options]',
    summary: 'Send one message through the tracker and print its SID and first status.',
    options: {
      to: {
        type: 'string',
        value: 'NUMBER',
        help: 'recipient: E.164 (+14155551234) or whatsapp:+14155551234',
      },
      body: { type: 'string', value: 'TEXT', help: 'the text, up to 1,600 characters' },
      media: { type: 'string', multiple: true, value: 'URL', help: 'a media URL (MMS, WhatsApp)' },
      from: {
        type: 'string',
        value: 'SENDER',
        help: "sender number, short code or sender ID (default: the tracker's; its whatsapp: address for WhatsApp)",
      },
      service: {
        type: 'string',
        value: 'MG...',
        help: 'send through this Messaging Service instead of --from',
      },
      ref: {
        type: 'string',
        value: 'REF',
        help: 'your reference, stored with the message (clientReference)',
      },
      key: { type: 'string', value: 'KEY', help: 'idempotency key: the same key never sends twice (24 h)' },
      json: { type: 'boolean', help: "print the sender's answer as JSON" },
      ...TARGET_OPTIONS,
    },
    examples: [
      'npm run send -- --to +14155551234 --body "Hello" --ref order-42',
      'npm run send -- --to whatsapp:+14155551234 --body "Hello"',
      'npm run send -- --stack TwilioStatusTracker-prod --profile my-sso-profile --to +14155551234 --body hi',
    ],
  },
  async ({ values }, io) => {
    if (!values.to)
      throw new UsageError('--to is required (E.164, e.g. +14155551234, or whatsapp:+14155551234)');
    if (!values.body && !values.media?.length) throw new UsageError('give --body and/or --media');
    const request: SendRequest = {
      to: values.to,
      body: values.body,
      from: values.from,
      messagingServiceSid: values.service,
      mediaUrls: values.media,
      clientReference: values.ref,
      idempotencyKey: values.key,
    };
    checkAsTheSenderWould(request);
    const answer = await withTracker(values, (tracker) => tracker.send(request));
    if (!answer.ok) {
      const status = answer.httpStatus === undefined ? '' : ` (${answer.httpStatus})`;
      io.err(`send failed${status}: ${describeErrorAnswer(answer.error)}`);
      return 1;
    }
    io.out(
      values.json
        ? JSON.stringify({ messageSid: answer.messageSid, status: answer.status })
        : `${answer.messageSid} ${answer.status}`,
    );
    return 0;
  },
);

/** The option each request field comes from. */
const OPTION_OF_FIELD: Record<string, string> = {
  to: '--to',
  body: '--body',
  mediaUrls: '--media',
  messagingServiceSid: '--service',
  clientReference: '--ref',
  idempotencyKey: '--key',
};

/**
 * Runs the sender's own validation (the function the server answers with) before any request, so a
 * value it would refuse (`--to 4155551234`) is exit code 2 named by its option. Only the fields whose
 * rule does not depend on the server's settings: the default sender and whether http media is allowed
 * are the server's to judge, so the check passes a sender and allows http here.
 */
/** Twilio's magic test number, standing in for whatever default sender the server has (or not). */
const STAND_IN_DEFAULT_SENDER = '+15005550006';

function checkAsTheSenderWould(request: SendRequest): void {
  const checked = validateSendRequest(request, { allowHttpMedia: true, from: STAND_IN_DEFAULT_SENDER });
  if (checked.ok) return;
  const option = OPTION_OF_FIELD[checked.error.field];
  if (option) throw new UsageError(`${option}: ${checked.error.message}`);
}
