import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { METRICS_NAMESPACE, MetricName } from '../../lambda/domain/metric-names';
import { FAILURE_RATE_MIN_MESSAGES } from '../../lib/constructs/operations';
import { PROJECT_ROOT } from '../../lib/constructs/tracker-function';
import {
  getAtt,
  logicalId,
  resource,
  resourcesOfType,
  synthStack,
  type SynthesisedStack,
} from './stack-fixture';

type AlarmProps = Record<string, unknown> & {
  AlarmActions?: unknown[];
  OKActions?: unknown[];
  Metrics?: Array<Record<string, unknown>>;
};

describe('operations', () => {
  let s: SynthesisedStack;
  let topic: string;
  let alarms: Record<string, AlarmProps>;

  beforeAll(() => {
    s = synthStack({ stage: 'prod' });
    topic = logicalId(s.stack, s.stack.tracker.operations.topic);
    alarms = {};
    for (const [name, alarm] of Object.entries(s.stack.tracker.operations.alarms)) {
      alarms[name] = resource(s, logicalId(s.stack, alarm)).Properties as AlarmProps;
    }
  });

  describe('alarm topic', () => {
    it('is encrypted with a rotated customer managed key that CloudWatch may use', () => {
      const keyId = Object.keys(resourcesOfType(s, 'AWS::KMS::Key'))[0]!;
      expect(resource(s, topic).Properties.KmsMasterKeyId).toEqual(getAtt(keyId));
      s.template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
    });

    it("refuses publishing without TLS and lets only this account's alarms publish", () => {
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: topic },
              Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
            }),
          ],
        },
      });
    });

    it('has no subscription unless alarmEmail is set', () => {
      s.template.resourceCountIs('AWS::SNS::Subscription', 0);
      const withEmail = synthStack({ alarmEmail: 'ops@example.com' });
      withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: logicalId(withEmail.stack, withEmail.stack.tracker.operations.topic) },
      });
    });
  });

  describe('alarms', () => {
    const callbackDims = [{ Name: 'service', Value: 'status-callback' }];

    it('are the ten documented ones, each notifying the topic', () => {
      expect(Object.keys(alarms).sort()).toEqual(
        [
          'api5xx',
          'callbacksUnavailable',
          'deadLetters',
          'deliveryRate',
          'eventFailures',
          'eventLag',
          'failureRate',
          'reconcilerDeadLetters',
          'reconcilerErrors',
          'signatureRejections',
        ].sort(),
      );
      // and the six of the history part (test/infra/status-history.test.ts)
      s.template.resourceCountIs('AWS::CloudWatch::Alarm', 10 + 6);
      for (const alarm of Object.values(alarms)) {
        expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
        expect(alarm.TreatMissingData).toBe('notBreaching');
      }
    });

    it('signature rejections: sum over 5 minutes above 50', () => {
      expect(alarms.signatureRejections).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: MetricName.SignatureRejections,
        Dimensions: callbackDims,
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 50,
        ComparisonOperator: 'GreaterThanThreshold',
        OKActions: [{ Ref: topic }],
      });
    });

    it('failure rate: failed + undelivered over all final statuses in 15 minutes, above 0.1', () => {
      const alarm = alarms.failureRate!;
      expect(alarm).toMatchObject({
        Threshold: 0.1,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        OKActions: [{ Ref: topic }],
      });
      const metrics = alarm.Metrics!;
      const expression = metrics.find((m) => m.Expression)!;
      expect(expression.ReturnData).toBe(true);
      const byStatus: Record<string, string> = {};
      for (const m of metrics.filter((m) => m.MetricStat)) {
        const stat = m.MetricStat as {
          Metric: {
            Namespace: string;
            MetricName: string;
            Dimensions: Array<{ Name: string; Value: string }>;
          };
          Period: number;
          Stat: string;
        };
        expect(stat).toMatchObject({
          Metric: { Namespace: METRICS_NAMESPACE, MetricName: MetricName.MessagesFinal },
          Period: 900,
          Stat: 'Sum',
        });
        const dims = Object.fromEntries(stat.Metric.Dimensions.map((d) => [d.Name, d.Value]));
        expect(Object.keys(dims).sort()).toEqual(['service', 'status']);
        expect(dims.service).toBe('status-callback');
        byStatus[dims.status!] = m.Id as string;
      }
      expect(Object.keys(byStatus).sort()).toEqual([
        'canceled',
        'delivered',
        'failed',
        'read',
        'undelivered',
      ]);
      // IF(total >= minimum, (failed + undelivered) / total, 0): no alarm on a handful of messages.
      const match = /^IF\((.+) >= (\d+), \((.+)\) \/ (.+), 0\)$/.exec(expression.Expression as string);
      expect(match).not.toBeNull();
      const [, guard, minimum, numerator, denominator] = match!;
      expect(guard).toBe(denominator);
      expect(Number(minimum)).toBe(FAILURE_RATE_MIN_MESSAGES);
      for (const status of ['failed', 'undelivered']) expect(numerator).toContain(byStatus[status]);
      for (const status of ['delivered', 'read', 'canceled'])
        expect(numerator).not.toContain(byStatus[status]);
      for (const id of Object.values(byStatus)) expect(denominator).toContain(id);
    });

    it('API 5xx: any in 2 of 3 minutes', () => {
      expect(alarms.api5xx).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalId(s.stack, s.stack.tracker.api) } }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        OKActions: [{ Ref: topic }],
      });
    });

    it('callbacks unavailable (503): any in 2 of 3 minutes', () => {
      expect(alarms.callbacksUnavailable).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: MetricName.CallbacksUnavailable,
        Dimensions: callbackDims,
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('dead-letter queue: any message visible', () => {
      expect(alarms.deadLetters).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: getAtt(logicalId(s.stack, s.stack.tracker.sending.deadLetterQueue), 'QueueName'),
          },
        ],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        OKActions: [{ Ref: topic }],
      });
    });

    it("reconciler dead letters: any run in the reconciler's dead-letter queue, named in the description", () => {
      const queue = s.stack.tracker.reconciling.deadLetterQueue;
      expect(alarms.reconcilerDeadLetters).toMatchObject({
        AlarmName: 'TwilioStatusTracker-prod-Tracker-ReconcilerDeadLetters',
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(logicalId(s.stack, queue), 'QueueName') }],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        OKActions: [{ Ref: topic }],
      });
      expect(JSON.stringify(alarms.reconcilerDeadLetters!.AlarmDescription)).toContain(
        JSON.stringify(getAtt(logicalId(s.stack, queue), 'QueueName')),
      );
    });

    it('reconciler errors: any, alarm only (the next run is the retry)', () => {
      expect(alarms.reconcilerErrors).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          {
            Name: 'FunctionName',
            Value: { Ref: logicalId(s.stack, s.stack.tracker.reconciling.reconciler.function) },
          },
        ],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(alarms.reconcilerErrors!.OKActions).toBeUndefined();
    });

    it('take their thresholds from context', () => {
      const custom = synthStack({ signatureRejectionThreshold: 5, failureRateThreshold: 0.02 });
      const props = (alarm: unknown) =>
        resource(custom, logicalId(custom.stack, alarm as Parameters<typeof logicalId>[1])).Properties;
      expect(props(custom.stack.tracker.operations.alarms.signatureRejections).Threshold).toBe(5);
      expect(props(custom.stack.tracker.operations.alarms.failureRate).Threshold).toBe(0.02);
    });
  });

  describe('dashboard', () => {
    type Widget = { type: string; properties: { title?: string; metrics?: unknown[][] } };
    let widgets: Widget[];
    let body: string;
    const metricsOf = (title: string) => {
      const widget = widgets.find((w) => w.properties.title === title);
      if (!widget) throw new Error(`No widget "${title}"`);
      return widget.properties.metrics ?? [];
    };
    const expressions = (title: string) =>
      metricsOf(title)
        .map(
          (line) => line.find((part) => typeof part === 'object') as { expression?: string; label?: string },
        )
        .filter((options) => options?.expression);

    beforeAll(() => {
      const dashboards = Object.values(resourcesOfType(s, 'AWS::CloudWatch::Dashboard'));
      expect(dashboards).toHaveLength(1);
      // The body is an Fn::Join of JSON text and tokens: put each token back as the logical id it names.
      const join = dashboards[0]!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
      body = join['Fn::Join'][1]
        .map((part) => {
          if (typeof part === 'string') return part;
          const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
          return token.Ref ?? token['Fn::GetAtt']!.join('.');
        })
        .join('');
      widgets = (JSON.parse(body) as { widgets: Widget[] }).widgets;
    });

    it('charts every custom metric under its namespace, with the service dimension', () => {
      const custom = widgets
        .flatMap((w) => w.properties.metrics ?? [])
        .filter((line) => line[0] === METRICS_NAMESPACE);
      const charted = new Set(custom.map((line) => line[1]));
      for (const line of custom) expect(line.slice(2, 4)).toEqual(['service', expect.any(String)]);
      const searched = new Set(
        widgets
          .flatMap((w) => w.properties.metrics ?? [])
          .flatMap((line) => line.filter((part) => typeof part === 'object'))
          .map(
            (options) =>
              /MetricName="(\w+)"/.exec((options as { expression?: string }).expression ?? '')?.[1],
          )
          .filter(Boolean),
      );
      for (const name of Object.values(MetricName)) {
        expect([name, charted.has(name) || searched.has(name)]).toEqual([name, true]);
      }
    });

    it('finds statuses and error codes with SEARCH, one labelled line per value', () => {
      const search = (metric: string, dimension: string) =>
        `SEARCH('{${METRICS_NAMESPACE},${dimension},service} MetricName="${metric}" service="status-callback"', 'Sum', 300)`;
      expect(expressions('Callbacks by status')).toEqual([
        { expression: search(MetricName.Callbacks, 'status'), label: "${PROP('Dim.status')}" },
      ]);
      expect(expressions('Messages reaching a final status')).toEqual([
        { expression: search(MetricName.MessagesFinal, 'status'), label: "${PROP('Dim.status')}" },
      ]);
      expect(expressions('Failures by Twilio error code')).toEqual([
        { expression: search(MetricName.DeliveryErrors, 'errorCode'), label: "${PROP('Dim.errorCode')}" },
      ]);
    });

    it('shows sent-to-delivered latency at p50, p90 and p99', () => {
      const stats = metricsOf('Sent to delivered latency (ms)').map(
        (line) => [line[1], (line[4] as { stat: string }).stat] as const,
      );
      expect(stats).toEqual([
        [MetricName.SentToDeliveredLatency, 'p50'],
        [MetricName.SentToDeliveredLatency, 'p90'],
        [MetricName.SentToDeliveredLatency, 'p99'],
      ]);
    });

    it('shows API 4xx/5xx and latency', () => {
      expect(metricsOf('API requests and errors').map((line) => line[1])).toEqual(['Count', '4xx', '5xx']);
      expect(metricsOf('API latency (ms)').map((line) => line[1])).toEqual([
        'Latency',
        'Latency',
        'IntegrationLatency',
      ]);
    });

    it('shows errors and throttles of every function', () => {
      const functions = [
        s.stack.tracker.callbackApi.statusCallback,
        s.stack.tracker.callbackApi.query,
        s.stack.tracker.sending.sender,
        s.stack.tracker.reconciling.reconciler,
        s.stack.tracker.statusEvents!.consumer,
      ].map((fn) => logicalId(s.stack, fn.function));
      for (const [title, metric] of [
        ['Lambda errors', 'Errors'],
        ['Lambda throttles', 'Throttles'],
      ]) {
        const lines = metricsOf(title!);
        expect(lines.map((line) => line[1])).toEqual(functions.map(() => metric));
        expect(lines.map((line) => line[3])).toEqual(functions);
      }
    });

    it('shows DynamoDB throttles of both tables and the pending index', () => {
      const table = logicalId(s.stack, s.stack.tracker.table);
      const idempotency = logicalId(s.stack, s.stack.tracker.sending.idempotencyTable);
      const events = metricsOf('DynamoDB throttle events');
      expect(events.map((line) => line.slice(0, -1))).toEqual([
        ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', table],
        ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', table],
        ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', idempotency],
        ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', idempotency],
        ['AWS/DynamoDB', 'ReadThrottleEvents', 'GlobalSecondaryIndexName', 'pending', 'TableName', table],
        ['AWS/DynamoDB', 'WriteThrottleEvents', 'GlobalSecondaryIndexName', 'pending', 'TableName', table],
      ]);
      const requests = metricsOf('DynamoDB throttled requests').filter(
        (line) => line[1] === 'ThrottledRequests',
      );
      expect(new Set(requests.map((line) => line[5]))).toEqual(new Set([table, idempotency]));
      expect(expressions('DynamoDB throttled requests')).toHaveLength(2);
    });

    it('shows the send queue and dead-letter queue depth', () => {
      expect(metricsOf('Send queue').map((line) => [line[1], line[3]])).toEqual([
        ['ApproximateNumberOfMessagesVisible', `${logicalId(s.stack, s.stack.tracker.sendQueue)}.QueueName`],
        [
          'ApproximateNumberOfMessagesVisible',
          `${logicalId(s.stack, s.stack.tracker.sending.deadLetterQueue)}.QueueName`,
        ],
        ['ApproximateAgeOfOldestMessage', `${logicalId(s.stack, s.stack.tracker.sendQueue)}.QueueName`],
      ]);
    });

    it('shows what the reconciler polled, resolved and gave up on', () => {
      expect(metricsOf('Reconciler (per hour)').map((line) => line.slice(0, 4))).toEqual(
        [MetricName.ReconcilerPolled, MetricName.ReconcilerResolved, MetricName.ReconcilerUnresolved].map(
          (name) => [METRICS_NAMESPACE, name, 'service', 'reconciler'],
        ),
      );
    });

    it('lists every alarm', () => {
      const alarmWidget = widgets.find((w) => w.type === 'alarm') as unknown as {
        properties: { alarms: string[] };
      };
      expect(alarmWidget.properties.alarms.sort()).toEqual(
        Object.values(s.stack.tracker.operations.alarms)
          .map((alarm) => `${logicalId(s.stack, alarm)}.Arn`)
          .sort(),
      );
    });

    it('is linked from the outputs, with the alarm topic', () => {
      s.template.hasOutput('DashboardUrl', {
        Value: {
          'Fn::Join': [
            '',
            [
              'https://',
              { Ref: 'AWS::Region' },
              '.console.aws.amazon.com/cloudwatch/home?region=',
              { Ref: 'AWS::Region' },
              '#dashboards:name=',
              { Ref: logicalId(s.stack, s.stack.tracker.operations.dashboard) },
            ],
          ],
        },
      });
      s.template.hasOutput('AlarmTopicArn', { Value: { Ref: topic } });
    });
  });

  // The handlers cannot be imported here (they read their environment at import), so read the source of
  // each function's composition module: the `service` dimension the dashboard and alarms read must come
  // from the one list both sides share.
  describe('metric service names', () => {
    const source = (fn: string) =>
      fs.readFileSync(path.join(PROJECT_ROOT, 'lambda', 'composition', `${fn}.ts`), 'utf8');
    const metricsServiceOf = (text: string) => /functionMetrics\(METRIC_SERVICES\.(\w+)\)/.exec(text)?.[1];

    it.each([
      ['status-callback', 'callback'],
      ['reconciler', 'reconciler'],
      ['sender', 'sender'],
      ['history-row', 'history'],
      ['anomaly-check', 'anomalies'],
    ])('the %s handler takes its service name from the shared list', (handler, key) => {
      expect(metricsServiceOf(source(handler))).toBe(key);
    });
  });
});
