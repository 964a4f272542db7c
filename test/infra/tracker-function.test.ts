import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleDirectory, TRACKER_RUNTIME, TrackerFunction } from '../../lib/constructs/tracker-function';
import { LAMBDA_NODE_MAJOR } from '../../local/node-version-notice';

// The house construct on its own, as the sender and reconciler will use it: a function that queries the
// pending index must get that one index, not `table/index/*`.
describe('TrackerFunction', () => {
  let template: Template;
  let stack: Stack;
  let tableId: string;

  beforeAll(() => {
    const app = new App({ analyticsReporting: false });
    stack = new Stack(app, 'Test');
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    tableId = stack.getLogicalId(table.node.defaultChild as dynamodb.CfnTable);
    new TrackerFunction(stack, 'Reader', {
      bundle: 'query',
      description: 'test',
      logRetention: RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
      environment: { EXTRA: 'x' },
    })
      .grantTable(table, ['dynamodb:GetItem'])
      .grantTable(table, ['dynamodb:Query'], { index: 'pending' });
    template = Template.fromStack(stack);
  });

  it('grants the named index only, never an index wildcard', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'dynamodb:Query',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/pending']] },
          },
        ]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('/index/*');
  });

  it('keeps the house defaults alongside caller environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      // The prebuilt bundle (dist/bundles/query/index.mjs) exports `handler`.
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        // No --enable-source-maps (it parses every map at each cold start): the asset carries the map,
        // read only when an error is logged or thrown (test/handler/readable-stack.test.ts).
        Variables: { EXTRA: 'x', TABLE_NAME: { Ref: tableId } },
      },
    });
    const variables = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) =>
        (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
          .Variables,
    );
    for (const v of variables) expect(v.NODE_OPTIONS).toBeUndefined();
    expect(fs.existsSync(path.join(bundleDirectory('query'), 'index.mjs.map'))).toBe(true);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
    });
  });

  it('creates its own role without the AWSLambdaBasicExecutionRole managed policy', () => {
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('fails at construction, with the fix, when a bundle was never built', () => {
    const other = new Stack(new App({ analyticsReporting: false }), 'Missing');
    expect(
      () =>
        new TrackerFunction(other, 'Nothing', {
          bundle: 'no-such-handler',
          description: 'test',
          logRetention: RetentionDays.ONE_WEEK,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
    ).toThrow(/^Lambda bundle no-such-handler missing .*: run npm run bundle$/);
  });

  it('names a second table under its own variable and reserves concurrency when asked', () => {
    const app = new App({ analyticsReporting: false });
    const other = new Stack(app, 'Other');
    const first = new dynamodb.Table(other, 'First', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const second = new dynamodb.Table(other, 'Second', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    });
    new TrackerFunction(other, 'Writer', {
      bundle: 'query',
      description: 'test',
      logRetention: RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
      reservedConcurrentExecutions: 1,
    })
      .grantTable(first, ['dynamodb:UpdateItem'])
      .grantTable(second, ['dynamodb:GetItem', 'dynamodb:PutItem'], { environmentKey: 'SECOND_TABLE_NAME' });
    const idOf = (table: dynamodb.Table) => other.getLogicalId(table.node.defaultChild as dynamodb.CfnTable);
    const t = Template.fromStack(other);
    t.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: { Ref: idOf(first) },
          SECOND_TABLE_NAME: { Ref: idOf(second) },
        }),
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
            Resource: { 'Fn::GetAtt': [idOf(second), 'Arn'] },
          },
        ]),
      },
    });
  });
});

it("the local tools' note names the Lambdas' own Node.js version", () => {
  expect(TRACKER_RUNTIME.name).toBe(`nodejs${LAMBDA_NODE_MAJOR}.x`);
});
