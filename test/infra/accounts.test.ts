/**
 * Many Twilio accounts: the callback may read exactly the secrets under `accountSecretPrefix` (and
 * decrypt with the key given for them), nothing else changes, and cdk-nag stays clean.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { StatusTracker } from '../../lib/status-tracker';
import { ConfigError } from '../../lib/tracker-props';
import {
  functionEnvironment,
  logicalId,
  rolePermissions,
  findingsOf,
  runAwsSolutionsChecks,
  runServerlessChecks,
  secretArn,
  synthStack,
  type Statement,
  type SynthesisedStack,
} from './stack-fixture';

const PREFIX = 'twilio/accounts/';
const prefixArn = secretArn(`${PREFIX}*`);

describe('accountSecretPrefix from context', () => {
  let s: SynthesisedStack;
  let roles: Record<'callback' | 'sender' | 'reconciler', string>;
  beforeAll(() => {
    s = synthStack({ accountSecretPrefix: PREFIX, accountSecretShards: 64 });
    const { tracker } = s.stack;
    roles = {
      callback: logicalId(s.stack, tracker.callbackApi.statusCallback.role),
      sender: logicalId(s.stack, tracker.sending.sender.role),
      reconciler: logicalId(s.stack, tracker.reconciling.reconciler.role),
    };
  });

  it('lets the callback GetSecretValue on exactly the prefix, and only that action', () => {
    const { statements } = rolePermissions(s, roles.callback);
    const onPrefix = statements.filter((st: Statement) => JSON.stringify(st.Resource).includes(PREFIX));
    expect(onPrefix).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: prefixArn },
    ]);
    expect(JSON.stringify(statements)).not.toContain('kms:');
  });

  it('tells the callback where to look, and nobody else gets the account secrets', () => {
    const env = functionEnvironment(
      s,
      logicalId(s.stack, s.stack.tracker.callbackApi.statusCallback.function),
    );
    expect(env).toMatchObject({ ACCOUNT_SECRET_PREFIX: PREFIX, ACCOUNT_SECRET_SHARDS: '64' });
    for (const role of [roles.sender, roles.reconciler]) {
      expect(JSON.stringify(rolePermissions(s, role).statements)).not.toContain(PREFIX);
    }
  });

  it('keeps cdk-nag clean: the prefix grant is acknowledged on the callback role only', () => {
    const report = runAwsSolutionsChecks(s.stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.description}`)).toEqual([]);
    expect(findingsOf(runServerlessChecks(s.stack))).toEqual([]);
  });
});

describe('accountSecretPrefix in a stack with a concrete region and account', () => {
  // What `npx cdk synth -c accountSecretPrefix=...` builds: the CLI resolves the region (and, with
  // credentials, the account), so cdk-nag names the grant with those values, not <AWS::Region>.
  it.each([
    ['region only (no credentials)', { region: 'eu-west-1' }],
    ['region and account', { region: 'eu-west-1', account: '123456789012' }],
  ])('keeps cdk-nag clean with %s', (_name, env) => {
    const s = synthStack({ accountSecretPrefix: PREFIX }, env);
    const report = runAwsSolutionsChecks(s.stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.description}`)).toEqual([]);
  });
});

describe('accountSecretKey', () => {
  it('adds kms:Decrypt on that key to the callback role', () => {
    const stack = new Stack(new App({ analyticsReporting: false }), 'Keyed');
    const key = new kms.Key(stack, 'AccountsKey', { enableKeyRotation: true });
    const tracker = new StatusTracker(stack, 'Tracker', {
      accountSecretPrefix: PREFIX,
      accountSecretKey: key,
    });
    const template = Template.fromStack(stack);
    const role = logicalId(stack, tracker.callbackApi.statusCallback.role);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] },
    });
  });

  it('refuses a prefix that is not part of a secret name', () => {
    const stack = new Stack(new App({ analyticsReporting: false }), 'Bad');
    expect(() => new StatusTracker(stack, 'T', { accountSecretPrefix: 'accounts/*' })).toThrow(ConfigError);
    expect(() => new StatusTracker(stack, 'U', { accountSecretPrefix: '' })).toThrow(/accountSecretPrefix/);
  });

  it('refuses shards without a prefix, naming both, before building anything', () => {
    const stack = new Stack(new App({ analyticsReporting: false }), 'Shards');
    expect(() => new StatusTracker(stack, 'T', { accountSecretShards: 64 })).toThrow(ConfigError);
    expect(() => new StatusTracker(stack, 'U', { accountSecretShards: 0 })).toThrow(
      '"accountSecretShards" is set but "accountSecretPrefix" is not: the shard secrets are named <accountSecretPrefix>shard-<n>; set "accountSecretPrefix" too, or leave "accountSecretShards" out',
    );
    expect(stack.node.tryFindChild('T')?.node.children).toHaveLength(0);
  });
});
