import type { IConstruct } from 'constructs';
import * as fs from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  acknowledgedRules,
  acknowledgementReasons,
  actionsOf,
  findingsOf,
  bundlePath,
  functionEnvironment,
  getAtt,
  logicalId,
  normalisedTemplate,
  resource,
  resourcesOfType,
  rolePermissions,
  runAwsSolutionsChecks,
  runServerlessChecks,
  secretArn,
  synthStack,
  type Statement,
  type SynthesisedStack,
} from './stack-fixture';

describe('StatusTrackerStack', () => {
  describe('in production', () => {
    let s: SynthesisedStack;
    let ids: {
      table: string;
      deadNumbers: string;
      secret: string;
      callbackFn: string;
      callbackRole: string;
      callbackLogs: string;
      queryFn: string;
      queryRole: string;
      queryLogs: string;
    };

    beforeAll(() => {
      s = synthStack({ stage: 'prod' });
      const { stack } = s;
      ids = {
        table: logicalId(stack, stack.tracker.table),
        deadNumbers: logicalId(stack, stack.tracker.deadNumbersTable),
        secret: logicalId(stack, stack.tracker.twilioSecret),
        callbackFn: logicalId(stack, stack.tracker.callbackApi.statusCallback.function),
        callbackRole: logicalId(stack, stack.tracker.callbackApi.statusCallback.role),
        callbackLogs: logicalId(stack, stack.tracker.callbackApi.statusCallback.logGroup),
        queryFn: logicalId(stack, stack.tracker.callbackApi.query.function),
        queryRole: logicalId(stack, stack.tracker.callbackApi.query.role),
        queryLogs: logicalId(stack, stack.tracker.callbackApi.query.logGroup),
      };
    });

    describe('API', () => {
      it('has exactly the callback, query, list and dead-numbers routes', () => {
        const routeKeys = Object.values(resourcesOfType(s, 'AWS::ApiGatewayV2::Route'))
          .map((r) => r.Properties.RouteKey)
          .sort();
        expect(routeKeys).toEqual([
          'DELETE /dead-numbers/{recipient}',
          'GET /dead-numbers',
          'GET /messages',
          'GET /messages/{messageSid}',
          'POST /message-status',
        ]);
      });

      it('puts the dead-numbers routes behind IAM authorisation', () => {
        for (const RouteKey of ['GET /dead-numbers', 'DELETE /dead-numbers/{recipient}']) {
          s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
            RouteKey,
            AuthorizationType: 'AWS_IAM',
          });
        }
      });

      it('puts the list route behind IAM authorisation', () => {
        s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: 'GET /messages',
          AuthorizationType: 'AWS_IAM',
        });
      });

      it('leaves the callback route to Twilio signature validation, not AWS auth', () => {
        s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: 'POST /message-status',
          AuthorizationType: 'NONE',
        });
      });

      it('puts the query route behind IAM authorisation', () => {
        s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: 'GET /messages/{messageSid}',
          AuthorizationType: 'AWS_IAM',
        });
      });

      it('sends each route to its own Lambda', () => {
        s.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: getAtt(ids.callbackFn),
          PayloadFormatVersion: '2.0',
        });
        s.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: getAtt(ids.queryFn),
          PayloadFormatVersion: '2.0',
        });
      });

      it('throttles the default stage and writes JSON access logs to a retained log group', () => {
        s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
          StageName: '$default',
          AutoDeploy: true,
          DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
          AccessLogSettings: {
            DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
            Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
          },
        });
        s.template.hasResource('AWS::Logs::LogGroup', {
          Properties: { RetentionInDays: 30 },
          DeletionPolicy: 'Retain',
        });
      });
    });

    describe('messages table', () => {
      it('is keyed by messageSid, on demand, with PITR, TTL, the pending index and the list indexes', () => {
        s.template.hasResourceProperties('AWS::DynamoDB::Table', {
          KeySchema: [{ AttributeName: 'messageSid', KeyType: 'HASH' }],
          AttributeDefinitions: Match.arrayWith([{ AttributeName: 'messageSid', AttributeType: 'S' }]),
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          GlobalSecondaryIndexes: [
            {
              IndexName: 'pending',
              KeySchema: [
                { AttributeName: 'pendingShard', KeyType: 'HASH' },
                { AttributeName: 'pendingSince', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
            ...[
              ['byTime', 'timeBucket'],
              ['failures', 'failureBucket'],
              ['byTo', 'to'],
              ['byClientReference', 'clientReference'],
            ].map(([IndexName, partitionKey]) => ({
              IndexName,
              KeySchema: [
                { AttributeName: partitionKey, KeyType: 'HASH' },
                { AttributeName: 'createdAt', KeyType: 'RANGE' },
              ],
              // Keys only: a status change never rewrites an index entry; pages read the items.
              Projection: { ProjectionType: 'KEYS_ONLY' },
            })),
          ],
        });
      });

      it('is retained and protected from deletion', () => {
        s.template.hasResource('AWS::DynamoDB::Table', {
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
        });
      });
    });

    describe('Lambda functions', () => {
      it('run on Node.js 24, ARM64, 256 MB, without the source-map flag, and with their own log group', () => {
        const { stack } = s;
        const expected = [
          { fn: stack.tracker.callbackApi.statusCallback, timeout: 10 },
          { fn: stack.tracker.callbackApi.query, timeout: 10 },
          { fn: stack.tracker.sending.sender, timeout: 30 },
          { fn: stack.tracker.reconciling.reconciler, timeout: 300 },
          { fn: stack.tracker.statusEvents!.consumer, timeout: 60 },
          { fn: stack.tracker.statusHistory!.processor, timeout: 60 },
          { fn: stack.tracker.statusHistory!.anomalyCheck.function, timeout: 300 },
        ];
        const functions = resourcesOfType(s, 'AWS::Lambda::Function');
        expect(Object.keys(functions).sort()).toEqual(
          expected.map(({ fn }) => logicalId(stack, fn.function)).sort(),
        );
        for (const { fn, timeout } of expected) {
          expect(functions[logicalId(stack, fn.function)]!.Properties).toMatchObject({
            Runtime: 'nodejs24.x',
            Architectures: ['arm64'],
            MemorySize: 256,
            Timeout: timeout,
            Handler: 'index.handler',
            LoggingConfig: { LogGroup: { Ref: logicalId(stack, fn.logGroup) } },
          });
          // Readable stacks come from the map on the error path, not from --enable-source-maps.
          expect(functionEnvironment(s, logicalId(stack, fn.function))).not.toHaveProperty('NODE_OPTIONS');
        }
      });

      it('give the callback the table, the secret id and the store settings', () => {
        expect(functionEnvironment(s, ids.callbackFn)).toEqual({
          TABLE_NAME: { Ref: ids.table },
          TWILIO_SECRET_ID: { Ref: ids.secret },
          RETENTION_DAYS: '400',
          PENDING_SHARDS: '16',
          DEAD_NUMBERS_TABLE_NAME: { Ref: ids.deadNumbers },
        });
      });

      it('give the query function only the table and the indexes it may query', () => {
        expect(functionEnvironment(s, ids.queryFn)).toEqual({
          TABLE_NAME: { Ref: ids.table },
          LIST_INDEXES: 'byTime,failures,byTo,byClientReference',
          PENDING_SHARDS: '16',
          DEAD_NUMBERS_TABLE_NAME: { Ref: ids.deadNumbers },
        });
      });

      it('never carry a Twilio token in the environment', () => {
        for (const fn of Object.values(resourcesOfType(s, 'AWS::Lambda::Function'))) {
          const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
          for (const name of ['TWILIO_AUTH_TOKEN', 'TWILIO_SECONDARY_AUTH_TOKEN', 'TWILIO_API_KEY_SECRET']) {
            expect(variables).not.toHaveProperty(name);
          }
        }
        expect(functionEnvironment(s, ids.callbackFn)).toHaveProperty('TWILIO_SECRET_ID');
      });

      it('bundle only the webhooks module of twilio into the callback, well under 1 MB', () => {
        const bundle = bundlePath(s, ids.callbackFn);
        expect(fs.statSync(bundle).size).toBeLessThan(1024 * 1024);
        const map = JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
        const twilioSources = map.sources.filter((source) => source.includes('node_modules/twilio/'));
        expect(twilioSources).toEqual([expect.stringMatching(/twilio\/lib\/webhooks\/webhooks\.js$/)]);
        // An ES module has no require(): the banner provides one for the CommonJS twilio module.
        expect(fs.readFileSync(bundle, 'utf8').slice(0, 200)).toContain('createRequire');
      });
    });

    describe('IAM', () => {
      it('lets the callback update items in the table and read the secret, and nothing else', () => {
        const { role, statements } = rolePermissions(s, ids.callbackRole);
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        expect(role.Properties.Policies).toBeUndefined();
        expect(statements).toEqual([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: getAtt(ids.callbackLogs),
          },
          { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: getAtt(ids.table) },
          {
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: { Ref: ids.secret },
          },
          { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: getAtt(ids.deadNumbers) },
        ]);
        const actions = actionsOf(statements);
        for (const forbidden of [
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'dynamodb:Scan',
          'dynamodb:Query',
        ]) {
          expect(actions).not.toContain(forbidden);
        }
        expect(actions.some((a) => a.includes('*'))).toBe(false);
      });

      it('lets the query function get items from the table and query the list indexes, nothing else', () => {
        const { role, statements } = rolePermissions(s, ids.queryRole);
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        expect(role.Properties.Policies).toBeUndefined();
        expect(statements).toEqual([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: getAtt(ids.queryLogs),
          },
          {
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
            Resource: getAtt(ids.table),
          },
          ...['pending', 'byTime', 'failures', 'byTo', 'byClientReference'].map((index) => ({
            Effect: 'Allow',
            Action: 'dynamodb:Query',
            Resource: { 'Fn::Join': ['', [getAtt(ids.table), `/index/${index}`]] },
          })),
          {
            Effect: 'Allow',
            Action: ['dynamodb:Scan', 'dynamodb:DeleteItem'],
            Resource: getAtt(ids.deadNumbers),
          },
        ]);
      });

      // dynamodb:ListStreams takes no resource but `*`: the one exception, for the stream consumer; and
      // Firehose writes history objects under keys it makes (acknowledged in status-history.ts).
      it('has no wildcard action or resource anywhere but ListStreams and the history objects', () => {
        const all = Object.values(resourcesOfType(s, 'AWS::IAM::Policy')).flatMap(
          (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
        );
        const listStreams = all.filter((st) => st.Action === 'dynamodb:ListStreams');
        expect(listStreams).toEqual([{ Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' }]);
        const statements = all.filter((st) => st !== listStreams[0]);
        expect(statements.length).toBeGreaterThan(0);
        expect(actionsOf(statements).filter((a) => a.includes('*'))).toEqual([]);
        const historyObjects = JSON.stringify({
          'Fn::Join': ['', [getAtt(logicalId(s.stack, s.stack.tracker.historyBucket!)), '/*']],
        });
        // The anomaly check's Athena query: history objects read, results written (history-anomalies.ts).
        const objectsUnder = (bucket: IConstruct, prefix: string) =>
          JSON.stringify({ 'Fn::Join': ['', [getAtt(logicalId(s.stack, bucket)), `/${prefix}/*`]] });
        const history = s.stack.tracker.statusHistory!;
        const athenaObjects = [
          objectsUnder(history.bucket, 'history'),
          objectsUnder(history.resultsBucket, 'results'),
        ];
        const resources = JSON.stringify(statements.map((st) => st.Resource));
        expect(resources).toContain(historyObjects);
        for (const objects of athenaObjects) expect(resources).toContain(objects);
        expect(
          [historyObjects, ...athenaObjects].reduce((r, o) => r.split(o).join(''), resources),
        ).not.toContain('*');
      });
    });

    describe('Twilio credentials secret', () => {
      it('is created with a placeholder only: no token in the template', () => {
        const secrets = Object.keys(resourcesOfType(s, 'AWS::SecretsManager::Secret'));
        // The other one is the history hash key (status-history.test.ts).
        expect(secrets.sort()).toEqual(
          [ids.secret, logicalId(s.stack, s.stack.tracker.statusHistory!.hashKey)].sort(),
        );
        const props = resource(s, ids.secret).Properties;
        expect(props).not.toHaveProperty('SecretString');
        const generate = props.GenerateSecretString as {
          SecretStringTemplate: string;
          GenerateStringKey: string;
        };
        const placeholder = JSON.parse(generate.SecretStringTemplate) as Record<string, unknown>;
        for (const key of ['authToken', 'secondaryAuthToken', 'apiKeySecret']) {
          expect(placeholder).not.toHaveProperty(key);
          expect(generate.GenerateStringKey).not.toBe(key);
        }
      });

      it('is retained', () => {
        s.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
      });
    });

    describe('outputs', () => {
      const endpoint = { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrackerApi'), 'ApiEndpoint'] };

      it('gives the callback URL, with and without retry overrides', () => {
        s.template.hasOutput('StatusCallbackUrl', {
          Value: { 'Fn::Join': ['', [endpoint, '/message-status']] },
        });
        s.template.hasOutput('StatusCallbackUrlWithRetries', {
          Value: { 'Fn::Join': ['', [endpoint, '/message-status#rc=5&rp=ct,rt,5xx']] },
        });
      });

      it('gives the query URL, the table name and the secret name', () => {
        s.template.hasOutput('QueryUrl', {
          Value: { 'Fn::Join': ['', [endpoint, '/messages/{messageSid}']] },
        });
        s.template.hasOutput('MessagesTableName', { Value: { Ref: ids.table } });
        s.template.hasOutput('TwilioSecretName', { Value: Match.anyValue() });
      });

      it('has exactly the documented outputs', () => {
        expect(Object.keys(s.template.findOutputs('*')).sort()).toEqual([
          'AlarmTopicArn',
          'DashboardUrl',
          'HistoryBucketName',
          'HistoryDatabaseName',
          'HistoryTableName',
          'HistoryWorkGroupName',
          'ListUrl',
          'MessagesTableName',
          'QueryUrl',
          'SendQueueUrl',
          'SenderFunctionName',
          'StatusCallbackUrl',
          'StatusCallbackUrlWithRetries',
          'StatusCallbackUrlWithTagsTemplate',
          'TwilioSecretName',
        ]);
      });
    });

    describe('cdk-nag AwsSolutions', () => {
      it('finds no error and no warning', () => {
        const report = runAwsSolutionsChecks(s.stack);
        const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.description}`);
        expect(findings).toEqual([]);
        expect(report.success).toBe(true);
      });

      it('has only the reviewed acknowledgements, each on its one resource', () => {
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
          // The anomaly check's Athena query reads history objects and writes its results.
          'TwilioStatusTracker-prod/Tracker/History/AnomalyCheck/Role': [
            `AwsSolutions-IAM5[Resource::<${logicalId(s.stack, s.stack.tracker.historyBucket!)}.Arn>/history/*]`,
            `AwsSolutions-IAM5[Resource::<${logicalId(s.stack, s.stack.tracker.statusHistory!.resultsBucket)}.Arn>/results/*]`,
          ],
        });
      });
    });

    describe('cdk-nag Serverless', () => {
      it('finds no error and no warning', () => {
        const report = runServerlessChecks(s.stack);
        expect(findingsOf(report)).toEqual([]);
        expect(report.success).toBe(true);
      });

      it('has only the reviewed acknowledgements, each on its one resource, each with its reason', () => {
        const at = (path: string) => `TwilioStatusTracker-prod/Tracker/${path}`;
        const unused = ['Serverless-LambdaDLQ', 'Serverless-LambdaTracing'];
        expect(acknowledgedRules(s.stack, 'Serverless')).toEqual({
          // No async invoker (or, for the reconciler, an on-failure destination instead); tracing is a setting.
          [at('Api/StatusCallback/Function')]: unused,
          [at('Api/Query/Function')]: unused,
          [at('Sending/Sender/Function')]: unused,
          [at('Reconciler/Function/Function')]: unused,
          [at('Events/Consumer/Function')]: unused,
          [at('History/Processor/Function')]: unused,
          [at('History/AnomalyCheck/Function')]: unused,
          // A scheduled run carries no payload to keep: the alarm and the next runs cover a missed one.
          [at('History/AnomalyCheckSchedule')]: ['Serverless-EventBusDLQ'],
          // SQS event sources take no on-failure destination: the queue's redrive policy is it.
          [sendQueueMapping().node.path]: ['Serverless-LambdaEventSourceMappingDestination'],
          // The ends of the failure paths: nothing receives from them.
          [at('Sending/DeadLetterQueue')]: ['Serverless-SQSRedrivePolicy'],
          [at('Reconciler/DeadLetterQueue')]: ['Serverless-SQSRedrivePolicy'],
          [at('Events/FailureQueue')]: ['Serverless-SQSRedrivePolicy'],
          [at('History/DeadLetters')]: ['Serverless-SQSRedrivePolicy'],
        });
        const byPath = new Map(s.stack.node.findAll().map((c) => [c.node.path, c]));
        for (const [path, rules] of Object.entries(acknowledgedRules(s.stack, 'Serverless'))) {
          for (const rule of rules) {
            // One concrete reason each, not a placeholder.
            const reasons = acknowledgementReasons(byPath.get(path)!, rule);
            expect(reasons).toHaveLength(1);
            expect(reasons[0]!.length).toBeGreaterThan(80);
          }
        }
      });

      const sendQueueMapping = () =>
        s.stack.tracker.sending.sender.function.node.children.find(
          (child) => child instanceof lambda.EventSourceMapping,
        )!;
    });

    it('matches the template snapshot (asset hashes normalised)', () => {
      expect(normalisedTemplate(s.template)).toMatchSnapshot();
    });
  });

  describe('in dev', () => {
    let s: SynthesisedStack;
    beforeAll(() => {
      s = synthStack({ stage: 'dev' });
    });

    it('is named after the stage', () => {
      expect(s.stack.stackName).toBe('TwilioStatusTracker-dev');
    });

    it('destroys the tables, secret and log groups with the stack', () => {
      // The messages, idempotency and dead-numbers tables.
      const tables = Object.values(resourcesOfType(s, 'AWS::DynamoDB::Table'));
      expect(tables).toHaveLength(3);
      for (const table of tables) {
        expect(table.DeletionPolicy).toBe('Delete');
        expect(table.Properties.DeletionProtectionEnabled).toBe(false);
      }
      s.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
      const logGroups = Object.values(resourcesOfType(s, 'AWS::Logs::LogGroup'));
      // Seven functions (with the stream consumer, the history processor and the anomaly check), the
      // API's access logs and Firehose's delivery logs.
      expect(logGroups).toHaveLength(9);
      for (const logGroup of logGroups) expect(logGroup.DeletionPolicy).toBe('Delete');
    });

    it('is still clean under cdk-nag', () => {
      expect(runAwsSolutionsChecks(s.stack).violations).toEqual([]);
      expect(findingsOf(runServerlessChecks(s.stack))).toEqual([]);
    });
  });

  describe('with an existing secret and a custom domain', () => {
    let s: SynthesisedStack;
    let callbackFn: string;
    beforeAll(() => {
      s = synthStack({ twilioSecretName: 'twilio/status-tracker', publicBaseUrl: 'https://sms.example.com' });
      callbackFn = logicalId(s.stack, s.stack.tracker.callbackApi.statusCallback.function);
    });

    it('creates no secret and reads the named one', () => {
      // Only the history hash key, which the tracker owns.
      expect(Object.keys(resourcesOfType(s, 'AWS::SecretsManager::Secret'))).toEqual([
        logicalId(s.stack, s.stack.tracker.statusHistory!.hashKey),
      ]);
      const env = functionEnvironment(s, callbackFn);
      expect(env.TWILIO_SECRET_ID).toBe('twilio/status-tracker');
      const { statements } = rolePermissions(
        s,
        logicalId(s.stack, s.stack.tracker.callbackApi.statusCallback.role),
      );
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: secretArn('twilio/status-tracker-??????'),
      });
      s.template.hasOutput('TwilioSecretName', { Value: 'twilio/status-tracker' });
    });

    it('signs against the public base URL and advertises it', () => {
      expect(functionEnvironment(s, callbackFn).PUBLIC_BASE_URL).toBe('https://sms.example.com');
      s.template.hasOutput('StatusCallbackUrl', { Value: 'https://sms.example.com/message-status' });
      s.template.hasOutput('StatusCallbackUrlWithRetries', {
        Value: 'https://sms.example.com/message-status#rc=5&rp=ct,rt,5xx',
      });
    });

    it('is still clean under cdk-nag, with no acknowledgement left for a secret it does not own', () => {
      expect(runAwsSolutionsChecks(s.stack).violations).toEqual([]);
      expect(findingsOf(runServerlessChecks(s.stack))).toEqual([]);
      // SMG4 stays for the history hash key only, which the tracker does own.
      expect(
        acknowledgedRules(s.stack)['TwilioStatusTracker-prod/Tracker/TwilioCredentials'],
      ).toBeUndefined();
      expect(acknowledgedRules(s.stack)['TwilioStatusTracker-prod/Tracker/History/HashKey']).toEqual([
        'AwsSolutions-SMG4',
      ]);
      expect(
        Object.entries(acknowledgedRules(s.stack, 'AwsSolutions'))
          .filter(([at]) => !at.includes('/History/'))
          .flatMap(([, rules]) => rules)
          .sort(),
      ).toEqual([
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-SQS3',
        'AwsSolutions-SQS3', // the reconciler's dead-letter queue
      ]);
    });
  });
});
