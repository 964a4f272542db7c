/** Status-change events in AWS: stream -> consumer -> bus, failures, schema, and the rule helper. */
import * as fs from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EVENT_SCHEMA_FILE, MAX_RETRY_ATTEMPTS } from '../../lib/constructs/status-events';
import { StatusTracker } from '../../lib/status-tracker';
import {
  actionsOf,
  getAtt,
  logicalId,
  rolePermissions,
  findingsOf,
  runAwsSolutionsChecks,
  runServerlessChecks,
  type Resource,
} from './stack-fixture';

function build(props: ConstructorParameters<typeof StatusTracker>[2] = {}) {
  const stack = new Stack(new App({ analyticsReporting: false }), 'Events');
  const tracker = new StatusTracker(stack, 'Tracker', props);
  return { stack, tracker };
}

describe('status-change events', () => {
  describe('on by default', () => {
    const { stack, tracker } = build();
    const failuresDlq = new sqs.Queue(stack, 'FailuresDlq', { enforceSSL: true });
    const failures = new sqs.Queue(stack, 'Failures', {
      enforceSSL: true,
      deadLetterQueue: { queue: failuresDlq, maxReceiveCount: 5 },
    });
    const rule = tracker.onStatusChange('FailuresToQueue', {
      statuses: ['failed', 'undelivered'],
      // The target's own dead-letter queue: EventBridge drops what it cannot deliver after its retries.
      target: new targets.SqsQueue(failures, { deadLetterQueue: failuresDlq }),
    });
    const template = Template.fromStack(stack);
    const s = { template, stack };
    const ids = {
      table: logicalId(stack, tracker.table),
      bus: logicalId(stack, tracker.eventBus!),
      consumer: logicalId(stack, tracker.statusEvents!.consumer.function),
      role: logicalId(stack, tracker.statusEvents!.consumer.role),
      failureQueue: logicalId(stack, tracker.statusEvents!.failureQueue),
    };

    it('streams every write of the messages table with both images', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'messageSid', KeyType: 'HASH' }],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
    });

    it('feeds the consumer in order, with partial failures, bisection, bounded retries and an on-failure queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: ids.consumer },
        EventSourceArn: getAtt(ids.table, 'StreamArn'),
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: MAX_RETRY_ATTEMPTS,
        MaximumRecordAgeInSeconds: 6 * 3600,
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: getAtt(ids.failureQueue) } },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: { Ref: ids.bus } }) },
      });
    });

    it('lets the consumer put events on its bus, read the stream and write failures, nothing else', () => {
      const { statements } = rolePermissions(s as never, ids.role);
      expect(actionsOf(statements).sort()).toEqual(
        [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
          'events:PutEvents',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:SendMessage',
        ].sort(),
      );
      const putEvents = statements.find((st) => st.Action === 'events:PutEvents');
      expect(putEvents?.Resource).toEqual(getAtt(ids.bus));
    });

    it('alarms on failed records and on lag', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
      const names = alarms.map((a) => a.Properties.AlarmName);
      expect(names).toEqual(
        expect.arrayContaining(['Events-Tracker-EventFailures', 'Events-Tracker-EventLag']),
      );
      const lag = alarms.find((a) => a.Properties.AlarmName === 'Events-Tracker-EventLag')!;
      expect(lag.Properties).toMatchObject({
        MetricName: 'IteratorAge',
        Namespace: 'AWS/Lambda',
        Threshold: 300000,
      });
    });

    it('registers the JSON Schema (draft-04) of detail that docs/events.schema.json holds', () => {
      const schema = JSON.parse(fs.readFileSync(EVENT_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
      expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
      template.hasResourceProperties('AWS::EventSchemas::Schema', {
        Type: 'JSONSchemaDraft4',
        Content: fs.readFileSync(EVENT_SCHEMA_FILE, 'utf8'),
      });
      template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    });

    it('adds a rule for exactly the statuses asked, on the tracker bus, to the target', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: ids.bus },
        EventPattern: {
          source: ['twilio-status-tracker'],
          'detail-type': ['Message Status Changed'],
          detail: { status: ['failed', 'undelivered'] },
        },
        Targets: [Match.objectLike({ Arn: getAtt(logicalId(stack, failures)) })],
      });
      expect(rule.node.scope).toBe(tracker);
    });

    it('is clean under cdk-nag', () => {
      expect(runAwsSolutionsChecks(stack).violations).toEqual([]);
      // The tracker's part, the rule onStatusChange made included (the test's own queues are not its).
      expect(findingsOf(runServerlessChecks(tracker))).toEqual([]);
    });
  });

  it('matches final changes only with final: true', () => {
    const { stack, tracker } = build();
    const queue = new sqs.Queue(stack, 'Done', { enforceSSL: true });
    tracker.onStatusChange('Done', { final: true, target: new targets.SqsQueue(queue) });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { final: [true] } }),
    });
  });

  it('puts events on a bus passed in, and creates none', () => {
    const stack = new Stack(new App({ analyticsReporting: false }), 'OwnBus');
    const eventBus = new events.EventBus(stack, 'Mine');
    const tracker = new StatusTracker(stack, 'Tracker', { eventBus });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    expect(tracker.eventBus).toBe(eventBus);
  });

  it('can be turned off: no stream, no consumer, no bus, and no rule helper', () => {
    const { stack, tracker } = build({ events: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1); // the send queue only
    expect(JSON.stringify(template.findResources('AWS::DynamoDB::Table'))).not.toContain(
      'StreamSpecification',
    );
    expect(() =>
      tracker.onStatusChange('X', { target: new targets.SqsQueue(new sqs.Queue(stack, 'Q')) }),
    ).toThrow(/events: false/);
  });

  it('refuses a bus with events off', () => {
    const stack = new Stack(new App({ analyticsReporting: false }), 'Contradiction');
    expect(
      () => new StatusTracker(stack, 'Tracker', { events: false, eventBus: new events.EventBus(stack, 'B') }),
    ).toThrow('"eventBus" is set but "events" is false');
  });
});
