import { Match } from 'aws-cdk-lib/assertions';
import {
  functionEnvironment,
  getAtt,
  logicalId,
  resource,
  resourcesOfType,
  rolePermissions,
  synthStack,
  trackerIds,
  type SynthesisedStack,
} from './stack-fixture';

/** The stack's callback URL with Twilio's retry overrides, as the template writes it. */
const callbackWithRetries = (s: SynthesisedStack) => ({
  'Fn::Join': [
    '',
    [getAtt(logicalId(s.stack, s.stack.tracker.api), 'ApiEndpoint'), '/message-status#rc=5&rp=ct,rt,5xx'],
  ],
});

describe('sender and reconciler (default context)', () => {
  let s: SynthesisedStack;
  let ids: {
    table: string;
    deadNumbers: string;
    idempotency: string;
    secret: string;
    queue: string;
    dlq: string;
    sender: ReturnType<typeof trackerIds>;
    reconciler: ReturnType<typeof trackerIds>;
  };

  beforeAll(() => {
    s = synthStack({ stage: 'prod' });
    const { stack } = s;
    ids = {
      table: logicalId(stack, stack.tracker.table),
      deadNumbers: logicalId(stack, stack.tracker.deadNumbersTable),
      idempotency: logicalId(stack, stack.tracker.sending.idempotencyTable),
      secret: logicalId(stack, stack.tracker.twilioSecret),
      queue: logicalId(stack, stack.tracker.sendQueue),
      dlq: logicalId(stack, stack.tracker.sending.deadLetterQueue),
      sender: trackerIds(stack, stack.tracker.sending.sender),
      reconciler: trackerIds(stack, stack.tracker.reconciling.reconciler),
    };
  });

  describe('idempotency table', () => {
    it('is keyed by id, on demand, with PITR and TTL on expiration (Powertools defaults)', () => {
      const table = resource(s, ids.idempotency);
      expect(table.Properties).toEqual({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        DeletionProtectionEnabled: true,
      });
    });

    it('is retained like the messages table', () => {
      expect(resource(s, ids.idempotency)).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('sender', () => {
    it('runs for up to 30 s with the tables, the secret, the callback URL and the store settings', () => {
      expect(resource(s, ids.sender.fn).Properties.Timeout).toBe(30);
      expect(functionEnvironment(s, ids.sender.fn)).toEqual({
        TABLE_NAME: { Ref: ids.table },
        IDEMPOTENCY_TABLE_NAME: { Ref: ids.idempotency },
        TWILIO_SECRET_ID: { Ref: ids.secret },
        STATUS_CALLBACK_URL: callbackWithRetries(s),
        RETENTION_DAYS: '400',
        PENDING_SHARDS: '16',
        // Its outbox: a record the store refused after Twilio accepted the message waits on the queue.
        SEND_QUEUE_URL: { Ref: ids.queue },
        // Dead numbers: read before each send, a rejection at create time recorded.
        DEAD_NUMBERS_TABLE_NAME: { Ref: ids.deadNumbers },
        DEAD_NUMBER_POLICY: 'refuse',
      });
    });

    it('may do exactly this and nothing else', () => {
      const { role, statements } = rolePermissions(s, ids.sender.role);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt(ids.sender.logs),
        },
        { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: getAtt(ids.table) },
        // The check that the store answers before Twilio is called.
        { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: getAtt(ids.table) },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          Resource: getAtt(ids.idempotency),
        },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: { Ref: ids.secret },
        },
        // The outbox: only putting a record back on its own queue.
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue) },
        {
          Effect: 'Allow',
          Action: [
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueUrl',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
          ],
          Resource: getAtt(ids.queue),
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: getAtt(ids.deadNumbers),
        },
      ]);
    });
  });

  describe('send queue', () => {
    it('is encrypted, hides a message for six sender timeouts and dead-letters after 5 receives', () => {
      expect(resource(s, ids.queue).Properties).toEqual({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 180,
        MessageRetentionPeriod: 4 * 24 * 3600,
        RedrivePolicy: { deadLetterTargetArn: getAtt(ids.dlq), maxReceiveCount: 5 },
      });
    });

    it('has an encrypted dead-letter queue that keeps messages 14 days', () => {
      expect(resource(s, ids.dlq).Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });

    it('refuses anything but TLS on both queues', () => {
      for (const queue of [ids.queue, ids.dlq]) {
        s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: queue }],
          PolicyDocument: {
            Statement: [
              Match.objectLike({
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ],
          },
        });
      }
    });

    it('feeds the sender in batches of 10 with partial batch responses and bounded concurrency', () => {
      const mappings = Object.values(resourcesOfType(s, 'AWS::Lambda::EventSourceMapping')).filter(
        (mapping) =>
          JSON.stringify(mapping.Properties.FunctionName) === JSON.stringify({ Ref: ids.sender.fn }),
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.Properties).toEqual({
        EventSourceArn: getAtt(ids.queue),
        FunctionName: { Ref: ids.sender.fn },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
    });
  });

  describe('reconciler', () => {
    it('runs one at a time for up to 5 minutes with its settings', () => {
      expect(resource(s, ids.reconciler.fn).Properties).toMatchObject({
        Timeout: 300,
        ReservedConcurrentExecutions: 1,
      });
      expect(functionEnvironment(s, ids.reconciler.fn)).toEqual({
        TABLE_NAME: { Ref: ids.table },
        TWILIO_SECRET_ID: { Ref: ids.secret },
        RETENTION_DAYS: '400',
        PENDING_SHARDS: '16',
        RECONCILE_MIN_AGE_HOURS: '12',
        RECONCILE_HORIZON_HOURS: '72',
        RECONCILE_CONCURRENCY: '8',
        DEAD_NUMBERS_TABLE_NAME: { Ref: ids.deadNumbers },
      });
    });

    it('queries the pending index only, updates the table, gets items (their account), reads the secret', () => {
      const { role, statements } = rolePermissions(s, ids.reconciler.role);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt(ids.reconciler.logs),
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: { 'Fn::Join': ['', [getAtt(ids.table), '/index/pending']] },
        },
        { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: getAtt(ids.table) },
        { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: getAtt(ids.table) },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: { Ref: ids.secret },
        },
        // Its on-failure destination: a failed run leaves a record there.
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          Resource: getAtt(logicalId(s.stack, s.stack.tracker.reconciling.deadLetterQueue)),
        },
        { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: getAtt(ids.deadNumbers) },
      ]);
      // No Query on the table itself, and no index wildcard.
      const queryResources = statements
        .filter((st) => st.Action === 'dynamodb:Query')
        .map((st) => st.Resource);
      expect(queryResources).toHaveLength(1);
      expect(JSON.stringify(statements)).not.toContain('/index/*');
    });

    it('is run hourly by an EventBridge rule that targets it', () => {
      // The only scheduled rule but the anomaly check's (status-history.test.ts; the other rule feeds
      // the history).
      const anomalyCheck = logicalId(s.stack, s.stack.tracker.statusHistory!.anomalyCheck.schedule);
      const rules = Object.entries(resourcesOfType(s, 'AWS::Events::Rule')).filter(
        ([id, r]) => r.Properties.ScheduleExpression !== undefined && id !== anomalyCheck,
      );
      expect(rules).toHaveLength(1);
      const [ruleId, rule] = rules[0]!;
      expect(ruleId).toBe(logicalId(s.stack, s.stack.tracker.reconciling.schedule));
      expect(rule.Properties).toMatchObject({
        ScheduleExpression: 'rate(1 hour)',
        State: 'ENABLED',
        Targets: [{ Arn: getAtt(ids.reconciler.fn), Id: 'Target0' }],
      });
      s.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(ids.reconciler.fn),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(ruleId),
      });
    });

    it('is not retried when a run fails: the next scheduled run is the retry', () => {
      s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: ids.reconciler.fn },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 3600,
      });
    });

    it('files a run that failed, or never started within the hour, in its dead-letter queue', () => {
      const queue = logicalId(s.stack, s.stack.tracker.reconciling.deadLetterQueue);
      // Lambda: a failed run, or one that waited an hour in the async queue (throttled).
      s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: ids.reconciler.fn },
        DestinationConfig: { OnFailure: { Destination: getAtt(queue) } },
      });
      // EventBridge: a scheduled event it could not deliver within the hour.
      const rule = resource(s, logicalId(s.stack, s.stack.tracker.reconciling.schedule));
      expect(rule.Properties.Targets).toEqual([
        {
          Arn: getAtt(ids.reconciler.fn),
          Id: 'Target0',
          DeadLetterConfig: { Arn: getAtt(queue) },
          RetryPolicy: { MaximumEventAgeInSeconds: 3600 },
        },
      ]);
      // Only this rule may send to it; the queue is encrypted and TLS-only like the others.
      expect(resource(s, queue).Properties).toMatchObject({ SqsManagedSseEnabled: true });
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Condition: {
                ArnEquals: {
                  'aws:SourceArn': getAtt(logicalId(s.stack, s.stack.tracker.reconciling.schedule)),
                },
              },
            }),
          ]),
        },
      });
    });
  });

  it('outputs the send queue URL and the sender function name', () => {
    s.template.hasOutput('SendQueueUrl', { Value: { Ref: ids.queue } });
    s.template.hasOutput('SenderFunctionName', { Value: { Ref: ids.sender.fn } });
  });
});

describe('sender and reconciler (configured)', () => {
  let s: SynthesisedStack;
  beforeAll(() => {
    s = synthStack({
      useServiceCallback: 'true',
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      senderMaxConcurrency: 25,
      reconcileSchedule: 'cron(5 */2 * * ? *)',
      reconcileMinAgeHours: 6,
      reconcileHorizonHours: 48,
      reconcileConcurrency: 4,
    });
  });

  it('tells the sender to rely on the service callback and send through the service by default', () => {
    expect(functionEnvironment(s, logicalId(s.stack, s.stack.tracker.sending.sender.function))).toMatchObject(
      {
        STATUS_CALLBACK_URL: callbackWithRetries(s),
        USE_SERVICE_CALLBACK: 'true',
        DEFAULT_MESSAGING_SERVICE_SID: 'MG0123456789abcdef0123456789abcdef',
      },
    );
  });

  it('bounds the queue consumer at the configured concurrency', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 25 },
    });
  });

  it('schedules and configures the reconciler from context', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(5 */2 * * ? *)' });
    expect(
      functionEnvironment(s, logicalId(s.stack, s.stack.tracker.reconciling.reconciler.function)),
    ).toMatchObject({
      RECONCILE_MIN_AGE_HOURS: '6',
      RECONCILE_HORIZON_HOURS: '48',
      RECONCILE_CONCURRENCY: '4',
    });
  });
});

describe('sender with a default from', () => {
  it('passes it on and leaves the service settings unset', () => {
    const s = synthStack({ defaultFrom: '+15005550006' });
    const env = functionEnvironment(s, logicalId(s.stack, s.stack.tracker.sending.sender.function));
    expect(env.DEFAULT_FROM).toBe('+15005550006');
    expect(env).not.toHaveProperty('DEFAULT_MESSAGING_SERVICE_SID');
    expect(env).not.toHaveProperty('USE_SERVICE_CALLBACK');
  });
});
