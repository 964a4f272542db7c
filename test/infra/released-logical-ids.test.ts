/**
 * Upgrading a deployed stack never loses data: every stateful resource of the released template keeps its
 * logical ID, type and key schema in today's app, so CloudFormation updates it in place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RELEASED_LOGICAL_IDS } from '../../lib/released-logical-ids';
import { synthStack, type Resource, type SynthesisedStack } from './stack-fixture';

const STATEFUL_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::SecretsManager::Secret',
  'AWS::Logs::LogGroup',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::KMS::Key',
];

const released = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, 'released', '0.1.0-prod-with-messaging-service.template.json'),
    'utf8',
  ),
) as { Resources: Record<string, Resource> };

const releasedStateful = Object.entries(released.Resources).filter(([, r]) =>
  STATEFUL_TYPES.includes(r.Type),
);

describe('upgrading the app released as 0.1.0', () => {
  let s: SynthesisedStack;
  beforeAll(() => {
    s = synthStack({ messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
  });

  it('finds the stateful resources it expects in the released template', () => {
    expect(releasedStateful.map(([id]) => id).sort()).toEqual(Object.values(RELEASED_LOGICAL_IDS).sort());
  });

  it.each(releasedStateful)('keeps %s with its type and deletion policy', (id, before) => {
    const now = (s.template.toJSON().Resources as Record<string, Resource>)[id];
    expect(now?.Type).toBe(before.Type);
    expect(now?.DeletionPolicy).toBe(before.DeletionPolicy);
    expect(now?.UpdateReplacePolicy).toBe(before.UpdateReplacePolicy);
  });

  it.each(releasedStateful.filter(([, r]) => r.Type === 'AWS::DynamoDB::Table'))(
    'keeps the keys and indexes of table %s (a changed key schema replaces the table)',
    (id, before) => {
      const now = (s.template.toJSON().Resources as Record<string, Resource>)[id]!;
      for (const property of ['KeySchema', 'AttributeDefinitions', 'GlobalSecondaryIndexes', 'BillingMode']) {
        expect(now.Properties[property]).toEqual(before.Properties[property]);
      }
    },
  );
});
