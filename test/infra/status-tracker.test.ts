/** The construct as a user's own CDK app uses it: several trackers, resources passed in, grants. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { StatusTracker } from '../../lib/status-tracker';
import { ConfigError } from '../../lib/tracker-props';
import { logicalId, type Resource, type Statement } from './stack-fixture';

function statementsOf(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('StatusTracker', () => {
  describe('two trackers in one stack', () => {
    let template: Template;
    beforeAll(() => {
      const stack = new Stack(new App({ analyticsReporting: false }), 'Shared');
      new StatusTracker(stack, 'Eu', { alarmEmail: 'eu-ops@example.com' });
      new StatusTracker(stack, 'Us');
      template = Template.fromStack(stack);
    });

    it('synthesise with every alarm and dashboard name scoped to its tracker', () => {
      const alarmNames = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (a) => (a as Resource).Properties.AlarmName as string,
      );
      // Nine each, six each for history, and the delivery rate's (the anomaly check's) each.
      expect(alarmNames).toHaveLength(32);
      expect(new Set(alarmNames).size).toBe(32);
      expect(alarmNames).toContain('Shared-Eu-DeliveryRate');
      expect(alarmNames).toContain('Shared-Us-DeliveryRate');
      expect(alarmNames).toContain('Shared-Eu-SignatureRejections');
      expect(alarmNames).toContain('Shared-Us-SignatureRejections');
      expect(alarmNames).toContain('Shared-Eu-HistoryDeliveryFailing');
      expect(alarmNames).toContain('Shared-Us-HistoryDeliveryFailing');
      const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((d) =>
        JSON.stringify((d as Resource).Properties.DashboardName),
      );
      expect(dashboards).toHaveLength(2);
      expect(dashboards[0]).toContain('Shared-Eu-');
      expect(dashboards[1]).toContain('Shared-Us-');
    });

    it('have a table, an API, a Twilio secret, a history hash key and a history workgroup each', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 6);
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 2);
      template.resourceCountIs('AWS::SecretsManager::Secret', 4);
      const workGroups = Object.values(template.findResources('AWS::Athena::WorkGroup')).map(
        (w) => (w as Resource).Properties.Name,
      );
      expect(workGroups.sort()).toEqual(['Shared-Eu-history', 'Shared-Us-history']);
      const databases = Object.values(template.findResources('AWS::Glue::Database')).map(
        (d) => ((d as Resource).Properties.DatabaseInput as { Name: string }).Name,
      );
      expect(databases.sort()).toEqual(['shared_eu_history', 'shared_us_history']);
    });
  });

  describe('with resources passed in', () => {
    let template: Template;
    let tracker: StatusTracker;
    let stack: Stack;
    beforeAll(() => {
      stack = new Stack(new App({ analyticsReporting: false }), 'Own');
      const twilioSecret = secretsmanager.Secret.fromSecretCompleteArn(
        stack,
        'Existing',
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:twilio/main-AbCdEf',
      );
      const alarmTopic = new sns.Topic(stack, 'Pager', { enforceSSL: true });
      tracker = new StatusTracker(stack, 'Tracker', { twilioSecret, alarmTopic });
      template = Template.fromStack(stack);
    });

    it('creates no Twilio secret (only the history hash key) and gives the functions the secret passed in', () => {
      expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toEqual([
        logicalId(stack, tracker.statusHistory!.hashKey),
      ]);
      const fn = logicalId(stack, tracker.callbackApi.statusCallback.function);
      const variables = (template.toJSON().Resources[fn] as Resource).Properties.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(variables.Variables.TWILIO_SECRET_ID).toBe(
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:twilio/main-AbCdEf',
      );
    });

    it('notifies the topic passed in and creates none', () => {
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.resourceCountIs('AWS::KMS::Key', 0);
      expect(tracker.alarmTopic.node.path).toBe('Own/Pager');
    });
  });

  describe('grants', () => {
    it('grantQuery allows execute-api:Invoke on the GET routes only; grantSend the queue and the sender', () => {
      const stack = new Stack(new App({ analyticsReporting: false }), 'Grants');
      const tracker = new StatusTracker(stack, 'Tracker');
      const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
      tracker.grantQuery(reader);
      tracker.grantSend(writer);
      const template = Template.fromStack(stack);
      const id = (role: iam.Role) => logicalId(stack, role);

      const read = statementsOf(template, id(reader));
      expect(read).toHaveLength(1);
      expect(read[0]!.Action).toBe('execute-api:Invoke');
      expect(JSON.stringify(read[0]!.Resource)).toContain('/*/GET/messages/*');

      const send = statementsOf(template, id(writer));
      const actions = send.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'lambda:InvokeFunction']));
      expect(actions.filter((a) => a.startsWith('dynamodb:') || a.startsWith('secretsmanager:'))).toEqual([]);
    });
  });

  it('refuses a setting that cannot work, naming it, before building anything', () => {
    const stack = new Stack(new App({ analyticsReporting: false }), 'Bad');
    expect(() => new StatusTracker(stack, 'Tracker', { pendingShards: 0 })).toThrow(ConfigError);
    expect(() => new StatusTracker(stack, 'Tracker2', { pendingShards: 0 })).toThrow(
      '"pendingShards" must be a whole number between 1 and 256; got 0',
    );
    expect(stack.node.tryFindChild('Tracker')?.node.children).toHaveLength(0);
  });
});
