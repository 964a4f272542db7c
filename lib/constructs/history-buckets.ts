/**
 * The history's S3 buckets (lib/constructs/status-history.ts): the Parquet rows and Firehose's errors, the
 * Athena query results, and the server access logs of both. Made in the history construct's scope, so
 * their ids are its own.
 *
 * Buckets are encrypted with S3-managed keys (SSE-S3), not a customer managed KMS key: rows carry no
 * phone numbers (a keyed hash instead), access is decided by IAM on the buckets (grantReadHistory), and
 * a KMS key would add a monthly charge, a request charge per object read by Athena and a second grant to
 * every reader without keeping anything from someone IAM already lets read the bucket. The buckets are
 * not versioned: Firehose never overwrites a key, and an expired or erased object must really be gone.
 */
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Days an Athena result object is kept: long enough to read a result, not an archive. */
export const ATHENA_RESULT_DAYS = 7;

/** What the buckets are made from. */
export interface HistoryBucketsProps {
  readonly removalPolicy: RemovalPolicy;
  /** Days a history object (and an access log) is kept. */
  readonly retentionDays: number;
  /** Days a Firehose error object is kept. */
  readonly errorRetentionDays: number;
}

/** The three buckets of the history. */
export interface HistoryBuckets {
  /** Parquet under history/dt=YYYY-MM-DD/, Firehose's errors under history-errors/. */
  readonly bucket: s3.Bucket;
  /** Athena's query results (expired after ATHENA_RESULT_DAYS). */
  readonly resultsBucket: s3.Bucket;
  /** Server access logs of both buckets. */
  readonly accessLogsBucket: s3.Bucket;
}

/** The access logs bucket, then the history bucket, then the results bucket, in `scope`. */
export function createHistoryBuckets(scope: Construct, props: HistoryBucketsProps): HistoryBuckets {
  const { removalPolicy } = props;
  const accessLogsBucket = createAccessLogsBucket(scope, props);
  const bucket = new s3.Bucket(scope, 'Bucket', {
    ...bucketBasics(removalPolicy),
    serverAccessLogsBucket: accessLogsBucket,
    serverAccessLogsPrefix: 'history/',
    lifecycleRules: [
      { id: 'ExpireHistory', prefix: 'history/', expiration: Duration.days(props.retentionDays) },
      {
        id: 'ExpireErrors',
        prefix: 'history-errors/',
        expiration: Duration.days(props.errorRetentionDays),
      },
      { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
  const resultsBucket = new s3.Bucket(scope, 'ResultsBucket', {
    ...bucketBasics(removalPolicy),
    serverAccessLogsBucket: accessLogsBucket,
    serverAccessLogsPrefix: 'athena-results/',
    lifecycleRules: [
      {
        id: 'ExpireResults',
        expiration: Duration.days(ATHENA_RESULT_DAYS),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  return { bucket, resultsBucket, accessLogsBucket };
}

function createAccessLogsBucket(scope: Construct, props: HistoryBucketsProps): s3.Bucket {
  const logsBucket = new s3.Bucket(scope, 'AccessLogs', {
    ...bucketBasics(props.removalPolicy),
    lifecycleRules: [
      {
        id: 'ExpireAccessLogs',
        expiration: Duration.days(props.retentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(logsBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'This bucket receives the server access logs of the history and Athena results buckets; logging ' +
      'its own access into itself would log every log delivery, without end.',
  });
  return logsBucket;
}

function bucketBasics(removalPolicy: RemovalPolicy): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: false,
    removalPolicy,
  };
}
