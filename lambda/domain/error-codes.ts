/**
 * Short meanings of the Twilio messaging error codes users meet most often, so a stored failure says
 * what went wrong without a trip to the console. Unknown codes are kept as numbers with a generic text.
 * Source: Twilio's public error dictionary (https://www.twilio.com/docs/api/errors).
 */
export interface TwilioErrorInfo {
  code: number;
  message: string;
  /** Whether sending the same message again later may succeed (for the sender's retry decision). */
  retryable: boolean;
}

const CATALOGUE: Readonly<Record<number, Omit<TwilioErrorInfo, 'code'>>> = {
  20003: { message: 'Authentication failed: check the account SID and auth token', retryable: false },
  20429: { message: 'Too many requests: the account exceeded its API rate limit', retryable: true },
  21211: { message: "Invalid 'To' phone number", retryable: false },
  21212: { message: "Invalid 'From' phone number", retryable: false },
  21408: { message: 'Permission to send an SMS has not been enabled for the region', retryable: false },
  21601: { message: 'Phone number is not a valid SMS-capable number', retryable: false },
  21602: { message: 'Message body is required', retryable: false },
  21606: {
    message: "The 'From' number is not a valid, SMS-capable number for this account",
    retryable: false,
  },
  21608: { message: 'Trial accounts can send only to verified numbers', retryable: false },
  21610: { message: 'Attempt to send to an unsubscribed recipient (opted out with STOP)', retryable: false },
  21611: { message: 'The sender has too many messages queued', retryable: true },
  21612: { message: "The 'To' and 'From' numbers cannot be connected by Twilio", retryable: false },
  21614: { message: "'To' number is not a valid mobile number", retryable: false },
  21617: { message: 'The message body exceeds the 1600 character limit', retryable: false },
  21635: { message: "'To' number cannot be a landline", retryable: false },
  30001: { message: 'Queue overflow: too many messages queued for the sender', retryable: true },
  30002: { message: 'Account suspended', retryable: false },
  30003: {
    message: 'Unreachable destination handset (off, out of coverage or unable to receive)',
    retryable: true,
  },
  30004: { message: 'Message blocked by the recipient or the carrier', retryable: false },
  30005: { message: 'Unknown destination handset (number inactive or not in service)', retryable: false },
  30006: { message: 'Landline or unreachable carrier', retryable: false },
  30007: { message: 'Message filtered by the carrier (spam or content rules)', retryable: false },
  30008: { message: 'Unknown error from the carrier', retryable: true },
  30009: { message: 'Missing segment of a multi-part message', retryable: true },
  30010: { message: 'Message price exceeds the max price set on the message', retryable: false },
  30011: { message: 'MMS not supported by the destination', retryable: false },
  30012: { message: 'Message expired before delivery (validity period too short)', retryable: false },
  30017: { message: 'Carrier network congestion', retryable: true },
  30018: { message: 'Destination carrier requires sender ID pre-registration', retryable: false },
  30019: { message: 'Content size exceeds the carrier limit', retryable: false },
  30022: { message: 'US A2P 10DLC: rate limit exceeded', retryable: true },
  30023: { message: 'US A2P 10DLC: daily message cap reached', retryable: true },
  30024: { message: 'Numeric sender ID not provisioned on the carrier', retryable: false },
  30032: { message: 'Toll-free number has not been verified', retryable: false },
  30034: { message: 'US A2P 10DLC: message from an unregistered number', retryable: false },
  30038: { message: 'OTP message body filtered', retryable: false },
  63003: { message: 'WhatsApp: channel could not find the To address', retryable: false },
  63016: {
    message: 'WhatsApp: free-form message outside the 24-hour window; use a template',
    retryable: false,
  },
  63018: { message: 'WhatsApp: rate limit exceeded for the channel', retryable: true },
  63024: { message: 'WhatsApp: invalid message recipient', retryable: false },
  63032: {
    message: 'WhatsApp: the recipient cannot receive this message (user unavailable)',
    retryable: false,
  },
};

/** Catalogue entry for a code; codes not in the catalogue keep their number with a generic text. */
export function describeTwilioError(code: number): TwilioErrorInfo {
  const known = CATALOGUE[code];
  if (known) return { code, ...known };
  return { code, message: `Twilio error ${code}`, retryable: false };
}
