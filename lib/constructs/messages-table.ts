/**
 * The messages table: one item per MessageSid, on-demand, point-in-time recovery, TTL on `expiresAt`, and
 * the sparse `pending` index the reconciler reads. Its definition (names, keys) is the contract's, which
 * local mode also creates in DynamoDB Local.
 *
 * dynamodb.Table (AWS::DynamoDB::Table) rather than TableV2 (AWS::DynamoDB::GlobalTable): one region is
 * all this needs, the resource maps one-to-one to the CreateTable that local mode issues from the same
 * definition, and cdk-nag's PITR rule (DDB3) checks this resource type.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { MESSAGES_TABLE, tagIndexOf, TAG_INDEX_NAME, type ListIndexName } from '../../lambda/domain/contract';
import type { TrackerFunction } from './tracker-function';
import { ENV } from '../../lambda/domain/environment';

export interface MessagesTableProps {
  readonly removalPolicy: RemovalPolicy;
  readonly retentionDays: number;
  readonly pendingShards: number;
  /** The list API's indexes this table has (a staged upgrade adds one per deployment). */
  readonly listIndexes: readonly ListIndexName[];
  /** The tag key of the sparse `byTag` index, if any (contract.ts, tagIndexOf). */
  readonly tagIndexKey?: string;
  /** Stream every write with both images (the source of status-change events). */
  readonly stream: boolean;
}

export class MessagesTable extends Construct {
  readonly table: dynamodb.Table;
  readonly pendingIndexName = MESSAGES_TABLE.pendingIndex.name;
  private readonly props: MessagesTableProps;

  constructor(scope: Construct, id: string, props: MessagesTableProps) {
    super(scope, id);
    this.props = props;
    this.table = trackerTable(this, 'Messages', MESSAGES_TABLE, props.removalPolicy, {
      stream: props.stream ? dynamodb.StreamViewType.NEW_AND_OLD_IMAGES : undefined,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: MESSAGES_TABLE.pendingIndex.name,
      partitionKey: { name: MESSAGES_TABLE.pendingIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: MESSAGES_TABLE.pendingIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    // Keys only: a page reads the items with BatchGetItem, so a status change never writes an index.
    const indexes: Array<{ name: string; partitionKey: string; sortKey: string }> =
      MESSAGES_TABLE.listIndexes.filter((i) => props.listIndexes.includes(i.name));
    if (props.tagIndexKey !== undefined) indexes.push(tagIndexOf(props.tagIndexKey));
    for (const index of indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
  }

  /**
   * What the query function needs for GET /messages/{sid} and GET /messages: GetItem and BatchGetItem on
   * the table, Query on exactly the indexes a list may use (and no index wildcard), and what they are.
   */
  grantListReads(fn: TrackerFunction): TrackerFunction {
    fn.grantTable(this.table, ['dynamodb:GetItem', 'dynamodb:BatchGetItem']);
    const tagIndex = this.props.tagIndexKey === undefined ? [] : [TAG_INDEX_NAME];
    for (const index of [MESSAGES_TABLE.pendingIndex.name, ...this.props.listIndexes, ...tagIndex]) {
      fn.grantTable(this.table, ['dynamodb:Query'], { index });
    }
    fn.addEnvironment(ENV.listIndexes, [...this.props.listIndexes]);
    this.addTagIndexKey(fn);
    return fn.addEnvironment(ENV.pendingShards, this.props.pendingShards);
  }

  /**
   * What every function that records statuses (callback, sender, reconciler) needs: UpdateItem on the
   * table, its name, how long a record lives and how many shards the pending index has. They must agree:
   * lowering PENDING_SHARDS after a deployment would strand unfinished messages in the shards no longer
   * queried.
   */
  grantRecordWrites(fn: TrackerFunction): TrackerFunction {
    fn.grantTable(this.table, ['dynamodb:UpdateItem']);
    this.addTagIndexKey(fn);
    return fn
      .addEnvironment(ENV.retentionDays, this.props.retentionDays)
      .addEnvironment(ENV.pendingShards, this.props.pendingShards);
  }

  /** TAG_INDEX_KEY, only when the tag index exists: functions without it keep their environment as it was. */
  private addTagIndexKey(fn: TrackerFunction): void {
    if (this.props.tagIndexKey !== undefined) fn.addEnvironment(ENV.tagIndexKey, this.props.tagIndexKey);
  }
}

/**
 * A table as the tracker keeps them: string partition key, on demand, point-in-time recovery, TTL, and
 * deletion protection whenever the table is retained.
 */
export function trackerTable(
  scope: Construct,
  id: string,
  keys: { readonly partitionKey: string; readonly ttlAttribute: string },
  removalPolicy: RemovalPolicy,
  extra: Pick<dynamodb.TableProps, 'stream'> = {},
): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    ...extra,
    partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: keys.ttlAttribute,
    deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
    removalPolicy,
  });
}
