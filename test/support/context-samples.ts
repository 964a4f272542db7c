/**
 * A value for each context key of the ready-made app, unlike its default, as `-c key=value` gives it
 * (a string); a key that needs another names it with `needs`. The settings-table test and the CDK CLI
 * synth test both use these, and both fail when a context key has no sample here.
 */
export const CONTEXT_SAMPLES: Record<string, { value: string; needs?: Record<string, string> }> = {
  stage: { value: 'dev' },
  retentionDays: { value: '90' },
  logRetentionDays: { value: '7' },
  twilioSecretName: { value: 'twilio/status-tracker' },
  publicBaseUrl: { value: 'https://sms.example.com' },
  apiThrottleRateLimit: { value: '200' },
  apiThrottleBurstLimit: { value: '400' },
  messagingServiceSid: { value: 'MG0123456789abcdef0123456789abcdef' },
  defaultFrom: { value: '+15005550006' },
  useServiceCallback: { value: 'true' },
  deadNumberPolicy: { value: 'warn' },
  senderMaxConcurrency: { value: '5' },
  pendingShards: { value: '32' },
  listIndexes: { value: '1' },
  tagIndexKey: { value: 'campaign' },
  reconcileSchedule: { value: 'rate(2 hours)' },
  reconcileMinAgeHours: { value: '6' },
  reconcileHorizonHours: { value: '48' },
  reconcileConcurrency: { value: '4' },
  alarmEmail: { value: 'ops@example.com' },
  signatureRejectionThreshold: { value: '10' },
  failureRateThreshold: { value: '0.2' },
  accountSecretPrefix: { value: 'twilio/accounts/' },
  accountSecretShards: { value: '4', needs: { accountSecretPrefix: 'twilio/accounts/' } },
  tracing: { value: 'true' },
  events: { value: 'false' },
  history: { value: 'false' },
  historyRetentionDays: { value: '30' },
  historyBufferSeconds: { value: '60' },
  historyScanLimitBytes: { value: '1000000000' },
};
