/**
 * History in AWS: event bus -> Firehose (history-row processor, Parquet against the Glue table) -> S3,
 * the Glue table with partition projection, the Athena workgroup and its named queries, the alarms,
 * grantReadHistory, and the settings that turn it off or tune it.
 */
import * as fs from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { HISTORY_COLUMNS } from '../../lambda/domain/history/row';
import { historyQuerySql, NAMED_HISTORY_QUERIES } from '../../lambda/domain/history/queries';
import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from '../../lambda/domain/status-event';
import { ConfigError } from '../../lib/config';
import { StatusTracker } from '../../lib/status-tracker';
import {
  acknowledgedRules,
  actionsOf,
  bundlePath,
  functionEnvironment,
  getAtt,
  logicalId,
  resource,
  resourcesOfType,
  rolePermissions,
  runAwsSolutionsChecks,
  runServerlessChecks,
  findingsOf,
  synthStack,
  trackerIds,
  type Resource,
  type Statement,
  type SynthesisedStack,
} from './stack-fixture';

const HISTORY_TYPES = [
  'AWS::KinesisFirehose::DeliveryStream',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Athena::WorkGroup',
  'AWS::Athena::NamedQuery',
  'AWS::S3::Bucket',
];

function build(props: ConstructorParameters<typeof StatusTracker>[2] = {}) {
  const stack = new Stack(new App({ analyticsReporting: false }), 'History');
  const tracker = new StatusTracker(stack, 'Tracker', props);
  return { stack, tracker, template: Template.fromStack(stack) };
}

function only(s: { template: Template }, type: string): [string, Resource] {
  const found = Object.entries(s.template.findResources(type)) as [string, Resource][];
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('history, on by default', () => {
  let s: SynthesisedStack;
  let ids: {
    bucket: string;
    results: string;
    accessLogs: string;
    stream: string;
    table: string;
    workGroup: string;
    bus: string;
    processor: ReturnType<typeof trackerIds>;
    hashKey: string;
  };
  let stream: Resource;
  let destination: Record<string, unknown>;

  beforeAll(() => {
    s = synthStack({ stage: 'prod' });
    const history = s.stack.tracker.statusHistory!;
    ids = {
      bucket: logicalId(s.stack, history.bucket),
      results: logicalId(s.stack, history.resultsBucket),
      accessLogs: logicalId(s.stack, history.accessLogsBucket),
      stream: logicalId(s.stack, history.deliveryStream),
      table: only(s, 'AWS::Glue::Table')[0],
      workGroup: only(s, 'AWS::Athena::WorkGroup')[0],
      bus: logicalId(s.stack, s.stack.tracker.eventBus!),
      processor: trackerIds(s.stack, history.processor),
      hashKey: logicalId(s.stack, history.hashKey),
    };
    stream = only(s, 'AWS::KinesisFirehose::DeliveryStream')[1];
    destination = stream.Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>;
  });

  describe('event bus -> Firehose', () => {
    it("sends the tracker's status-change events, their detail only, to the delivery stream", () => {
      const rules = Object.values(resourcesOfType(s, 'AWS::Events::Rule')).filter((rule) =>
        JSON.stringify(rule.Properties.Targets).includes(ids.stream),
      );
      expect(rules).toHaveLength(1);
      const rule = rules[0]!;
      expect(rule.Properties.EventBusName).toEqual({ Ref: ids.bus });
      expect(rule.Properties.EventPattern).toEqual({
        source: [EVENT_SOURCE],
        'detail-type': [EVENT_DETAIL_TYPE],
      });
      const [target] = rule.Properties.Targets as Record<string, unknown>[];
      expect(target).toMatchObject({ Arn: getAtt(ids.stream), InputPath: '$.detail' });
      const role = (target!.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(rolePermissions(s, role).statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          Resource: getAtt(ids.stream),
        },
      ]);
    });

    it('dead-letters what EventBridge could not put after 24 hours into a queue only this rule may use, alarmed', () => {
      const rule = Object.values(resourcesOfType(s, 'AWS::Events::Rule')).find((r) =>
        JSON.stringify(r.Properties.Targets).includes(ids.stream),
      )!;
      const queue = logicalId(s.stack, s.stack.tracker.statusHistory!.deadLetterQueue);
      expect((rule.Properties.Targets as Record<string, unknown>[])[0]).toMatchObject({
        DeadLetterConfig: { Arn: getAtt(queue) },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      });
      const ruleId = Object.entries(resourcesOfType(s, 'AWS::Events::Rule')).find(([, r]) => r === rule)![0];
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ruleId) } },
            }),
          ]),
        },
      });
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(queue, 'QueueName') }],
        Threshold: 0,
      });
    });

    it('takes records put directly, encrypted at rest', () => {
      expect(stream.Properties).toMatchObject({
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      });
    });

    it('writes to the history bucket under a folder per UTC day, errors under their own prefix by type', () => {
      expect(destination).toMatchObject({
        BucketARN: getAtt(ids.bucket),
        Prefix: 'history/dt=!{timestamp:yyyy-MM-dd}/',
        ErrorOutputPrefix: 'history-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        CompressionFormat: 'UNCOMPRESSED',
      });
    });

    it('buffers 128 MiB (Parquet conversion needs 64 or more) for the default 300 s', () => {
      expect(destination.BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 128 });
    });

    it('runs every record through the history-row Lambda', () => {
      const processing = destination.ProcessingConfiguration as {
        Enabled: boolean;
        Processors: { Type: string; Parameters: { ParameterName: string; ParameterValue: unknown }[] }[];
      };
      expect(processing.Enabled).toBe(true);
      expect(processing.Processors).toHaveLength(1);
      expect(processing.Processors[0]!.Type).toBe('Lambda');
      expect(processing.Processors[0]!.Parameters).toContainEqual({
        ParameterName: 'LambdaArn',
        ParameterValue: getAtt(ids.processor.fn),
      });
      // The function's code is the history-row bundle.
      expect(fs.readFileSync(bundlePath(s, ids.processor.fn), 'utf8')).toContain('HISTORY_KEY_SECRET_ID');
    });

    it('converts the rows to Parquet against the Glue table, read as OpenX JSON', () => {
      expect(destination.DataFormatConversionConfiguration).toEqual({
        Enabled: true,
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
        SchemaConfiguration: {
          CatalogId: { Ref: 'AWS::AccountId' },
          Region: { Ref: 'AWS::Region' },
          DatabaseName: s.stack.tracker.historyDatabaseName,
          TableName: s.stack.tracker.historyTableName,
          RoleARN: destination.RoleARN,
          VersionId: 'LATEST',
        },
      });
    });

    it('delivers with a role that may write history and read the table schema, never delete', () => {
      const role = (destination.RoleARN as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const { role: roleResource, statements } = rolePermissions(s, role);
      expect(JSON.stringify(roleResource.Properties.AssumeRolePolicyDocument)).toContain('sts:ExternalId');
      const actions = actionsOf(statements);
      expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual([
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
        's3:ListBucketMultipartUploads',
        's3:PutObject',
      ]);
      expect(actions.some((a) => a.includes('*'))).toBe(false);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          Resource: getAtt(ids.processor.fn),
        }),
      );
      // Firehose checks the role when the stream is created.
      expect(stream.DependsOn).toEqual(expect.arrayContaining([ids.table]));
    });
  });

  describe('the history-row processor', () => {
    it('reads the generated hash key, and only it', () => {
      expect(functionEnvironment(s, ids.processor.fn).HISTORY_KEY_SECRET_ID).toEqual({ Ref: ids.hashKey });
      const { statements } = rolePermissions(s, ids.processor.role);
      const secretStatements = statements.filter((st) =>
        actionsOf([st]).some((a) => a.startsWith('secretsmanager:')),
      );
      expect(secretStatements).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: { Ref: ids.hashKey },
        },
      ]);
    });

    it('hashes with a generated 64-character key', () => {
      const key = s.template.toJSON().Resources[ids.hashKey] as Resource;
      expect(key.Properties.GenerateSecretString).toMatchObject({
        PasswordLength: 64,
        ExcludePunctuation: true,
      });
      expect(key.DeletionPolicy).toBe('Retain');
    });
  });

  describe('the delivery-anomaly check', () => {
    it('runs every 15 minutes on a schedule, one run at a time, with the workgroup, table and bus', () => {
      const check = s.stack.tracker.statusHistory!.anomalyCheck;
      const fn = trackerIds(s.stack, check.function);
      expect(resource(s, logicalId(s.stack, check.schedule)).Properties).toMatchObject({
        ScheduleExpression: 'rate(15 minutes)',
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': [fn.fn, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
      });
      expect(resource(s, fn.fn).Properties).toMatchObject({ ReservedConcurrentExecutions: 1, Timeout: 300 });
      expect(functionEnvironment(s, fn.fn)).toMatchObject({
        HISTORY_WORKGROUP: resource(s, ids.workGroup).Properties.Name,
        HISTORY_TABLE: 'status_history',
        EVENT_BUS_NAME: { Ref: ids.bus },
      });
    });

    it('may run queries in the history workgroup, read history objects and put events on the bus, no more', () => {
      const fn = trackerIds(s.stack, s.stack.tracker.statusHistory!.anomalyCheck.function);
      const { statements } = rolePermissions(s, fn.role);
      const actions = actionsOf(statements);
      expect(actions).toEqual(expect.arrayContaining(['athena:StartQueryExecution', 'events:PutEvents']));
      expect(actions.filter((a) => a.includes('*') || a.startsWith('s3:Delete'))).toEqual([]);
      const put = statements.find((st) => actionsOf([st]).includes('events:PutEvents'))!;
      expect(put.Resource).toEqual({ 'Fn::GetAtt': [ids.bus, 'Arn'] });
      const athena = statements.find((st) => actionsOf([st]).includes('athena:StartQueryExecution'))!;
      expect(JSON.stringify(athena.Resource)).toContain('workgroup/');
    });

    it('alarms when the overall delivery rate falls 10 points below its baseline, and charts both', () => {
      const alarm = s.stack.tracker.operations.alarms.deliveryRate!;
      const props = resource(s, logicalId(s.stack, alarm)).Properties;
      expect(props).toMatchObject({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 0.1,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      const metrics = JSON.stringify(props.Metrics);
      expect(metrics).toContain('baseline - rate');
      expect(metrics).toContain('"OverallDeliveryRate"');
      expect(metrics).toContain('"OverallDeliveryRateBaseline"');
      expect(metrics).toContain('"anomaly-check"');
      const dashboard = JSON.stringify(Object.values(resourcesOfType(s, 'AWS::CloudWatch::Dashboard'))[0]);
      expect(dashboard).toContain('Overall delivery rate (anomaly check)');
    });
  });

  describe('Glue table', () => {
    let table: Resource;
    beforeAll(() => {
      table = s.template.toJSON().Resources[ids.table] as Resource;
    });
    const input = () =>
      table.Properties.TableInput as {
        Name: string;
        Parameters: Record<string, unknown>;
        PartitionKeys: unknown[];
        StorageDescriptor: { Columns: unknown[] };
      };

    it('has the history columns, in order, with their types, partitioned by dt', () => {
      expect(input().StorageDescriptor.Columns).toEqual(
        HISTORY_COLUMNS.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
      );
      expect(input().PartitionKeys).toEqual([expect.objectContaining({ Name: 'dt', Type: 'string' })]);
      expect(input().Name).toBe(s.stack.tracker.historyTableName);
      expect(table.Properties.DatabaseName).toBe(s.stack.tracker.historyDatabaseName);
    });

    it('reads Parquet under history/ of the history bucket', () => {
      expect(input().StorageDescriptor).toMatchObject({
        Location: { 'Fn::Join': ['', ['s3://', { Ref: ids.bucket }, '/history/']] },
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      });
    });

    it('projects the day partitions (no crawler, no MSCK REPAIR), back as far as the retention', () => {
      expect(input().Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': 'NOW-400DAYS,NOW',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'storage.location.template': {
          'Fn::Join': ['', ['s3://', { Ref: ids.bucket }, '/history/dt=${dt}/']],
        },
      });
      s.template.resourceCountIs('AWS::Glue::Crawler', 0);
    });
  });

  describe('buckets', () => {
    it.each([
      ['history', 'bucket'],
      ['Athena results', 'results'],
      ['access logs', 'accessLogs'],
    ] as const)('the %s bucket is encrypted, private, TLS only and not versioned', (_name, which) => {
      const bucket = s.template.toJSON().Resources[ids[which]] as Resource;
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
      s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: ids[which] },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('logs access to the history and results buckets', () => {
      for (const which of ['bucket', 'results'] as const) {
        const bucket = s.template.toJSON().Resources[ids[which]] as Resource;
        expect(bucket.Properties.LoggingConfiguration).toMatchObject({
          DestinationBucketName: { Ref: ids.accessLogs },
        });
      }
    });

    it('expires history and error objects after the retention, and incomplete uploads after a day', () => {
      const bucket = s.template.toJSON().Resources[ids.bucket] as Resource;
      const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
      expect(rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Prefix: 'history/', ExpirationInDays: 400, Status: 'Enabled' }),
          expect.objectContaining({ Prefix: 'history-errors/', ExpirationInDays: 400, Status: 'Enabled' }),
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      );
    });

    it('expires Athena results after a week', () => {
      const bucket = s.template.toJSON().Resources[ids.results] as Resource;
      expect((bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual([
        expect.objectContaining({
          ExpirationInDays: 7,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
      ]);
    });
  });

  describe('Athena', () => {
    it('has a workgroup with enforced settings, encrypted results in their own bucket and a scan limit', () => {
      const workGroup = s.template.toJSON().Resources[ids.workGroup] as Resource;
      expect(workGroup.Properties.Name).toBe(s.stack.tracker.historyWorkGroupName);
      expect(workGroup.Properties.WorkGroupConfiguration).toEqual({
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10_000_000_000,
        EngineVersion: { SelectedEngineVersion: 'AUTO' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: ids.results }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        },
      });
    });

    it('saves one named query per history query, its Athena SQL over the table, in the workgroup', () => {
      const queries = Object.values(resourcesOfType(s, 'AWS::Athena::NamedQuery'));
      expect(queries.map((q) => q.Properties.Name).sort()).toEqual(
        NAMED_HISTORY_QUERIES.map((q) => q.name).sort(),
      );
      const source = `"${s.stack.tracker.historyDatabaseName}"."${s.stack.tracker.historyTableName}"`;
      for (const query of queries) {
        expect(query.Properties).toMatchObject({
          WorkGroup: { Ref: ids.workGroup },
          Database: s.stack.tracker.historyDatabaseName,
          QueryString: historyQuerySql(query.Properties.Name as string, 'athena', source, { lastDays: 30 }),
        });
        // DuckDB's spelling of what Athena writes otherwise never reaches Athena.
        expect(query.Properties.QueryString).not.toMatch(
          /quantile_cont|map_extract_value|epoch_ms\(|strftime/,
        );
      }
      const latency = queries.find((q) => q.Properties.Name === 'delivery-latency');
      expect(latency?.Properties.QueryString).toContain('approx_percentile(');
    });
  });

  describe('alarms', () => {
    let alarms: Resource[];
    beforeAll(() => {
      alarms = Object.values(resourcesOfType(s, 'AWS::CloudWatch::Alarm')).filter((a) =>
        String(a.Properties.AlarmName).includes('-History'),
      );
    });
    const alarmOn = (metricName: string) => alarms.find((a) => a.Properties.MetricName === metricName);

    it('alarm on delivery, conversion, the processor and freshness, into the alarm topic', () => {
      expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual([
        'ApproximateNumberOfMessagesVisible',
        'DeliveryToS3.DataFreshness',
        'DeliveryToS3.Success',
        'ExecuteProcessing.Success',
        'FailedConversion.Records',
        'HistoryRecordsRejected',
      ]);
      const topic = logicalId(s.stack, s.stack.tracker.alarmTopic);
      for (const alarm of alarms) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
        if (alarm.Properties.Namespace === 'AWS/Firehose') {
          expect(alarm.Properties.Dimensions).toEqual([
            { Name: 'DeliveryStreamName', Value: { Ref: ids.stream } },
          ]);
        }
      }
    });

    it('alarm when delivery to S3 succeeds less than always, or any row fails conversion', () => {
      expect(alarmOn('DeliveryToS3.Success')?.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        Statistic: 'Average',
      });
      expect(alarmOn('FailedConversion.Records')?.Properties).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('alarm on freshness past the buffering interval plus the processor buffer plus 15 minutes', () => {
      expect(alarmOn('DeliveryToS3.DataFreshness')?.Properties).toMatchObject({
        Threshold: 300 + 60 + 900,
        Statistic: 'Maximum',
      });
    });
  });

  it("adds a history row to the tracker's dashboard: its alarms, rows in and out, failures, freshness", () => {
    const body = JSON.stringify(only(s, 'AWS::CloudWatch::Dashboard')[1].Properties.DashboardBody);
    for (const shown of [
      'History alarms',
      'IncomingRecords',
      'DeliveryToS3.Records',
      'FailedConversion.Records',
      'HistoryRecordsRejected',
      'DeliveryToS3.DataFreshness',
    ]) {
      expect(body).toContain(shown);
    }
  });

  describe('grantReadHistory', () => {
    let statements: Statement[];
    beforeAll(() => {
      const stack = new Stack(new App({ analyticsReporting: false }), 'Reader');
      const tracker = new StatusTracker(stack, 'Tracker');
      const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
      tracker.grantReadHistory(analyst);
      const template = Template.fromStack(stack);
      const role = logicalId(stack, analyst);
      statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    });

    it('may run and read queries, the named ones too, in the history workgroup only', () => {
      const athena = statements.find((st) => actionsOf([st]).includes('athena:StartQueryExecution'))!;
      expect(actionsOf([athena])).toEqual(
        expect.arrayContaining([
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:GetNamedQuery',
          'athena:ListNamedQueries',
        ]),
      );
      expect(JSON.stringify(athena.Resource)).toContain(':workgroup/');
    });

    it('may read the Glue database, table and partitions', () => {
      const glue = statements.find((st) => actionsOf([st]).includes('glue:GetTable'))!;
      expect(actionsOf([glue])).toEqual(
        expect.arrayContaining(['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions']),
      );
      expect(JSON.stringify(glue.Resource)).toContain(':table/');
    });

    it('may read history objects and read and write query results, and delete no history', () => {
      const actions = actionsOf(statements);
      expect(actions).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject']));
      const onHistory = statements.filter((st) => JSON.stringify(st.Resource).includes('HistoryBucket'));
      expect(onHistory.length).toBeGreaterThan(0);
      expect(actionsOf(onHistory).some((a) => /Put|Delete/.test(a))).toBe(false);
    });
  });

  it('keeps the history (buckets, hash key) when the stack goes, not the catalog entries with fixed names', () => {
    const resources = s.template.toJSON().Resources as Record<string, Resource>;
    for (const id of [ids.bucket, ids.results, ids.accessLogs, ids.hashKey]) {
      expect(resources[id]!.DeletionPolicy).toBe('Retain');
    }
    // A stack of the same name can be created again: these would collide by name if retained.
    for (const type of ['AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup']) {
      expect(only(s, type)[1].DeletionPolicy).toBeUndefined();
    }
  });

  it('outputs the bucket, database, table and workgroup', () => {
    s.template.hasOutput('HistoryBucketName', { Value: { Ref: ids.bucket } });
    s.template.hasOutput('HistoryDatabaseName', { Value: s.stack.tracker.historyDatabaseName });
    s.template.hasOutput('HistoryTableName', { Value: 'status_history' });
    s.template.hasOutput('HistoryWorkGroupName', { Value: s.stack.tracker.historyWorkGroupName });
  });

  it('names Glue and Athena resources so Athena needs no quoting of odd characters', () => {
    expect(s.stack.tracker.historyDatabaseName).toBe('twiliostatustracker_prod_tracker_history');
    expect(s.stack.tracker.historyWorkGroupName).toBe('TwilioStatusTracker-prod-Tracker-history');
  });

  it('is clean under cdk-nag, with its acknowledgements on their one resource each', () => {
    expect(runAwsSolutionsChecks(s.stack).violations).toEqual([]);
    expect(findingsOf(runServerlessChecks(s.stack))).toEqual([]);
    const history = Object.fromEntries(
      Object.entries(acknowledgedRules(s.stack, 'AwsSolutions')).filter(([pathName]) =>
        pathName.includes('/History/'),
      ),
    );
    expect(history).toEqual({
      'TwilioStatusTracker-prod/Tracker/History/AccessLogs': ['AwsSolutions-S1'],
      'TwilioStatusTracker-prod/Tracker/History/HashKey': ['AwsSolutions-SMG4'],
      'TwilioStatusTracker-prod/Tracker/History/DeadLetters': ['AwsSolutions-SQS3'],
      'TwilioStatusTracker-prod/Tracker/History/DeliveryPolicy': [
        `AwsSolutions-IAM5[Resource::<${ids.bucket}.Arn>/*]`,
      ],
      'TwilioStatusTracker-prod/Tracker/History/AnomalyCheck/Role': [
        `AwsSolutions-IAM5[Resource::<${ids.bucket}.Arn>/history/*]`,
        `AwsSolutions-IAM5[Resource::<${logicalId(s.stack, s.stack.tracker.statusHistory!.resultsBucket)}.Arn>/results/*]`,
      ],
    });
    expect(
      Object.fromEntries(
        Object.entries(acknowledgedRules(s.stack, 'Serverless')).filter(([pathName]) =>
          pathName.includes('/History/'),
        ),
      ),
    ).toEqual({
      // Firehose invokes the processor synchronously; the rule's dead-letter queue ends the failure path.
      'TwilioStatusTracker-prod/Tracker/History/Processor/Function': [
        'Serverless-LambdaDLQ',
        'Serverless-LambdaTracing',
      ],
      'TwilioStatusTracker-prod/Tracker/History/DeadLetters': ['Serverless-SQSRedrivePolicy'],
      // Only its schedule invokes the anomaly check; a missed run carries no payload to keep.
      'TwilioStatusTracker-prod/Tracker/History/AnomalyCheck/Function': [
        'Serverless-LambdaDLQ',
        'Serverless-LambdaTracing',
      ],
      'TwilioStatusTracker-prod/Tracker/History/AnomalyCheckSchedule': ['Serverless-EventBusDLQ'],
    });
  });
});

describe('history settings', () => {
  it('takes the retention, buffering interval and scan limit from props', () => {
    const { template, tracker } = build({
      retentionDays: 30,
      historyRetentionDays: 90,
      historyBufferSeconds: 600,
      historyScanLimitBytes: 1_000_000_000,
    });
    const rules = (
      (
        Object.values(template.findResources('AWS::S3::Bucket')).find((b) =>
          JSON.stringify(b).includes('history-errors/'),
        ) as Resource
      ).Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }
    ).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'history/', ExpirationInDays: 90 }));
    // Error objects can hold whole events, numbers included: never kept longer than the table keeps them.
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'history-errors/', ExpirationInDays: 30 }),
    );
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: { Parameters: Match.objectLike({ 'projection.dt.range': 'NOW-90DAYS,NOW' }) },
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: { IntervalInSeconds: 600, SizeInMBs: 128 },
      }),
    });
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1_000_000_000 }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.DataFreshness',
      Threshold: 600 + 60 + 900,
    });
    expect(tracker.settings).toMatchObject({ historyRetentionDays: 90, historyErrorRetentionDays: 30 });
  });

  it('history: false creates none of it, and grantReadHistory says why it cannot', () => {
    const { template, tracker, stack } = build({ history: false });
    for (const type of HISTORY_TYPES) template.resourceCountIs(type, 0);
    expect(tracker.statusHistory).toBeUndefined();
    // No anomaly check, so no delivery-rate alarm.
    expect(tracker.operations.alarms.deliveryRate).toBeUndefined();
    expect(tracker.historyBucket).toBeUndefined();
    expect(tracker.historyWorkGroupName).toBeUndefined();
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => tracker.grantReadHistory(role)).toThrow(/history: false/);
  });

  it('events: false turns history off too, unless history is asked for', () => {
    const { template } = build({ events: false });
    for (const type of HISTORY_TYPES) template.resourceCountIs(type, 0);
    expect(() => build({ events: false, history: true })).toThrow(ConfigError);
    expect(() => build({ events: false, history: true })).toThrow(/"history" needs "events"/);
  });

  it.each([
    [{ historyBufferSeconds: 30 }, /"historyBufferSeconds" must be a whole number between 60 and 900/],
    [{ historyBufferSeconds: 901 }, /"historyBufferSeconds" must be a whole number between 60 and 900/],
    [{ historyRetentionDays: 0 }, /"historyRetentionDays" must be a whole number between 1 and 36500/],
    [{ historyScanLimitBytes: 1000 }, /"historyScanLimitBytes" must be a whole number >= 10000000/],
    [{ history: false, historyRetentionDays: 30 }, /"historyRetentionDays" is set but "history" is off/],
  ])('refuses %j', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
