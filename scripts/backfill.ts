/**
 * `npm run backfill -- --table NAME [--region R] [--profile P] [--endpoint URL]`: gives the items written
 * before the list API's indexes existed the keys those indexes read (`timeBucket`, and `failureBucket`
 * for a failed, undelivered or canceled message). `byTo` and `byClientReference` need nothing: they key
 * on attributes every item already has.
 *
 * Offline maintenance, run once after the upgrade's last stage (README, Upgrading): one Scan of the table,
 * then one conditional UpdateItem per item whose keys are missing or wrong. The condition is that
 * `createdAt` and `status` are still what the Scan read, so a message the tracker changed meanwhile is
 * left to the tracker's own write (which sets the same keys) and counted as `changedMeanwhile`. Safe to
 * run again: items already right are skipped without a write.
 */
import { parseArgs } from 'node:util';
import {
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { FAILURE_BUCKET, indexKeysOf, TIME_BUCKET } from '../lambda/domain/index-keys';

export interface BackfillReport {
  scanned: number;
  updated: number;
  alreadyRight: number;
  changedMeanwhile: number;
}

/** Updates sent at once per Scan page: well under on-demand's limits, quick enough for millions. */
const CONCURRENCY = 16;

export async function backfillListIndexes(
  client: DynamoDBClient,
  tableName: string,
): Promise<BackfillReport> {
  const report: BackfillReport = { scanned: 0, updated: 0, alreadyRight: 0, changedMeanwhile: 0 };
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#sid, #created, #status, #time, #failure',
        ExpressionAttributeNames: {
          '#sid': 'messageSid',
          '#created': 'createdAt',
          '#status': 'status',
          '#time': TIME_BUCKET,
          '#failure': FAILURE_BUCKET,
        },
        ExclusiveStartKey: startKey,
      }),
    );
    const items = page.Items ?? [];
    report.scanned += items.length;
    for (let i = 0; i < items.length; i += CONCURRENCY) {
      await Promise.all(items.slice(i, i + CONCURRENCY).map((item) => fix(client, tableName, item, report)));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return report;
}

async function fix(
  client: DynamoDBClient,
  tableName: string,
  item: Record<string, AttributeValue>,
  report: BackfillReport,
): Promise<void> {
  const plain = {
    messageSid: item.messageSid?.S,
    createdAt: item.createdAt?.S,
    status: item.status?.S,
  };
  const want = indexKeysOf(plain);
  const has = { timeBucket: item[TIME_BUCKET]?.S, failureBucket: item[FAILURE_BUCKET]?.S };
  if (
    want.timeBucket === undefined ||
    (want.timeBucket === has.timeBucket && want.failureBucket === has.failureBucket)
  ) {
    report.alreadyRight++;
    return;
  }
  const values: Record<string, AttributeValue> = {
    ':time': { S: want.timeBucket },
    ':created': { S: plain.createdAt! },
  };
  let update = 'SET #time = :time';
  if (want.failureBucket !== undefined) {
    values[':failure'] = { S: want.failureBucket };
    update += ', #failure = :failure';
  } else update += ' REMOVE #failure';
  let condition = '#created = :created AND ';
  if (plain.status === undefined) condition += 'attribute_not_exists(#status)';
  else {
    values[':status'] = { S: plain.status };
    condition += '#status = :status';
  }
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { messageSid: { S: plain.messageSid! } },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          '#time': TIME_BUCKET,
          '#failure': FAILURE_BUCKET,
          '#created': 'createdAt',
          '#status': 'status',
        },
        ExpressionAttributeValues: values,
      }),
    );
    report.updated++;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    report.changedMeanwhile++;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      table: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      endpoint: { type: 'string' },
    },
  });
  if (!values.table) {
    console.error('usage: npm run backfill -- --table NAME [--region R] [--profile P] [--endpoint URL]');
    process.exit(2);
  }
  // The SDK's default credential chain reads the profile from the environment.
  if (values.profile) process.env.AWS_PROFILE = values.profile;
  const client = createDynamoClient({
    ...(values.region ? { region: values.region } : {}),
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
  });
  const report = await backfillListIndexes(client, values.table);
  console.log(JSON.stringify(report));
  client.destroy();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
