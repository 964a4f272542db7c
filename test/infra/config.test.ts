import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigError, readAppConfig } from '../../lib/config';
import { resolveTrackerSettings } from '../../lib/tracker-settings';

/**
 * What the app makes of a context, as cdk.json (JSON types) or `-c key=value` (strings) gives it: the
 * app's own settings, and the construct's settings after its defaults and checks (the construct is the
 * one place both live).
 */
function read(context: Record<string, unknown>) {
  const config = readAppConfig({
    tryGetContext: (key: string) => context[key],
    getAllContext: () => context,
  });
  return {
    stage: config.stage,
    twilioSecretName: config.twilioSecretName,
    ...resolveTrackerSettings(config.props),
  };
}

function errorOf(context: Record<string, unknown>): string {
  try {
    read(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe("the app's context", () => {
  it('applies the defaults when the context is empty', () => {
    expect(read({})).toEqual({
      stage: 'prod',
      retentionDays: 400,
      logRetention: RetentionDays.ONE_MONTH,
      tracing: false,
      apiThrottleRateLimit: 1000,
      apiThrottleBurstLimit: 2000,
      pendingShards: 16,
      listIndexes: 4,
      twilioSecretName: undefined,
      publicBaseUrl: undefined,
      messagingServiceSid: undefined,
      defaultFrom: undefined,
      useServiceCallback: false,
      deadNumberPolicy: 'refuse',
      senderMaxConcurrency: 10,
      reconcileSchedule: 'rate(1 hour)',
      reconcileMinAgeHours: 12,
      reconcileHorizonHours: 72,
      reconcileConcurrency: 8,
      alarmEmail: undefined,
      signatureRejectionThreshold: 50,
      failureRateThreshold: 0.1,
      events: true,
      accountSecretPrefix: undefined,
      accountSecretShards: 0,
      history: true,
      historyRetentionDays: 400,
      historyErrorRetentionDays: 400,
      historyBufferSeconds: 300,
      historyScanLimitBytes: 10_000_000_000,
    });
  });

  it('reads the history settings from command-line strings, the retention following retentionDays', () => {
    expect(
      read({
        retentionDays: '90',
        historyBufferSeconds: '900',
        historyScanLimitBytes: '1000000000',
      }),
    ).toMatchObject({
      history: true,
      historyRetentionDays: 90,
      historyErrorRetentionDays: 90,
      historyBufferSeconds: 900,
      historyScanLimitBytes: 1_000_000_000,
    });
    expect(read({ retentionDays: 90, historyRetentionDays: 730 })).toMatchObject({
      historyRetentionDays: 730,
      // Error objects may hold whole events, numbers included: no longer than the table keeps them.
      historyErrorRetentionDays: 90,
    });
  });

  it('turns history off with events, or on its own', () => {
    expect(read({ events: 'false' })).toMatchObject({ events: false, history: false });
    expect(read({ history: 'false' })).toMatchObject({ events: true, history: false });
  });

  it('reads the sender, reconciler and alarm settings from command-line strings', () => {
    expect(
      read({
        messagingServiceSid: 'MG0123456789abcdef0123456789ABCDEF',
        useServiceCallback: 'true',
        senderMaxConcurrency: '50',
        reconcileSchedule: 'cron(15 * * * ? *)',
        reconcileMinAgeHours: '6',
        reconcileHorizonHours: '48',
        reconcileConcurrency: '4',
        alarmEmail: 'ops@example.com',
        signatureRejectionThreshold: '0',
        failureRateThreshold: '0.25',
      }),
    ).toMatchObject({
      messagingServiceSid: 'MG0123456789abcdef0123456789ABCDEF',
      useServiceCallback: true,
      senderMaxConcurrency: 50,
      reconcileSchedule: 'cron(15 * * * ? *)',
      reconcileMinAgeHours: 6,
      reconcileHorizonHours: 48,
      reconcileConcurrency: 4,
      alarmEmail: 'ops@example.com',
      signatureRejectionThreshold: 0,
      failureRateThreshold: 0.25,
    });
  });

  it.each([['+15005550006'], ['whatsapp:+15005550006'], ['12345'], ['ACME Ltd']])(
    'accepts %j as the default from',
    (defaultFrom) => {
      expect(read({ defaultFrom }).defaultFrom).toBe(defaultFrom);
    },
  );

  it.each([
    ['rate(1 day)'],
    ['rate(5 minutes)'],
    ['rate(2 hours)'],
    ['cron(0 6 * * ? *)'],
    ['cron(0 * ? * MON-FRI *)'],
  ])('accepts the schedule %s', (reconcileSchedule) => {
    expect(read({ reconcileSchedule }).reconcileSchedule).toBe(reconcileSchedule);
  });

  it('turns X-Ray tracing on from a command-line string or a JSON boolean', () => {
    expect(read({ tracing: 'true' }).tracing).toBe(true);
    expect(read({ tracing: true }).tracing).toBe(true);
    expect(read({ tracing: 'false' }).tracing).toBe(false);
  });

  it('takes JSON booleans for useServiceCallback', () => {
    expect(read({ useServiceCallback: true }).useServiceCallback).toBe(true);
    expect(read({ useServiceCallback: false }).useServiceCallback).toBe(false);
  });

  it('accepts command-line strings as well as JSON numbers', () => {
    const config = read({
      stage: 'dev',
      retentionDays: '30',
      logRetentionDays: '90',
      apiThrottleRateLimit: '50',
      apiThrottleBurstLimit: 100,
      pendingShards: '4',
    });
    expect(config).toMatchObject({
      stage: 'dev',
      retentionDays: 30,
      logRetention: RetentionDays.THREE_MONTHS,
      apiThrottleRateLimit: 50,
      apiThrottleBurstLimit: 100,
      pendingShards: 4,
    });
  });

  it('treats an empty -c value as unset', () => {
    expect(read({ twilioSecretName: '', publicBaseUrl: '' })).toMatchObject({
      twilioSecretName: undefined,
      publicBaseUrl: undefined,
    });
  });

  it('keeps only the origin of publicBaseUrl', () => {
    expect(read({ publicBaseUrl: 'https://SMS.Example.com/' }).publicBaseUrl).toBe('https://sms.example.com');
  });

  it.each([
    [{ stage: 'Prod' }, /"stage" must be 1-20 lowercase letters/],
    [{ stage: 'prod_eu' }, /"stage"/],
    [{ stage: 7 }, /"stage" must be a string/],
    [{ retentionDays: 0 }, /"retentionDays" must be a whole number between 1 and 36500; got 0/],
    [{ retentionDays: '12.5' }, /"retentionDays" must be a whole number/],
    [{ retentionDays: 'forever' }, /"retentionDays" must be a whole number/],
    [
      { logRetentionDays: 10 },
      /"logRetentionDays" must be a CloudWatch Logs retention period \(1, 3, 5, 7, 14, 30/,
    ],
    [{ apiThrottleRateLimit: -1 }, /"apiThrottleRateLimit" must be a whole number >= 1/],
    [{ apiThrottleBurstLimit: ' ' }, /"apiThrottleBurstLimit" must be a whole number/],
    [{ pendingShards: 1000 }, /"pendingShards" must be a whole number between 1 and 256/],
    [
      { twilioSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf' },
      /takes the secret's name.*not its ARN/,
    ],
    [{ twilioSecretName: 'has space' }, /"twilioSecretName" must be a Secrets Manager secret name/],
    [{ publicBaseUrl: 'sms.example.com' }, /"publicBaseUrl" must be an absolute URL/],
    [{ publicBaseUrl: 'http://sms.example.com' }, /must be an https origin/],
    [{ publicBaseUrl: 'https://sms.example.com/twilio' }, /must be an https origin with no path/],
    [{ publicBaseUrl: 'https://sms.example.com#rc=5' }, /must be an https origin/],
    [{ publicBaseUrl: 'https://user:pw@sms.example.com' }, /must not contain credentials/],
    [
      { messagingServiceSid: 'MG123' },
      /"messagingServiceSid" must be a Messaging Service SID: MG followed by 32/,
    ],
    [{ messagingServiceSid: 'AC0123456789abcdef0123456789abcdef' }, /"messagingServiceSid"/],
    [{ defaultFrom: 'not a number!' }, /"defaultFrom" must be an E.164 number/],
    [
      { defaultFrom: '+15005550006', messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' },
      /"defaultFrom" and "messagingServiceSid" cannot both be set/,
    ],
    [{ useServiceCallback: 'yes' }, /"useServiceCallback" must be true or false; got "yes"/],
    [{ senderMaxConcurrency: 1 }, /"senderMaxConcurrency" must be a whole number between 2 and 1000/],
    [{ reconcileSchedule: 'every hour' }, /"reconcileSchedule" must be an EventBridge schedule/],
    [
      { reconcileSchedule: 'cron(0 * * * *)' },
      /"reconcileSchedule" must be an EventBridge schedule.*six fields/,
    ],
    [{ reconcileSchedule: 'cron(0 * * * * *)' }, /"reconcileSchedule".*"\?" in day-of-month or day-of-week/],
    [{ reconcileSchedule: 'rate(1 hours)' }, /"reconcileSchedule" must use a singular unit for 1/],
    [{ reconcileSchedule: 'rate(2 hour)' }, /"reconcileSchedule" must use a singular unit for 1/],
    [
      { reconcileSchedule: 'rate(1 minute)' },
      /"reconcileSchedule" must not fire more often than every 5 minutes/,
    ],
    [{ reconcileMinAgeHours: 0 }, /"reconcileMinAgeHours" must be a whole number between 1 and 8760/],
    [{ reconcileHorizonHours: 'long' }, /"reconcileHorizonHours" must be a whole number/],
    [
      { reconcileMinAgeHours: 24, reconcileHorizonHours: 24 },
      /"reconcileHorizonHours" \(24\) must be greater than "reconcileMinAgeHours" \(24\)/,
    ],
    [{ reconcileConcurrency: 100 }, /"reconcileConcurrency" must be a whole number between 1 and 50/],
    [{ alarmEmail: 'ops' }, /"alarmEmail" must be an e-mail address; got "ops"/],
    [{ signatureRejectionThreshold: -1 }, /"signatureRejectionThreshold" must be a whole number >= 0/],
    [{ failureRateThreshold: 'ten' }, /"failureRateThreshold" must be a number; got "ten"/],
    [
      { failureRateThreshold: 1 },
      /"failureRateThreshold" must be a fraction from 0 up to \(not including\) 1/,
    ],
    [{ failureRateThreshold: -0.1 }, /"failureRateThreshold" must be a fraction/],
    [{ history: 'yes' }, /"history" must be true or false; got "yes"/],
    [{ tracing: 'on' }, /"tracing" must be true or false; got "on"/],
    [{ events: 'false', history: 'true' }, /"history" needs "events"/],
    [{ historyRetentionDays: 'a year' }, /"historyRetentionDays" must be a whole number/],
    [{ historyRetentionDays: 40000 }, /"historyRetentionDays" must be a whole number between 1 and 36500/],
    [{ historyBufferSeconds: 59 }, /"historyBufferSeconds" must be a whole number between 60 and 900/],
    [{ historyScanLimitBytes: 9_999_999 }, /"historyScanLimitBytes" must be a whole number >= 10000000/],
    [{ history: false, historyBufferSeconds: 60 }, /"historyBufferSeconds" is set but "history" is off/],
    [{ accountSecretShards: 64 }, /"accountSecretShards" is set but "accountSecretPrefix" is not/],
    [{ accountSecretShards: '0' }, /"accountSecretShards" is set but "accountSecretPrefix" is not/],
  ])('rejects %j with a message naming the key', (context, message) => {
    const error = errorOf(context);
    expect(error).toMatch(message);
    // One line: it is printed as is by bin/app.ts.
    expect(error).not.toContain('\n');
  });

  it.each([
    ['alarmEmial', 'alarmEmail'],
    ['pendingShard', 'pendingShards'],
    ['RetentionDays', 'retentionDays'],
    ['reconcileSchedual', 'reconcileSchedule'],
  ])('stops at the unknown key %s and names %s', (typo, known) => {
    expect(errorOf({ [typo]: 'x' })).toBe(`Unknown context key "${typo}"; did you mean "${known}"?`);
  });

  it('lists the known keys when nothing is close', () => {
    expect(errorOf({ colour: 'blue' })).toMatch(
      /^Unknown context key "colour"; known keys: stage, retentionDays, /,
    );
  });

  it("leaves the CDK toolkit's own keys alone", () => {
    expect(
      read({ 'aws:cdk:enable-path-metadata': true, '@aws-cdk/core:newStyleStackSynthesis': true }).stage,
    ).toBe('prod');
  });
});
