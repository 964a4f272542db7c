import {
  ENV,
  QUERY_ENV,
  readEnvironment,
  SENDER_ENV,
  setting,
  STATUS_CALLBACK_ENV,
} from '../../../lambda/domain/environment';

const RECORDING = { TABLE_NAME: 'messages', RETENTION_DAYS: '400', PENDING_SHARDS: '16' };

describe('the environment contract', () => {
  it('reads what the construct writes, the same value back', () => {
    const written = Object.fromEntries([
      setting(ENV.tableName, 'messages'),
      setting(ENV.retentionDays, 400),
      setting(ENV.pendingShards, 16),
      setting(ENV.tagIndexKey, 'campaign'),
      setting(ENV.deadNumbersTableName, 'dead-numbers'),
      setting(ENV.publicBaseUrl, 'https://hooks.example.com'),
    ]);
    expect(readEnvironment(written, STATUS_CALLBACK_ENV)).toMatchObject({
      tableName: 'messages',
      retentionDays: 400,
      pendingShards: 16,
      tagIndexKey: 'campaign',
      deadNumbersTableName: 'dead-numbers',
      publicBaseUrl: 'https://hooks.example.com',
      accountSecretShards: 0,
    });
  });

  it('fails the cold start naming a missing variable', () => {
    expect(() => readEnvironment({ TABLE_NAME: 'messages' }, STATUS_CALLBACK_ENV)).toThrow(
      'Environment variable RETENTION_DAYS is required',
    );
  });

  it('fails the cold start naming a malformed variable', () => {
    expect(() => readEnvironment({ ...RECORDING, PENDING_SHARDS: '1.5' }, STATUS_CALLBACK_ENV)).toThrow(
      'PENDING_SHARDS must be a positive integer, got "1.5"',
    );
    expect(() => readEnvironment({ ...RECORDING, TAG_INDEX_KEY: 'not a key' }, STATUS_CALLBACK_ENV)).toThrow(
      'Environment variable TAG_INDEX_KEY: "tagIndexKey" must be a tag key',
    );
    expect(() => readEnvironment({ ...RECORDING, LIST_INDEXES: 'byNothing' }, QUERY_ENV)).toThrow(
      /byNothing/,
    );
  });

  it('keeps the tag index and the dead-numbers table off when they are not set', () => {
    const settings = readEnvironment({ ...RECORDING, LIST_INDEXES: '' }, QUERY_ENV);
    expect(settings.tagIndexKey).toBeUndefined();
    expect(settings.deadNumbersTableName).toBeUndefined();
    expect(settings.listIndexes).toEqual([]);
  });

  it("refuses the sender's send policy unless it is refuse or warn, and refuses by default", () => {
    const sender = {
      ...RECORDING,
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      SEND_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/send',
      STATUS_CALLBACK_URL: 'https://hooks.example.com/message-status',
    };
    expect(readEnvironment(sender, SENDER_ENV).deadNumberPolicy).toBe('refuse');
    expect(readEnvironment({ ...sender, DEAD_NUMBER_POLICY: 'warn' }, SENDER_ENV).deadNumberPolicy).toBe(
      'warn',
    );
    expect(() => readEnvironment({ ...sender, DEAD_NUMBER_POLICY: 'ignore' }, SENDER_ENV)).toThrow(
      'DEAD_NUMBER_POLICY must be "refuse" or "warn", got "ignore"',
    );
    expect(() =>
      readEnvironment({ ...sender, STATUS_CALLBACK_URL: 'https://my_host.example.com/cb' }, SENDER_ENV),
    ).toThrow('STATUS_CALLBACK_URL must be an http(s) URL whose host has no underscore');
  });
});
