/** The send request's rules (pure): what is accepted, what is refused and why, which sender is used. */
import {
  MAX_BODY_LENGTH,
  MAX_CLIENT_REFERENCE_LENGTH,
  checkSendDefaults,
  classifyCreateFailure,
  statusCallbackFor,
  validateSendRequest,
  type SendDefaults,
} from '../../lambda/domain/send-request';
import { senderConfigFromEnv } from '../../lambda/composition/sender-config';

const SERVICE = 'MG' + 'a'.repeat(32);
const FROM = '+15005550006';

function refused(input: unknown, defaults: SendDefaults = { from: FROM }) {
  const result = validateSendRequest(input, defaults);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.command)}`);
  return result.error;
}

function accepted(input: unknown, defaults: SendDefaults = { from: FROM }) {
  const result = validateSendRequest(input, defaults);
  if (!result.ok) throw new Error(`expected acceptance, got ${result.error.message}`);
  return result.command;
}

describe('recipients', () => {
  it.each(['+14155551234', 'whatsapp:+14155551234', '+447700900123'])('accepts %s', (to) => {
    const defaults = to.startsWith('whatsapp:') ? { messagingServiceSid: SERVICE } : { from: FROM };
    expect(accepted({ to, body: 'hi' }, defaults).to).toBe(to);
  });

  it.each([
    ['no plus', '14155551234'],
    ['leading zero', '+04155551234'],
    ['too long', '+1234567890123456'],
    ['letters', '+1415555CALL'],
    ['spaces', '+1 415 555 1234'],
    ['other channel', 'messenger:+14155551234'],
    ['empty', ''],
  ])('refuses %s', (_name, to) => {
    const error = refused({ to, body: 'hi' });
    expect(error).toMatchObject({ type: 'ValidationError', field: 'to', retryable: false });
  });

  it('refuses a missing or non-string "to"', () => {
    expect(refused({ body: 'hi' }).message).toBe('"to" is required');
    expect(refused({ to: 14155551234, body: 'hi' }).message).toBe('"to" must be a string');
  });
});

describe('content', () => {
  it('needs a body, media or both', () => {
    expect(refused({ to: '+14155551234' })).toMatchObject({ field: 'body' });
    expect(refused({ to: '+14155551234', body: '   ' })).toMatchObject({ field: 'body' });
    expect(accepted({ to: '+14155551234', mediaUrls: ['https://example.com/a.png'] }).body).toBeUndefined();
    expect(
      accepted({ to: '+14155551234', body: 'x', mediaUrls: ['https://example.com/a.png'] }),
    ).toMatchObject({ body: 'x', mediaUrls: ['https://example.com/a.png'] });
  });

  it(`allows ${MAX_BODY_LENGTH} characters, counting an emoji as one`, () => {
    expect(accepted({ to: '+14155551234', body: 'a'.repeat(MAX_BODY_LENGTH) }).body).toHaveLength(1600);
    expect(accepted({ to: '+14155551234', body: '😀'.repeat(MAX_BODY_LENGTH) })).toBeDefined();
    expect(refused({ to: '+14155551234', body: 'a'.repeat(MAX_BODY_LENGTH + 1) })).toMatchObject({
      field: 'body',
      message: '"body" is longer than 1600 characters',
    });
  });

  it('keeps the body as written (no trimming)', () => {
    expect(accepted({ to: '+14155551234', body: '  two spaces  ' }).body).toBe('  two spaces  ');
  });

  it('requires https media URLs; http only when allowed (local runs)', () => {
    const http = { to: '+14155551234', mediaUrls: ['http://example.com/a.png'] };
    expect(refused(http)).toMatchObject({
      field: 'mediaUrls[0]',
      message: 'mediaUrls[0] must be an https URL',
    });
    expect(accepted(http, { from: FROM, allowHttpMedia: true }).mediaUrls).toEqual([
      'http://example.com/a.png',
    ]);
  });

  it.each([
    ['not a URL', ['not a url'], 'mediaUrls[0] is not an absolute URL'],
    ['ftp', ['ftp://example.com/a.png'], 'mediaUrls[0] must be an https URL'],
    [
      'credentials',
      ['https://user:pw@example.com/a.png'],
      'mediaUrls[0] must not carry a user name or password',
    ],
    ['second one bad', ['https://example.com/a.png', 42], 'mediaUrls[1] must be a URL'],
    ['a string, not an array', 'https://example.com/a.png', '"mediaUrls" must be an array of URLs'],
    [
      'eleven',
      Array.from({ length: 11 }, (_, i) => `https://example.com/${i}.png`),
      '"mediaUrls" may hold at most 10 URLs',
    ],
  ])('refuses media: %s', (_name, mediaUrls, message) => {
    expect(refused({ to: '+14155551234', body: 'x', mediaUrls }).message).toBe(message);
  });
});

describe('sender: exactly one of from / messagingServiceSid', () => {
  it('uses the request sender over any default', () => {
    const fromRequest = accepted(
      { to: '+14155551234', body: 'x', from: '+15017250604' },
      { messagingServiceSid: SERVICE },
    );
    expect(fromRequest.from).toBe('+15017250604');
    expect(fromRequest.messagingServiceSid).toBeUndefined();
    const serviceRequest = accepted(
      { to: '+14155551234', body: 'x', messagingServiceSid: SERVICE },
      { from: FROM },
    );
    expect(serviceRequest.messagingServiceSid).toBe(SERVICE);
    expect(serviceRequest.from).toBeUndefined();
  });

  it('falls back to the one configured default', () => {
    expect(accepted({ to: '+14155551234', body: 'x' }, { from: FROM }).from).toBe(FROM);
    expect(
      accepted({ to: '+14155551234', body: 'x' }, { messagingServiceSid: SERVICE }).messagingServiceSid,
    ).toBe(SERVICE);
  });

  it('refuses both in one request', () => {
    expect(
      refused({ to: '+14155551234', body: 'x', from: FROM, messagingServiceSid: SERVICE }, {}),
    ).toMatchObject({ field: 'from', message: 'give either "from" or "messagingServiceSid", not both' });
  });

  it('refuses neither when no default is configured', () => {
    expect(refused({ to: '+14155551234', body: 'x' }, {})).toMatchObject({
      field: 'from',
      message: 'give "from" or "messagingServiceSid" (no default sender is configured)',
    });
  });

  it('accepts short codes and alphanumeric sender IDs, refuses junk', () => {
    expect(accepted({ to: '+14155551234', body: 'x', from: '12345' }, {}).from).toBe('12345');
    expect(accepted({ to: '+447700900123', body: 'x', from: 'ACME Ltd' }, {}).from).toBe('ACME Ltd');
    expect(refused({ to: '+14155551234', body: 'x', from: 'ACME Limited Co' }, {}).field).toBe('from');
    expect(refused({ to: '+14155551234', body: 'x', messagingServiceSid: 'MG123' }, {}).field).toBe(
      'messagingServiceSid',
    );
  });

  it('refuses a WhatsApp recipient with an SMS sender, and the reverse', () => {
    expect(refused({ to: 'whatsapp:+14155551234', body: 'x', from: FROM }, {}).field).toBe('from');
    expect(refused({ to: '+14155551234', body: 'x', from: `whatsapp:${FROM}` }, {}).field).toBe('from');
    expect(accepted({ to: 'whatsapp:+14155551234', body: 'x', from: `whatsapp:${FROM}` }, {}).from).toBe(
      `whatsapp:${FROM}`,
    );
  });

  it("sends a WhatsApp recipient from the default number's WhatsApp address", () => {
    const defaults = { from: FROM };
    expect(accepted({ to: 'whatsapp:+14155551234', body: 'x' }, defaults).from).toBe(`whatsapp:${FROM}`);
    expect(accepted({ to: '+14155551234', body: 'x' }, defaults).from).toBe(FROM);
    // A short code or sender ID has no WhatsApp address: the refusal stands.
    expect(refused({ to: 'whatsapp:+14155551234', body: 'x' }, { from: '12345' }).field).toBe('from');
  });
});

describe('clientReference and idempotencyKey', () => {
  it(`keeps a reference up to ${MAX_CLIENT_REFERENCE_LENGTH} characters and refuses a longer one`, () => {
    const ok = 'r'.repeat(MAX_CLIENT_REFERENCE_LENGTH);
    expect(accepted({ to: '+14155551234', body: 'x', clientReference: ok }).clientReference).toBe(ok);
    expect(refused({ to: '+14155551234', body: 'x', clientReference: ok + 'r' })).toMatchObject({
      field: 'clientReference',
      message: '"clientReference" is longer than 256 characters',
    });
  });

  it('refuses control characters and non-strings', () => {
    expect(refused({ to: '+14155551234', body: 'x', clientReference: 'a\nb' }).field).toBe('clientReference');
    expect(refused({ to: '+14155551234', body: 'x', idempotencyKey: 42 }).field).toBe('idempotencyKey');
    expect(refused({ to: '+14155551234', body: 'x', idempotencyKey: 'k'.repeat(257) }).field).toBe(
      'idempotencyKey',
    );
  });
});

describe('the request as a whole', () => {
  it.each([null, 'text', 42, [], undefined])('refuses %p without throwing', (input) => {
    expect(refused(input)).toMatchObject({ type: 'ValidationError', field: 'request' });
  });

  it('refuses unknown (misspelt) fields instead of dropping them', () => {
    expect(refused({ to: '+14155551234', body: 'x', mediaUrl: 'https://example.com/a.png' })).toMatchObject({
      field: 'mediaUrl',
    });
  });
});

describe('configured defaults', () => {
  it('refuses both defaults, and malformed ones', () => {
    expect(checkSendDefaults({ from: FROM, messagingServiceSid: SERVICE })).toMatch(/not both/);
    expect(checkSendDefaults({ from: 'nope nope nope' })).toMatch(/default "from"/);
    expect(checkSendDefaults({ messagingServiceSid: 'MG1' })).toMatch(/MG followed by 32/);
    expect(checkSendDefaults({ from: FROM })).toBeUndefined();
  });

  it('reads the environment and fails on a contradictory or missing setting', () => {
    expect(
      senderConfigFromEnv({
        STATUS_CALLBACK_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/message-status#rc=3',
        DEFAULT_MESSAGING_SERVICE_SID: SERVICE,
      }),
    ).toEqual({
      defaults: { from: undefined, messagingServiceSid: SERVICE, allowHttpMedia: false },
      statusCallbackUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/message-status#rc=3',
      useServiceCallback: false,
      idempotencyExpiresAfterSeconds: undefined,
    });
    expect(senderConfigFromEnv({ USE_SERVICE_CALLBACK: 'true' }).useServiceCallback).toBe(true);
    expect(() => senderConfigFromEnv({})).toThrow(/STATUS_CALLBACK_URL/);
    expect(() => senderConfigFromEnv({ USE_SERVICE_CALLBACK: 'yes' })).toThrow(/"true" or "false"/);
    expect(() => senderConfigFromEnv({ STATUS_CALLBACK_URL: 'https://my_host/x' })).toThrow(/underscore/);
    expect(() =>
      senderConfigFromEnv({ USE_SERVICE_CALLBACK: 'true', IDEMPOTENCY_TTL_SECONDS: '-1' }),
    ).toThrow(/IDEMPOTENCY_TTL_SECONDS/);
  });
});

describe('which StatusCallback a message carries', () => {
  const url = 'https://cb.example.com/message-status#rc=5';

  it('carries the configured URL by default (scenario 1, and a service with a message-level URL)', () => {
    expect(statusCallbackFor({}, { statusCallbackUrl: url, useServiceCallback: false })).toBe(url);
    expect(
      statusCallbackFor(
        { messagingServiceSid: SERVICE },
        { statusCallbackUrl: url, useServiceCallback: false },
      ),
    ).toBe(url);
  });

  it('carries none through a Messaging Service when its service-level callback is used (scenario 2)', () => {
    expect(
      statusCallbackFor(
        { messagingServiceSid: SERVICE },
        { statusCallbackUrl: url, useServiceCallback: true },
      ),
    ).toBeUndefined();
    // A bare "from" has no service callback to rely on.
    expect(statusCallbackFor({}, { statusCallbackUrl: url, useServiceCallback: true })).toBe(url);
  });
});

describe('which create failures are retried', () => {
  it.each([
    [429, 20429, 'retry'],
    [500, 20500, 'retry'],
    [503, undefined, 'retry'],
    [400, 21611, 'retry'],
    [401, 20003, 'later'],
    [404, 20404, 'later'],
    [400, 21211, 'reject'],
    [400, 21610, 'reject'],
    [400, 21614, 'reject'],
    [400, 21617, 'reject'],
    [400, 99999, 'reject'],
  ] as const)('HTTP %d code %p: %s', (status, code, decision) => {
    expect(classifyCreateFailure(status, code)).toBe(decision);
  });
});
