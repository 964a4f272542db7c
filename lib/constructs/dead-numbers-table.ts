/**
 * The dead-numbers table (DEAD_NUMBERS_TABLE in the contract; lambda/domain/dead-numbers.ts): one item
 * per recipient whose messages failed with a dead-number code. A table of its own rather than items in
 * the messages table: that table has a partition key only, so listing recipients there would take a
 * Scan of every message or one more index (a staged upgrade adds one index per deployment); here the
 * list's Scan reads recipients only. Same kind as the other tables: on demand, point-in-time recovery,
 * deletion protection when retained.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DEAD_NUMBERS_TABLE } from '../../lambda/domain/contract';
import { trackerTable } from './messages-table';
import type { TrackerFunction } from './tracker-function';
import { ENV } from '../../lambda/domain/environment';

const ENVIRONMENT_KEY = ENV.deadNumbersTableName.name;

export class DeadNumbersTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: { readonly removalPolicy: RemovalPolicy }) {
    super(scope, id);
    this.table = trackerTable(this, 'Table', DEAD_NUMBERS_TABLE, props.removalPolicy);
  }

  /** What a function that records statuses needs: count a failure, mark a recipient dead. */
  grantRecording(fn: TrackerFunction): TrackerFunction {
    return fn.grantTable(this.table, ['dynamodb:UpdateItem'], { environmentKey: ENVIRONMENT_KEY });
  }

  /** What the sender needs: read a recipient before sending, record a rejection at create time. */
  grantCheck(fn: TrackerFunction): TrackerFunction {
    return fn.grantTable(this.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], {
      environmentKey: ENVIRONMENT_KEY,
    });
  }

  /** What the dead-numbers API needs: list (Scan) and clear (DeleteItem). */
  grantManage(fn: TrackerFunction): TrackerFunction {
    return fn.grantTable(this.table, ['dynamodb:Scan', 'dynamodb:DeleteItem'], {
      environmentKey: ENVIRONMENT_KEY,
    });
  }
}
