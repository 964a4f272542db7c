import { parseStatusCallback, type FormFields } from '../../../lambda/domain/callback';
import { maskAddress } from '../../../lambda/domain/masking';
import { describeTwilioError } from '../../../lambda/domain/error-codes';

const SID = 'SM1342fe1b2c904d1ab04f0fc7a58abca9';
const AT = new Date('2026-11-23T10:00:00.000Z');

function fields(values: Record<string, string | string[]>): FormFields {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

describe('parseStatusCallback', () => {
  it('parses the example callback of the reference guide', () => {
    const parsed = parseStatusCallback(
      fields({
        AccountSid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        From: '+15017250604',
        MessageSid: SID,
        MessageStatus: 'sent',
        SmsSid: SID,
        SmsStatus: 'sent',
      }),
      AT,
    );
    expect(parsed).toEqual({
      kind: 'status',
      observation: {
        messageSid: SID,
        status: 'sent',
        observedAt: '2026-11-23T10:00:00.000Z',
        source: 'callback',
        accountSid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        from: '+15017250604',
      },
    });
  });

  it('parses every field: error code, DLR done date, service, WhatsApp channel fields, event type', () => {
    const parsed = parseStatusCallback(
      fields({
        MessageSid: SID,
        MessageStatus: 'Undelivered',
        ErrorCode: '30003',
        RawDlrDoneDate: '2611231042',
        To: 'whatsapp:+14155551234',
        From: 'whatsapp:+15017250604',
        MessagingServiceSid: 'MG9752274e9e519418a7406176694466fa',
        ChannelPrefix: 'whatsapp',
        ChannelInstallSid: 'XE00000000000000000000000000000000',
        ChannelStatusMessage: 'Recipient unreachable',
        EventType: 'read',
        SomethingTwilioAddedLater: 'x',
      }),
      AT,
    );
    expect(parsed.kind).toBe('status');
    if (parsed.kind !== 'status') return;
    expect(parsed.observation).toMatchObject({
      status: 'undelivered',
      errorCode: 30003,
      rawDlrDoneDate: '2611231042',
      to: 'whatsapp:+14155551234',
      from: 'whatsapp:+15017250604',
      messagingServiceSid: 'MG9752274e9e519418a7406176694466fa',
      channelPrefix: 'whatsapp',
      channelInstallSid: 'XE00000000000000000000000000000000',
      channelStatusMessage: 'Recipient unreachable',
      eventType: 'READ',
    });
  });

  it('keeps a status it does not know (Twilio adds values without notice)', () => {
    const parsed = parseStatusCallback(fields({ MessageSid: SID, MessageStatus: 'teleported' }), AT);
    expect(parsed).toMatchObject({ kind: 'status', observation: { status: 'teleported' } });
  });

  it.each(['received', 'receiving'])('recognises the inbound status %s', (status) => {
    expect(parseStatusCallback(fields({ MessageSid: SID, MessageStatus: status }), AT)).toEqual({
      kind: 'inbound',
      messageSid: SID,
      status,
    });
  });

  it.each([
    [{ MessageStatus: 'sent' }, /MessageSid is missing/],
    [{ MessageSid: '', MessageStatus: 'sent' }, /MessageSid is missing/],
    [{ MessageSid: 'SM123', MessageStatus: 'sent' }, /not a message SID/],
    [{ MessageSid: `CA${SID.slice(2)}`, MessageStatus: 'sent' }, /not a message SID/],
    [{ MessageSid: SID }, /MessageStatus is missing/],
    [{ MessageSid: SID, MessageStatus: 'sent; DROP TABLE' }, /not a status word/],
    [{ MessageSid: SID, MessageStatus: 'x'.repeat(60) }, /not a status word/],
    [{ MessageSid: [SID, `SM${'0'.repeat(32)}`], MessageStatus: 'sent' }, /more than once/],
    [{ MessageSid: SID, MessageStatus: ['sent', 'delivered'] }, /more than once/],
  ])('rejects %j', (values, reason) => {
    const parsed = parseStatusCallback(fields(values as Record<string, string | string[]>), AT);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.reason).toMatch(reason);
  });

  it('accepts a repeated key that repeats the same value', () => {
    const parsed = parseStatusCallback(fields({ MessageSid: [SID, SID], MessageStatus: 'sent' }), AT);
    expect(parsed.kind).toBe('status');
  });

  it('drops ill-formed optional fields instead of rejecting the callback', () => {
    const parsed = parseStatusCallback(
      fields({
        MessageSid: SID,
        MessageStatus: 'failed',
        ErrorCode: 'abc',
        RawDlrDoneDate: '2613991200',
      }),
      AT,
    );
    expect(parsed.kind).toBe('status');
    if (parsed.kind !== 'status') return;
    expect(parsed.observation.errorCode).toBeUndefined();
    expect(parsed.observation.rawDlrDoneDate).toBe('2613991200');
  });

  // An identifier is a key (of the item, of the account the callback is signed for): near misses are
  // refused rather than dropped or trimmed into the SID they resemble.
  it.each([
    [
      'MessageSid',
      `${SID}\n`,
      'MessageSid is not a message SID (SM/MM + 32 hex) (it has surrounding whitespace)',
    ],
    ['MessageSid', `${SID} `, 'MessageSid is not a message SID'],
    ['MessageSid', `\t${SID}`, 'MessageSid is not a message SID'],
    [
      'AccountSid',
      `AC${'a'.repeat(32)} `,
      'AccountSid is not an account SID (AC + 32 hex) (it has surrounding whitespace)',
    ],
    ['AccountSid', 'nope', 'AccountSid is not an account SID (AC + 32 hex)'],
    ['MessagingServiceSid', `MG${'b'.repeat(31)}`, 'MessagingServiceSid is not a Messaging Service SID'],
  ])('refuses a %s that is not exactly a SID: %j', (name, value, reason) => {
    const parsed = parseStatusCallback(fields({ MessageSid: SID, MessageStatus: 'sent', [name]: value }), AT);
    expect(parsed).toEqual({ kind: 'invalid', reason: expect.stringContaining(reason) });
  });
});

describe('maskAddress', () => {
  it('keeps the country code, the last two digits and any channel prefix', () => {
    expect(maskAddress('+14155551234')).toBe('+14*******34');
    expect(maskAddress('whatsapp:+14155551234')).toBe('whatsapp:+14*******34');
    expect(maskAddress('1234')).toBe('****');
    expect(maskAddress(undefined)).toBeUndefined();
  });
});

describe('Twilio error catalogue', () => {
  it('explains common delivery failures', () => {
    expect(describeTwilioError(30003).message).toMatch(/unreachable/i);
    expect(describeTwilioError(21610).message).toMatch(/unsubscribed/i);
    expect(describeTwilioError(30007).message).toMatch(/filtered/i);
  });

  it('keeps an unknown code with a generic text', () => {
    expect(describeTwilioError(39999)).toEqual({
      code: 39999,
      message: 'Twilio error 39999',
      retryable: false,
    });
  });
});
