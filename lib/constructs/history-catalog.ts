/**
 * The history's catalog (lib/constructs/status-history.ts): the Glue database and table over the Parquet
 * rows (partition projection: no crawler, no MSCK REPAIR), and the Athena workgroup with its named
 * queries. Made in the history construct's scope, so their ids are its own.
 *
 * The database, table and workgroup hold no data (that is in the buckets) and have fixed names: they go
 * with the stack whatever its removal policy, so a stack of the same name can be created again.
 */
import { Aws, Names, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { HISTORY_COLUMNS, HISTORY_PARTITION } from '../../lambda/domain/history/columns';

/** The Glue table's name (its database is per tracker). */
export const HISTORY_TABLE_NAME = 'status_history';

/** A named query the workgroup offers: its SQL already in the Athena dialect, over this table. */
export interface HistoryNamedQuery {
  /** The query's name in the workgroup, e.g. `delivery_rate`. */
  readonly name: string;
  /** What it answers (cut to Athena's 1024 characters). */
  readonly description: string;
  /** The SQL text, in Athena's dialect. */
  readonly sql: string;
}

/** The Glue database and table of the history rows. */
export interface HistoryCatalog {
  readonly databaseName: string;
  readonly tableName: string;
  readonly table: glue.CfnTable;
  /** The catalog, database and table ARNs, for grants. */
  readonly arns: { readonly catalog: string; readonly database: string; readonly table: string };
}

/** The Glue database, then the table over `bucket`'s history/ prefix, in `scope`. */
export function createHistoryCatalog(
  scope: Construct,
  props: { readonly bucket: s3.IBucket; readonly namePrefix: string; readonly retentionDays: number },
): HistoryCatalog {
  const stack = Stack.of(scope);
  // Glue and Athena names: lower case, digits and underscores (Athena needs no quoting for them).
  const databaseName = `${props.namePrefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_history`.slice(-255);
  const tableName = HISTORY_TABLE_NAME;
  const database = new glue.CfnDatabase(scope, 'Database', {
    catalogId: Aws.ACCOUNT_ID,
    databaseInput: {
      name: databaseName,
      description: 'History of Twilio message status changes (twilio-status-tracker)',
    },
  });
  const table = createTable(scope, database, { ...props, databaseName, tableName });
  const arns = {
    catalog: stack.formatArn({ service: 'glue', resource: 'catalog' }),
    database: stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
    table: stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${databaseName}/${tableName}`,
    }),
  };
  return { databaseName, tableName, table, arns };
}

function createTable(
  scope: Construct,
  database: glue.CfnDatabase,
  props: {
    readonly bucket: s3.IBucket;
    readonly retentionDays: number;
    readonly databaseName: string;
    readonly tableName: string;
  },
): glue.CfnTable {
  const location = `s3://${props.bucket.bucketName}/history/`;
  const table = new glue.CfnTable(scope, 'Table', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName: props.databaseName,
    tableInput: {
      name: props.tableName,
      description: 'One row per message status change, pseudonymised (keyed hash of to/from)',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: 'parquet',
        // Partition projection: Athena computes the day folders, so no crawler and no MSCK REPAIR.
        'projection.enabled': 'true',
        [`projection.${HISTORY_PARTITION}.type`]: 'date',
        [`projection.${HISTORY_PARTITION}.format`]: 'yyyy-MM-dd',
        // Nothing older than the retention exists; NOW is today (UTC) as Firehose's prefix is.
        [`projection.${HISTORY_PARTITION}.range`]: `NOW-${props.retentionDays}DAYS,NOW`,
        [`projection.${HISTORY_PARTITION}.interval`]: '1',
        [`projection.${HISTORY_PARTITION}.interval.unit`]: 'DAYS',
        'storage.location.template': `${location}${HISTORY_PARTITION}=\${${HISTORY_PARTITION}}/`,
      },
      partitionKeys: [
        { name: HISTORY_PARTITION, type: 'string', comment: 'UTC day the row was recorded, YYYY-MM-DD' },
      ],
      storageDescriptor: {
        location,
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        serdeInfo: {
          serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          parameters: { 'serialization.format': '1' },
        },
        columns: HISTORY_COLUMNS.map((column) => ({
          name: column.name,
          type: column.type,
          comment: column.comment,
        })),
      },
    },
  });
  table.node.addDependency(database);
  return table;
}

/** The Athena workgroup and its named queries. */
export interface HistoryWorkGroup {
  readonly workGroupName: string;
  readonly workGroupArn: string;
  readonly namedQueries: readonly athena.CfnNamedQuery[];
}

/**
 * The workgroup (enforced settings, bytes-scanned limit, encrypted results in `resultsBucket`), then one
 * named query per entry of `namedQueries`, in `scope`.
 */
export function createHistoryWorkGroup(
  scope: Construct,
  props: {
    readonly catalog: HistoryCatalog;
    readonly resultsBucket: s3.IBucket;
    readonly namePrefix: string;
    readonly scanLimitBytes: number;
    readonly namedQueries: (source: string) => readonly HistoryNamedQuery[];
  },
): HistoryWorkGroup {
  const { catalog } = props;
  const name = workGroupName(scope, props.namePrefix);
  const workGroup = new athena.CfnWorkGroup(scope, 'WorkGroup', {
    name,
    description: 'Queries over the status history of a twilio-status-tracker (docs/history.md)',
    state: 'ENABLED',
    // Deleting the workgroup also deletes its saved queries and query history (never the S3 objects).
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: props.scanLimitBytes,
      engineVersion: { selectedEngineVersion: 'AUTO' },
      resultConfiguration: {
        outputLocation: `s3://${props.resultsBucket.bucketName}/results/`,
        encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        expectedBucketOwner: Aws.ACCOUNT_ID,
      },
    },
  });
  const workGroupArn = Stack.of(scope).formatArn({
    service: 'athena',
    resource: 'workgroup',
    resourceName: name,
  });

  const source = `"${catalog.databaseName}"."${catalog.tableName}"`;
  const namedQueries = props.namedQueries(source).map((query) => {
    const named = new athena.CfnNamedQuery(scope, `Query-${query.name}`, {
      name: query.name,
      description: query.description.slice(0, 1024),
      database: catalog.databaseName,
      workGroup: workGroup.ref,
      queryString: query.sql,
    });
    named.node.addDependency(catalog.table);
    return named;
  });
  return { workGroupName: name, workGroupArn, namedQueries };
}

/** `<prefix>-history`, or a unique name of the same shape when that is longer than Athena allows (128). */
function workGroupName(scope: Construct, prefix: string): string {
  const name = `${prefix}-history`;
  return name.length <= 128
    ? name
    : `${Names.uniqueResourceName(scope, { maxLength: 120, separator: '-' })}-history`;
}
