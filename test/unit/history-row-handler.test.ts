/**
 * The history-row bundle as Firehose runs it: a data-transformation event of Firehose's shape (base64
 * records), the built bundle in a fresh Node.js process, and the hash key read from a Secrets Manager
 * stand-in on the SDK's service endpoint variable (GetSecretValue, answered as the service does).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createPseudonymiser } from '../../lambda/adapters/secondary/pseudonymiser';
import { HISTORY_COLUMNS } from '../../lambda/domain/history/row';
import type { StatusChangeDetail } from '../../lambda/domain/status-event';
import { bundleDirectory } from '../../lib/constructs/tracker-function';
import { answerJson, startStandIn, type StandIn } from '../support/stand-in';

const KEY = 'k'.repeat(16) + 'history-test-key-0123456789abcdef';
const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:history-key-AbCdEf';
const TO = '+447700900123';
const FROM = '+14155550100';

function detail(overrides: Partial<StatusChangeDetail> = {}): StatusChangeDetail {
  return {
    eventId: 'SM0123456789abcdef0123456789abcdef:delivered',
    messageSid: 'SM0123456789abcdef0123456789abcdef',
    accountSid: 'AC0123456789abcdef0123456789abcdef',
    status: 'delivered',
    previousStatus: 'sent',
    statusRank: 6,
    final: true,
    at: '2026-11-30T10:00:05.000Z',
    errorCode: null,
    errorMessage: null,
    to: TO,
    from: FROM,
    messagingServiceSid: null,
    clientReference: 'order-42',
    tags: { campaign: 'winter' },
    channelPrefix: null,
    eventType: null,
    source: 'callback',
    statusTimes: { sent: '2026-11-30T10:00:02.000Z', delivered: '2026-11-30T10:00:05.000Z' },
    ...overrides,
  };
}

/** A Firehose data-transformation event: each record's data is the base64 of what EventBridge put. */
function firehoseEvent(texts: string[]): FirehoseTransformationEvent {
  return {
    invocationId: 'a8b2c6d4-0000-4000-8000-000000000001',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:111122223333:deliverystream/history',
    region: 'eu-west-1',
    records: texts.map((text, index) => ({
      recordId: `4960000000000000000000000000000000000000000000000000000${index}`,
      approximateArrivalTimestamp: 1764496805000 + index,
      data: Buffer.from(text).toString('base64'),
    })),
  };
}

/** Secrets Manager's GetSecretValue for the one secret, as the service answers it. */
function secretsManager(secretString: string): Promise<StandIn> {
  return startStandIn((request, response) => {
    const target = String(request.headers['x-amz-target']);
    const { SecretId } = JSON.parse(request.body) as { SecretId: string };
    if (target !== 'secretsmanager.GetSecretValue' || SecretId !== SECRET_ID) {
      answerJson(response, 400, { __type: 'ResourceNotFoundException', message: 'not found' });
      return;
    }
    answerJson(response, 200, {
      ARN: SECRET_ID,
      Name: 'history-key',
      SecretString: secretString,
      VersionId: 'v1',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1764496800,
    });
  });
}

async function runBundle(
  events: FirehoseTransformationEvent[],
  secretsUrl: string,
): Promise<{ results: FirehoseTransformationResult[]; output: string }> {
  const bundle = path.join(bundleDirectory('history-row'), 'index.mjs');
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const results = [];
    for (const event of JSON.parse(process.env.EVENTS)) results.push(await handler(event));
    process.stdout.write('\\nRESULT ' + JSON.stringify(results));`;
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    {
      env: {
        PATH: process.env.PATH,
        HISTORY_KEY_SECRET_ID: SECRET_ID,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SESSION_TOKEN: 'local',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
        POWERTOOLS_METRICS_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        EVENTS: JSON.stringify(events),
      },
      encoding: 'utf8',
    },
  );
  const [output, result] = stdout.split('\nRESULT ');
  return {
    results: JSON.parse(result!) as FirehoseTransformationResult[],
    output: `${output!}\n${stderr}`,
  };
}

const decoded = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

describe('history-row handler (the bundle, with the key from Secrets Manager)', () => {
  let secrets: StandIn;
  let results: FirehoseTransformationResult[];
  let output: string;
  const good = JSON.stringify(detail());
  const jump = JSON.stringify(detail({ status: 'failed', errorCode: 30008, to: `whatsapp:${TO}` }));
  const notADetail = JSON.stringify({ messageSid: 'SM1', to: TO, status: 'sent' });
  const notJson = `{"to":"${TO}"`;
  const events = [firehoseEvent([good, notADetail, jump, notJson]), firehoseEvent([good])];

  beforeAll(async () => {
    secrets = await secretsManager(KEY);
    ({ results, output } = await runBundle(events, secrets.url));
  }, 60_000);
  afterAll(() => secrets.close());

  it('answers every record by its id, in order', () => {
    expect(results[0]!.records.map((r) => r.recordId)).toEqual(events[0]!.records.map((r) => r.recordId));
    expect(results[0]!.records.map((r) => r.result)).toEqual([
      'Ok',
      'ProcessingFailed',
      'Ok',
      'ProcessingFailed',
    ]);
  });

  it('writes each detail as one newline-terminated JSON line with exactly the history columns', () => {
    const line = decoded(results[0]!.records[0]!.data);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const row = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(HISTORY_COLUMNS.map((c) => c.name));
    expect(row).toMatchObject({
      event_id: 'SM0123456789abcdef0123456789abcdef:delivered',
      status: 'delivered',
      previous_status: 'sent',
      status_rank: 6,
      final: true,
      status_at_ms: Date.parse('2026-11-30T10:00:05.000Z'),
      to_country: '44',
      from_country: '1',
      client_reference: 'order-42',
      tags: { campaign: 'winter' },
      source: 'callback',
    });
  });

  it('carries a keyed hash under the secret key instead of the numbers, and no number anywhere', () => {
    const pseudonymise = createPseudonymiser(KEY);
    const rows = [0, 2].map(
      (i) => JSON.parse(decoded(results[0]!.records[i]!.data)) as Record<string, unknown>,
    );
    expect(rows[0]).toMatchObject({ to_hash: pseudonymise(TO), from_hash: pseudonymise(FROM) });
    expect(rows[1]).toMatchObject({
      to_hash: pseudonymise(`whatsapp:${TO}`),
      to_country: '44',
      error_code: 30008,
    });
    for (const record of results.flatMap((r) => r.records).filter((r) => r.result === 'Ok')) {
      const text = decoded(record.data);
      for (const digits of [TO, FROM].map((n) => n.slice(1))) expect(text).not.toContain(digits);
    }
  });

  it('hands a refused record back unchanged, so Firehose writes it to the error prefix', () => {
    expect(results[0]!.records[1]!.data).toBe(events[0]!.records[1]!.data);
    expect(results[0]!.records[3]!.data).toBe(events[0]!.records[3]!.data);
  });

  it('logs what was refused by field, never the record (it may hold a number)', () => {
    expect(output).toContain('history records refused');
    expect(output).toContain('"refused":2');
    expect(output).not.toContain(TO.slice(1));
  });

  it('reads the key once and reuses it for the next invocations', () => {
    expect(results[1]!.records.map((r) => r.result)).toEqual(['Ok']);
    expect(
      secrets.requests.filter((r) => String(r.headers['x-amz-target']).endsWith('GetSecretValue')),
    ).toHaveLength(1);
  });
});

describe('history-row handler without its key', () => {
  it('fails the invocation (Firehose retries it) rather than writing rows without their hash', async () => {
    const secrets = await startStandIn((_request, response) =>
      answerJson(response, 400, {
        __type: 'ResourceNotFoundException',
        message: 'Secrets Manager cannot find the secret',
      }),
    );
    try {
      await expect(runBundle([firehoseEvent([JSON.stringify(detail())])], secrets.url)).rejects.toThrow(
        /ResourceNotFoundException|cannot find the secret/,
      );
    } finally {
      await secrets.close();
    }
  }, 60_000);
});
