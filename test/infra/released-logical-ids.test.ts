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

  /**
   * A changed key schema or billing mode replaces a table, so those must be exactly as released. Global
   * secondary indexes are different: adding one is an in-place update (CloudFormation builds it while the
   * table serves, backfilling it from the items), so today's table may hold indexes the release did not,
   * as long as every released index is still there unchanged (dropping or re-keying one would lose what
   * reads it). Attribute definitions follow the indexes: the released ones stay, new index keys add more.
   */
  it.each(releasedStateful.filter(([, r]) => r.Type === 'AWS::DynamoDB::Table'))(
    'keeps the keys and indexes of table %s (a changed key schema replaces the table)',
    (id, before) => {
      const now = (s.template.toJSON().Resources as Record<string, Resource>)[id]!;
      for (const property of ['KeySchema', 'BillingMode']) {
        expect(now.Properties[property]).toEqual(before.Properties[property]);
      }
      for (const property of ['AttributeDefinitions', 'GlobalSecondaryIndexes']) {
        const released = (before.Properties[property] ?? []) as unknown[];
        expect(now.Properties[property]).toEqual(expect.arrayContaining(released));
      }
    },
  );

  /**
   * CloudFormation creates at most one global secondary index per table update, so the released table
   * reaches today's through the staged path the README gives (`listIndexes` 1, 2, 3, 4): each stage must
   * add exactly one index to the one before and change none.
   */
  it('reaches the list indexes from the released table one index per deployment', () => {
    const tableId = RELEASED_LOGICAL_IDS['Table/Messages']!;
    const indexesOf = (template: { Resources: Record<string, Resource> }) =>
      (template.Resources[tableId]!.Properties.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string }>;
    let previous = indexesOf(released);
    for (const stage of [1, 2, 3, 4]) {
      const current = indexesOf(
        synthStack({
          messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
          listIndexes: stage,
        }).template.toJSON() as { Resources: Record<string, Resource> },
      );
      expect(current).toEqual(expect.arrayContaining(previous));
      expect(current).toHaveLength(previous.length + 1);
      previous = current;
    }
    expect(previous).toEqual(indexesOf(s.template.toJSON() as { Resources: Record<string, Resource> }));
  });
});
