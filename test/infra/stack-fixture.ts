/**
 * Builds the stack the way bin/app.ts does (context -> readAppConfig -> StatusTrackerStack), once per
 * call, so each test file synthesises each variant in a beforeAll and not per test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations, type CfnElement, type Environment, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { readAppConfig } from '../../lib/config';
import { StatusTrackerStack } from '../../lib/status-tracker-stack';

/** The context the tests assume, written out so a change to cdk.json does not silently move them. */
export const BASE_CONTEXT = {
  stage: 'prod',
  retentionDays: 400,
  logRetentionDays: 30,
  apiThrottleRateLimit: 200,
  apiThrottleBurstLimit: 400,
  pendingShards: 16,
};

export interface SynthesisedStack {
  app: App;
  stack: StatusTrackerStack;
  template: Template;
  /** Directory of the cloud assembly (bundled Lambda code lives under asset.<hash>/). */
  assemblyDir: string;
}

/** `env`: the account and region as bin/app.ts passes them when the CDK CLI knows them. */
export function synthStack(context: Record<string, unknown> = {}, env?: Environment): SynthesisedStack {
  const app = new App({ context: { ...BASE_CONTEXT, ...context }, analyticsReporting: false });
  const config = readAppConfig(app.node);
  const stack = new StatusTrackerStack(app, `TwilioStatusTracker-${config.stage}`, { config, env });
  const template = Template.fromStack(stack);
  const assemblyDir = app.synth().directory;
  return { app, stack, template, assemblyDir };
}

/** Runs the AWS Solutions pack over the stack, as `cdk synth` does through Validations. */
export function runAwsSolutionsChecks(scope: IConstruct): PolicyValidationPluginReport {
  return new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(scope);
}

/** Runs the Serverless pack over the scope, as `cdk synth` does through Validations beside AwsSolutions. */
export function runServerlessChecks(scope: IConstruct): PolicyValidationPluginReport {
  return new ServerlessChecks(undefined, { verbose: true }).validateScope(scope);
}

/** Each unacknowledged finding of a report as `severity rule: construct paths`, for a readable diff. */
export function findingsOf(report: PolicyValidationPluginReport): string[] {
  return report.violations.map(
    (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
  );
}

/**
 * Every rule acknowledged anywhere under the scope, as `construct path -> rule ids`; with `pack`, only
 * that pack's rules (`AwsSolutions`, `Serverless`).
 */
export function acknowledgedRules(scope: IConstruct, pack?: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      const ids = Object.keys(entry.data as Record<string, unknown>)
        .map((id) => id.replace(/^annotation::/i, ''))
        .filter((id) => pack === undefined || id.startsWith(`${pack}-`));
      if (ids.length === 0) continue;
      found[construct.node.path] = [...(found[construct.node.path] ?? []), ...ids].sort();
    }
  }
  return found;
}

/** The reason given for each acknowledgement of `ruleId` on the construct. */
export function acknowledgementReasons(construct: IConstruct, ruleId: string): string[] {
  return construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) =>
      Object.entries(entry.data as Record<string, string>)
        .filter(([id]) => id.replace(/^annotation::/i, '') === ruleId)
        .map(([, reason]) => reason),
    );
}

/**
 * The template with every asset hash (S3 keys, asset paths: 64 hex characters) replaced by a fixed token,
 * so the snapshot changes when the infrastructure changes, not when a handler's bundle does.
 */
export function normalisedTemplate(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, 'ASSET_HASH'));
}

/** Logical id of a construct's CloudFormation resource, as the template writes it (overrides included). */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.resolve(resource.logicalId) as string;
}

/** The bundled index.mjs of a Lambda function resource in the synthesised assembly. */
export function bundlePath(synthesised: SynthesisedStack, functionLogicalId: string): string {
  const fn = synthesised.template.toJSON().Resources[functionLogicalId] as {
    Properties: { Code: { S3Key: string } };
  };
  const hash = fn.Properties.Code.S3Key.replace(/\.zip$/, '');
  const file = path.join(synthesised.assemblyDir, `asset.${hash}`, 'index.mjs');
  if (!fs.existsSync(file)) throw new Error(`No bundle at ${file}`);
  return file;
}

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
};
export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
};

export function resourcesOfType(s: SynthesisedStack, type: string): Record<string, Resource> {
  return s.template.findResources(type) as Record<string, Resource>;
}

export function resource(s: SynthesisedStack, id: string): Resource {
  const found = (s.template.toJSON().Resources as Record<string, Resource>)[id];
  if (!found) throw new Error(`No resource ${id}`);
  return found;
}

/** The role and the statements of every IAM policy attached to it. */
export function rolePermissions(s: SynthesisedStack, roleLogicalId: string) {
  const role = resource(s, roleLogicalId);
  const policies = Object.values(resourcesOfType(s, 'AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as unknown[]).some(
      (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }),
    ),
  );
  const statements = policies.flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
  return { role, statements };
}

export function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

export function functionEnvironment(s: SynthesisedStack, functionLogicalId: string): Record<string, unknown> {
  const fn = resource(s, functionLogicalId);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

export const getAtt = (id: string, attr = 'Arn') => ({ 'Fn::GetAtt': [id, attr] });

/** A secret's ARN in this stack's account and region, as the template writes it (`resourceName` with wildcards). */
export const secretArn = (resourceName: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${resourceName}`,
    ],
  ],
});

/** Logical id of a TrackerFunction's function, role and log group. */
export function trackerIds(
  stack: Stack,
  fn: { function: IConstruct; role: IConstruct; logGroup: IConstruct },
) {
  return {
    fn: logicalId(stack, fn.function),
    role: logicalId(stack, fn.role),
    logs: logicalId(stack, fn.logGroup),
  };
}
