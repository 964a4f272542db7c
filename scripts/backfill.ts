/**
 * `npm run backfill -- --table NAME [--region R] [--profile P] [--endpoint URL]`: gives the items written
 * before the list API's indexes existed the keys those indexes read (`timeBucket`, and `failureBucket`
 * for a failed, undelivered or canceled message). `byTo` and `byClientReference` need nothing: they key
 * on attributes every item already has.
 *
 * Offline maintenance, run once after the upgrade's last stage (docs/deploy.md, "Upgrading to the list API"): one Scan of the table,
 * then one conditional UpdateItem per item whose keys are missing or wrong. The condition is that
 * `createdAt` and `status` are still what the Scan read, so a message the tracker changed meanwhile is
 * left to the tracker's own write (which sets the same keys) and counted as `changedMeanwhile`. Safe to
 * run again: items already right are skipped without a write.
 */
import {
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { FAILURE_BUCKET, indexKeysOf, TIME_BUCKET } from '../lambda/domain/index-keys';
import { UsageError } from '../local/cli/errors';
import { readCommandLine, STANDARD_IO, type CommandSpec, type OptionSpecs } from '../local/cli/options';

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

const BACKFILL = {
  name: 'backfill',
  usage: '--table NAME [--region R] [--profile P] [--endpoint URL]',
  summary:
    "Once, after the list API's last upgrade stage: gives the items written before its indexes the keys they read.",
  options: {
    table: { type: 'string', value: 'NAME', help: 'the messages table (the MessagesTableName output)' },
    region: { type: 'string', value: 'REGION', help: "the table's region (default: the profile's)" },
    profile: {
      type: 'string',
      value: 'PROFILE',
      help: 'the AWS profile (default: $AWS_PROFILE, else the default chain)',
    },
    endpoint: { type: 'string', value: 'URL', help: 'another DynamoDB endpoint (DynamoDB Local)' },
  },
  examples: [
    'npm run backfill -- --table TwilioStatusTracker-prod-Messages804FA4EB-ABC --profile my-sso-profile',
    'npm run backfill -- --table twilio-status-tracker-local --endpoint http://127.0.0.1:8000',
  ],
} as const satisfies CommandSpec<OptionSpecs>;

async function main(): Promise<void> {
  const parsed = readCommandLine(BACKFILL, process.argv.slice(2), STANDARD_IO);
  if (!parsed) return;
  const { values } = parsed;
  if (!values.table) throw new UsageError('--table NAME is required');
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
    console.error(`npm run backfill: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) {
      console.error(`usage: npm run backfill -- ${BACKFILL.usage}`);
      console.error('see: npm run backfill -- --help');
      process.exit(2);
    }
    process.exit(1);
  });
}
