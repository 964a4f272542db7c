import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigError, readTrackerConfig } from '../../lib/config';

/** A stand-in for app.node: context as cdk.json (JSON types) or `-c key=value` (strings) gives it. */
function read(context: Record<string, unknown>) {
  return readTrackerConfig({ tryGetContext: (key: string) => context[key] });
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

describe('readTrackerConfig', () => {
  it('applies the defaults when the context is empty', () => {
    expect(read({})).toEqual({
      stage: 'prod',
      retentionDays: 400,
      logRetention: RetentionDays.ONE_MONTH,
      apiThrottleRateLimit: 200,
      apiThrottleBurstLimit: 400,
      pendingShards: 16,
      twilioSecretName: undefined,
      publicBaseUrl: undefined,
    });
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
  ])('rejects %j with a message naming the key', (context, message) => {
    expect(errorOf(context)).toMatch(message);
  });
});
