import type { IConstruct } from 'constructs';
import {
  acknowledgedRules,
  findingsOf,
  functionEnvironment,
  getAtt,
  logicalId,
  resource,
  resourcesOfType,
  rolePermissions,
  runAwsSolutionsChecks,
  runServerlessChecks,
  synthStack,
  trackerIds,
  type SynthesisedStack,
} from './stack-fixture';

const SERVICE_SID = 'MG0123456789abcdef0123456789abcdef';

describe('Messaging Service callback wiring', () => {
  it('is absent without messagingServiceSid', () => {
    const s = synthStack();
    expect(s.stack.tracker.messagingService).toBeUndefined();
    expect(Object.keys(s.template.findResources('Custom::TwilioMessagingServiceCallback'))).toEqual([]);
    // Nothing of the provider framework either.
    expect(JSON.stringify(s.template.toJSON())).not.toContain('framework.onEvent');
  });

  describe('with messagingServiceSid and alarmEmail', () => {
    let s: SynthesisedStack;
    let handler: ReturnType<typeof trackerIds>;
    let frameworkFn: string;
    let frameworkRole: string;
    let frameworkLogs: string;
    let secret: string;

    beforeAll(() => {
      s = synthStack({ messagingServiceSid: SERVICE_SID, alarmEmail: 'ops@example.com' });
      const wiring = s.stack.tracker.messagingService!;
      handler = trackerIds(s.stack, wiring.handler);
      secret = logicalId(s.stack, s.stack.tracker.twilioSecret);
      const [fnId, fn] = Object.entries(resourcesOfType(s, 'AWS::Lambda::Function')).find(
        ([, f]) => f.Properties.Handler === 'framework.onEvent',
      )!;
      frameworkFn = fnId;
      frameworkRole = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      frameworkLogs = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    });

    it('sets the service callback to the stack callback URL with retry overrides', () => {
      const resources = s.template.findResources('Custom::TwilioMessagingServiceCallback');
      expect(Object.values(resources)).toHaveLength(1);
      const custom = Object.values(resources)[0]!;
      expect(custom.Properties).toEqual({
        ServiceToken: getAtt(frameworkFn),
        MessagingServiceSid: SERVICE_SID,
        StatusCallbackUrl: {
          'Fn::Join': [
            '',
            [
              getAtt(logicalId(s.stack, s.stack.tracker.api), 'ApiEndpoint'),
              '/message-status#rc=5&rp=ct,rt,5xx',
            ],
          ],
        },
      });
      // Set once the callback route is live.
      expect(custom.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^TrackerApiDefaultStage/),
          expect.stringMatching(/^TrackerApiPOSTmessagestatus/),
        ]),
      );
    });

    it('runs a handler that may read the secret and nothing else', () => {
      expect(functionEnvironment(s, handler.fn)).toEqual({
        TWILIO_SECRET_ID: { Ref: secret },
      });
      expect(resource(s, handler.fn).Properties).toMatchObject({ Runtime: 'nodejs24.x', Timeout: 30 });
      const { role, statements } = rolePermissions(s, handler.role);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt(handler.logs),
        },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: { Ref: secret },
        },
      ]);
    });

    it("gives the provider framework's function a role that may only invoke the handler and log", () => {
      const { role, statements } = rolePermissions(s, frameworkRole);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt(frameworkLogs),
        },
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction', 'lambda:GetFunction'],
          Resource: getAtt(handler.fn),
        },
      ]);
      expect(resource(s, frameworkLogs)).toMatchObject({
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
      });
      // The framework function starts only once its policy exists.
      expect(resource(s, frameworkFn).DependsOn).toEqual(
        expect.arrayContaining([expect.stringMatching(/^TrackerMessagingServiceProviderRoleDefaultPolicy/)]),
      );
    });

    it("has no wildcard action or resource in any IAM policy but the stream consumer's ListStreams (and history objects)", () => {
      const policies = JSON.stringify(s.template.findResources('AWS::IAM::Policy'));
      const listStreams = JSON.stringify({ Action: 'dynamodb:ListStreams', Effect: 'Allow', Resource: '*' });
      // Firehose writes history objects under keys it makes (acknowledged in status-history.ts).
      const historyObjects = JSON.stringify({
        'Fn::Join': [
          '',
          [{ 'Fn::GetAtt': [logicalId(s.stack, s.stack.tracker.historyBucket!), 'Arn'] }, '/*'],
        ],
      });
      // The anomaly check's Athena query reads history objects and writes its results (history-anomalies.ts).
      const objectsUnder = (bucket: IConstruct, prefix: string) =>
        JSON.stringify({
          'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(s.stack, bucket), 'Arn'] }, `/${prefix}/*`]],
        });
      const history = s.stack.tracker.statusHistory!;
      const allowed = [
        listStreams,
        historyObjects,
        objectsUnder(history.bucket, 'history'),
        objectsUnder(history.resultsBucket, 'results'),
      ];
      expect(allowed.reduce((text, a) => text.split(a).join(''), policies)).not.toContain('*');
    });

    it('is clean under cdk-nag with no new acknowledgement', () => {
      const report = runAwsSolutionsChecks(s.stack);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
      expect(acknowledgedRules(s.stack, 'AwsSolutions')).toEqual({
        'TwilioStatusTracker-prod/Tracker/Events/Consumer/Role': ['AwsSolutions-IAM5[Resource::*]'],
        'TwilioStatusTracker-prod/Tracker/Events/FailureQueue': ['AwsSolutions-SQS3'],
        'TwilioStatusTracker-prod/Tracker/Reconciler/DeadLetterQueue': ['AwsSolutions-SQS3'],
        'TwilioStatusTracker-prod/Tracker/TwilioCredentials': ['AwsSolutions-SMG4'],
        'TwilioStatusTracker-prod/Tracker/Api/Api/POST--message-status/Resource': ['AwsSolutions-APIG4'],
        'TwilioStatusTracker-prod/Tracker/History/AccessLogs': ['AwsSolutions-S1'],
        'TwilioStatusTracker-prod/Tracker/History/HashKey': ['AwsSolutions-SMG4'],
        'TwilioStatusTracker-prod/Tracker/History/DeadLetters': ['AwsSolutions-SQS3'],
        'TwilioStatusTracker-prod/Tracker/History/DeliveryPolicy': [
          `AwsSolutions-IAM5[Resource::<${logicalId(s.stack, s.stack.tracker.historyBucket!)}.Arn>/*]`,
        ],
        'TwilioStatusTracker-prod/Tracker/History/AnomalyCheck/Role': [
          `AwsSolutions-IAM5[Resource::<${logicalId(s.stack, s.stack.tracker.historyBucket!)}.Arn>/history/*]`,
          `AwsSolutions-IAM5[Resource::<${logicalId(s.stack, s.stack.tracker.statusHistory!.resultsBucket)}.Arn>/results/*]`,
        ],
      });
    });

    it('is clean under the Serverless rules, the two functions of the wiring acknowledged on each', () => {
      expect(findingsOf(runServerlessChecks(s.stack))).toEqual([]);
      const wiring = Object.fromEntries(
        Object.entries(acknowledgedRules(s.stack, 'Serverless')).filter(([at]) =>
          at.includes('/MessagingService/'),
        ),
      );
      expect(wiring).toEqual({
        'TwilioStatusTracker-prod/Tracker/MessagingService/Handler/Function': [
          'Serverless-LambdaDLQ',
          'Serverless-LambdaTracing',
        ],
        // CDK's own function: its memory is not a prop of the Provider.
        'TwilioStatusTracker-prod/Tracker/MessagingService/Provider/framework-onEvent': [
          'Serverless-LambdaDLQ',
          'Serverless-LambdaDefaultMemorySize',
          'Serverless-LambdaTracing',
        ],
      });
    });
  });
});
