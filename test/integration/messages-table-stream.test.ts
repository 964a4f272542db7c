/**
 * The messages table's stream locally: a new table has it (the stack's definition), and a table kept by
 * `npm start -- --persist` from before streams were part of that definition gets it turned on at start.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../lambda/domain/contract';
import { ensureMessagesTable, localClient } from '../../local/dynamodb-local';
import { dynamoEndpoint } from '../support/dynamodb';

const admin = localClient(dynamoEndpoint());
const tables: string[] = [];
afterAll(async () => {
  for (const TableName of tables)
    await admin.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  admin.destroy();
});

async function streamOf(TableName: string) {
  const { Table } = await admin.send(new DescribeTableCommand({ TableName }));
  return { spec: Table?.StreamSpecification, arn: Table?.LatestStreamArn };
}

it('creates the table with a NEW_AND_OLD_IMAGES stream and answers its ARN', async () => {
  const name = `stream-new-${randomUUID().slice(0, 8)}`;
  tables.push(name);
  const arn = await ensureMessagesTable(dynamoEndpoint(), name);
  expect(await streamOf(name)).toEqual({
    spec: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    arn,
  });
  // Again (a restart): the same stream, not a new one.
  expect(await ensureMessagesTable(dynamoEndpoint(), name)).toBe(arn);
});

it('turns the stream on for a table made before streams were in its definition', async () => {
  const name = `stream-old-${randomUUID().slice(0, 8)}`;
  tables.push(name);
  await admin.send(new CreateTableCommand({ ...createTableInput(name), StreamSpecification: undefined }));
  expect((await streamOf(name)).arn).toBeUndefined();

  const arn = await ensureMessagesTable(dynamoEndpoint(), name);
  expect(arn).toMatch(new RegExp(`table/${name}/stream/`));
  expect(await streamOf(name)).toEqual({
    spec: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    arn,
  });
});
