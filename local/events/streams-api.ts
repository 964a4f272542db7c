/**
 * The record source of the local events consumer: the DynamoDB Streams API (DescribeStream,
 * GetShardIterator, GetRecords) through the AWS SDK, against DynamoDB Local. Narrowed to the three calls
 * the consumer makes, so a test can wrap it and hand the consumer a record DynamoDB would never produce.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DescribeStreamCommandInput,
  type DescribeStreamCommandOutput,
  type GetRecordsCommandInput,
  type GetRecordsCommandOutput,
  type GetShardIteratorCommandInput,
  type GetShardIteratorCommandOutput,
  type _Record as SdkStreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';

export type StreamRecord = SdkStreamRecord;
export type StreamShard = Shard;

export interface StreamsApi {
  describeStream(
    input: DescribeStreamCommandInput,
  ): Promise<Pick<DescribeStreamCommandOutput, 'StreamDescription'>>;
  getShardIterator(
    input: GetShardIteratorCommandInput,
  ): Promise<Pick<GetShardIteratorCommandOutput, 'ShardIterator'>>;
  getRecords(
    input: GetRecordsCommandInput,
  ): Promise<Pick<GetRecordsCommandOutput, 'Records' | 'NextShardIterator'>>;
  close(): void;
}

export function createStreamsApi(endpoint: string): StreamsApi {
  const client = new DynamoDBStreamsClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The consumer has its own retry loop (it re-reads from its position); a quick answer matters more.
    maxAttempts: 2,
  });
  return {
    describeStream: (input) => client.send(new DescribeStreamCommand(input)),
    getShardIterator: (input) => client.send(new GetShardIteratorCommand(input)),
    getRecords: (input) => client.send(new GetRecordsCommand(input)),
    close: () => client.destroy(),
  };
}

/** The name the service gave an error (ExpiredIteratorException, TrimmedDataAccessException, ...). */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
