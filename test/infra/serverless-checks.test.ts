/**
 * cdk-nag's Serverless rules beside the AWS Solutions ones (bin/app.ts runs both on every synth): clean
 * for every configuration the infra tests build, and X-Ray tracing as the `tracing` setting.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { StatusTracker } from '../../lib/status-tracker';
import {
  acknowledgedRules,
  actionsOf,
  findingsOf,
  logicalId,
  resourcesOfType,
  rolePermissions,
  runAwsSolutionsChecks,
  runServerlessChecks,
  synthStack,
  type SynthesisedStack,
} from './stack-fixture';

const SERVICE_SID = 'MG0123456789abcdef0123456789abcdef';

/** Every unacknowledged finding of both packs: errors and warnings alike. */
function nagFindings(scope: IConstruct): string[] {
  return [...findingsOf(runAwsSolutionsChecks(scope)), ...findingsOf(runServerlessChecks(scope))];
}

describe('cdk-nag, both packs', () => {
  it.each([
    ['events off', { events: false }],
    ['history off', { history: false }],
    ['the first list index only', { listIndexes: 1 }],
    ['an alarm e-mail and thresholds', { alarmEmail: 'ops@example.com', signatureRejectionThreshold: 5 }],
    ['a default sender', { defaultFrom: '+15005550006' }],
    [
      'a Messaging Service with its own callback',
      { messagingServiceSid: SERVICE_SID, useServiceCallback: true },
    ],
    ['a reconciler schedule of its own', { reconcileSchedule: 'cron(5 */2 * * ? *)' }],
    ['account secrets without shards', { accountSecretPrefix: 'twilio/accounts/' }],
    ['tracing, with a Messaging Service', { tracing: true, messagingServiceSid: SERVICE_SID }],
    ['tracing in dev', { tracing: 'true', stage: 'dev' }],
  ])('finds nothing unacknowledged in the app with %s', (_name, context) => {
    expect(nagFindings(synthStack(context).stack)).toEqual([]);
  });

  it('finds nothing unacknowledged in a user app: two trackers, and one given its secret, topic and bus', () => {
    const stack = new Stack(new App({ analyticsReporting: false }), 'Own');
    new StatusTracker(stack, 'Eu', { alarmEmail: 'eu-ops@example.com' });
    new StatusTracker(stack, 'Us', {
      twilioSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'twilio/main'),
      alarmTopic: new sns.Topic(stack, 'Pager', { enforceSSL: true }),
      eventBus: new events.EventBus(stack, 'Bus'),
      tracing: true,
    });
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('tracing', () => {
  const trackerFunctions = (s: SynthesisedStack) => {
    const { tracker } = s.stack;
    return [
      tracker.callbackApi.statusCallback,
      tracker.callbackApi.query,
      tracker.sending.sender,
      tracker.reconciling.reconciler,
      tracker.statusEvents!.consumer,
      tracker.statusHistory!.processor,
      ...(tracker.messagingService ? [tracker.messagingService.handler] : []),
    ];
  };

  it('is off by default: no function is traced and no role may write to X-Ray', () => {
    const s = synthStack();
    for (const fn of Object.values(resourcesOfType(s, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
    }
    for (const fn of trackerFunctions(s)) {
      const { statements } = rolePermissions(s, logicalId(s.stack, fn.role));
      expect(actionsOf(statements).filter((a) => a.startsWith('xray:'))).toEqual([]);
    }
  });

  describe('on', () => {
    let s: SynthesisedStack;
    beforeAll(() => {
      s = synthStack({ tracing: 'true', messagingServiceSid: SERVICE_SID });
    });

    it("traces every one of the tracker's functions, each role writing its traces and nothing more", () => {
      for (const fn of trackerFunctions(s)) {
        const props = resourcesOfType(s, 'AWS::Lambda::Function')[logicalId(s.stack, fn.function)]!
          .Properties;
        expect(props.TracingConfig).toEqual({ Mode: 'Active' });
        const { statements } = rolePermissions(s, logicalId(s.stack, fn.role));
        expect(statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('xray:')))).toEqual([
          {
            Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: '*',
          },
        ]);
      }
      expect(s.stack.tracker.settings.tracing).toBe(true);
    });

    it('acknowledges the X-Ray grant on each role instead of the tracing rule on each function', () => {
      const aws = acknowledgedRules(s.stack, 'AwsSolutions');
      const serverless = acknowledgedRules(s.stack, 'Serverless');
      for (const fn of trackerFunctions(s)) {
        expect(aws[fn.role.node.path]).toContain('AwsSolutions-IAM5[Resource::*]');
        expect(serverless[fn.function.node.path]).not.toContain('Serverless-LambdaTracing');
      }
      expect(nagFindings(s.stack)).toEqual([]);
    });
  });
});
