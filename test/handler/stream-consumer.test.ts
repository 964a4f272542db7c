/**
 * The stream consumer bundle as Lambda runs it: real stream records of DynamoDB Local (the same shape
 * Lambda's DynamoDB event carries), the built bundle in a fresh Node.js process, and an EventBridge
 * stand-in on the SDK's service endpoint variable (EventBridge itself cannot run here; the stand-in
 * answers PutEvents as the service does, and can refuse entries on demand).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { bundleDirectory } from '../../lib/constructs/tracker-function';
import { dynamoEndpoint, useMessageStore, type TestTable } from '../support/dynamodb';
import { startStandIn } from '../support/stand-in';
import { testSid } from '../support/callbacks';

interface PutEntry {
  Source: string;
  DetailType: string;
  EventBusName: string;
  Detail: string;
}

/** Answers PutEvents; `refuse` decides per entry whether the service would report it failed. */
async function eventBridgeStandIn(refuse: (entry: PutEntry) => boolean = () => false) {
  const received: PutEntry[] = [];
  const standIn = await startStandIn((request, response) => {
    const { Entries } = JSON.parse(request.body) as { Entries: PutEntry[] };
    const answers = Entries.map((entry) => {
      if (refuse(entry)) return { ErrorCode: 'InternalFailure', ErrorMessage: 'refused by the stand-in' };
      received.push(entry);
      return { EventId: `event-${received.length}` };
    });
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(
      JSON.stringify({
        FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length,
        Entries: answers,
      }),
    );
  });
  return { url: standIn.url, received, close: standIn.close };
}

/** Every record of the table's stream so far, as Lambda's DynamoDB event carries them. */
async function streamEvent(table: TestTable): Promise<DynamoDBStreamEvent> {
  const described = await table.dynamo.send(new DescribeTableCommand({ TableName: table.tableName }));
  const streamArn = described.Table!.LatestStreamArn!;
  const streams = new DynamoDBStreamsClient({
    endpoint: dynamoEndpoint(),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const records: _Record[] = [];
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  streams.destroy();
  return {
    Records: records.map((record) => ({
      eventID: record.eventID,
      eventName: record.eventName,
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      awsRegion: 'eu-west-1',
      dynamodb: {
        ...record.dynamodb,
        // Lambda's JSON carries seconds; the SDK hands back a Date.
        ApproximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime
          ? record.dynamodb.ApproximateCreationDateTime.getTime() / 1000
          : undefined,
      },
    })) as DynamoDBStreamEvent['Records'],
  };
}

async function runBundle(event: DynamoDBStreamEvent, eventBridgeUrl: string) {
  const bundle = path.join(bundleDirectory('stream-consumer'), 'index.mjs');
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const response = await handler(JSON.parse(process.env.EVENT));
    process.stdout.write('\\nRESULT ' + JSON.stringify(response));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      EVENT_BUS_NAME: 'tracker-bus',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl,
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      EVENT: JSON.stringify(event),
    },
    encoding: 'utf8',
  });
  return JSON.parse(stdout.split('\nRESULT ').pop()!) as { batchItemFailures: { itemIdentifier: string }[] };
}

const db = useMessageStore('stream');
const sid = testSid();
const at = (second: number) => `2026-11-30T10:00:0${second}.000Z`;

beforeAll(async () => {
  const { store } = db;
  const observe = (status: string, second: number) =>
    store.apply({ messageSid: sid, status, observedAt: at(second), source: 'callback', to: '+14155550100' });
  await observe('queued', 1);
  await observe('sent', 2);
  await observe('sent', 2); // duplicate: nothing written, no record
  await observe('delivered', 4);
  await observe('sending', 3); // late: its time is recorded, the status stays delivered
});

it('puts one event per status change on the bus, in order, and none for a late or duplicate callback', async () => {
  const bus = await eventBridgeStandIn();
  try {
    const event = await streamEvent(db.table);
    expect(event.Records.length).toBeGreaterThanOrEqual(4);
    const answer = await runBundle(event, bus.url);
    expect(answer).toEqual({ batchItemFailures: [] });
    const details = bus.received.map((entry) => JSON.parse(entry.Detail) as Record<string, unknown>);
    expect(details.map((d) => [d.status, d.previousStatus, d.statusRank])).toEqual([
      ['queued', null, 1],
      ['sent', 'queued', 3],
      ['delivered', 'sent', 6],
    ]);
    expect(details[2]).toMatchObject({
      eventId: `${sid}:delivered`,
      final: true,
      at: at(4),
      to: '+14155550100',
    });
    for (const entry of bus.received) {
      expect(entry).toMatchObject({
        Source: 'twilio-status-tracker',
        DetailType: 'Message Status Changed',
        EventBusName: 'tracker-bus',
      });
    }
  } finally {
    await bus.close();
  }
});

it('reports the first record whose event the bus keeps refusing, so Lambda retries from it', async () => {
  const bus = await eventBridgeStandIn((entry) => entry.Detail.includes('"status":"sent"'));
  try {
    const event = await streamEvent(db.table);
    const sentRecord = event.Records.find(
      (r) => r.dynamodb?.NewImage?.status?.S === 'sent' && r.dynamodb?.OldImage?.status?.S === 'queued',
    );
    const answer = await runBundle(event, bus.url);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: sentRecord!.dynamodb!.SequenceNumber }]);
    // What came before it went out; nothing after it did (it is delivered again, in order, on the retry).
    expect(bus.received.map((entry) => (JSON.parse(entry.Detail) as { status: string }).status)).toEqual([
      'queued',
    ]);
  } finally {
    await bus.close();
  }
});
