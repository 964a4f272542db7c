/**
 * What the `--stack` path talks to in AWS, on 127.0.0.1: CloudFormation (DescribeStacks, the query
 * protocol's XML), Lambda (Invoke, REST JSON) and the tracker's IAM-authorised HTTP API. Each checks
 * the request's SigV4 signature the way AWS does, by signing the received request again with the SDK's
 * own signer and the caller's credentials and comparing: a request signed with other credentials, for
 * another region or service, or changed after signing is refused with AWS's 403.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answerJson, startStandIn, type ReceivedRequest, type StandIn } from './stand-in';

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/;

/** The scope a request was signed for, or why its signature is refused. */
export async function verifySigV4(
  request: ReceivedRequest,
  credentials: TestCredentials,
): Promise<{ ok: true; region: string; service: string } | { ok: false; problem: string }> {
  const authorization = String(request.headers.authorization ?? '');
  const match = AUTHORIZATION.exec(authorization);
  if (!match) return { ok: false, problem: 'Missing Authentication Token' };
  const [, keyId, region, service, signedHeaders] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (keyId !== credentials.accessKeyId) return { ok: false, problem: `unknown access key ${keyId}` };
  const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
    String(request.headers['x-amz-date']),
  );
  if (!amzDate) return { ok: false, problem: 'no X-Amz-Date' };
  const [, y, mo, d, h, mi, s] = amzDate;
  const query: Record<string, string[]> = {};
  for (const [key, value] of request.url.searchParams) (query[key] ??= []).push(value);
  const headers = Object.fromEntries(
    signedHeaders.split(';').map((name) => [name, String(request.headers[name])]),
  );
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: request.url.hostname,
      port: Number(request.url.port),
      path: request.url.pathname,
      query,
      headers,
      body: request.body || undefined,
    },
    { signingDate: new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`) },
  );
  if (expected.headers.authorization !== authorization)
    return {
      ok: false,
      problem: 'The request signature we calculated does not match the signature you provided.',
    };
  return { ok: true, region, service };
}

type Refuse = (response: ServerResponse, problem: string) => void;

/** API Gateway's and Lambda's refusal: JSON with a message. */
const refuseJson: Refuse = (response, message) => answerJson(response, 403, { message });

/** A stand-in that answers only requests signed for `service` with the given credentials. */
export function startSignedStandIn(
  service: string,
  credentials: TestCredentials,
  handler: (request: ReceivedRequest, response: ServerResponse, region: string) => void,
  refuse: Refuse = refuseJson,
): Promise<StandIn> {
  return startStandIn(async (request, response) => {
    const verdict = await verifySigV4(request, credentials);
    if (!verdict.ok) return refuse(response, verdict.problem);
    if (verdict.service !== service) return refuse(response, `signed for ${verdict.service}, not ${service}`);
    handler(request, response, verdict.region);
  });
}

/** The query protocol's error document. */
function queryError(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { 'content-type': 'text/xml' });
  response.end(
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">` +
      `<Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
      `<RequestId>stand-in</RequestId></ErrorResponse>`,
  );
}

/** DescribeStacks in the CloudFormation query protocol: one stack with these outputs, or ValidationError. */
export function startCloudFormation(
  credentials: TestCredentials,
  stacks: Record<string, Record<string, string>>,
): Promise<StandIn> {
  const refuse: Refuse = (response, problem) => queryError(response, 403, 'SignatureDoesNotMatch', problem);
  return startSignedStandIn(
    'cloudformation',
    credentials,
    (request, response) => {
      const form = new URLSearchParams(request.body);
      const name = form.get('StackName') ?? '';
      const outputs = stacks[name];
      if (form.get('Action') !== 'DescribeStacks' || !outputs)
        return queryError(response, 400, 'ValidationError', `Stack with id ${name} does not exist`);
      const members = Object.entries(outputs)
        .map(
          ([key, value]) =>
            `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`,
        )
        .join('');
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<?xml version="1.0"?>\n<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult>` +
          `<Stacks><member><StackName>${name}</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/1</StackId>` +
          `<CreationTime>2026-11-23T07:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
          `<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult>` +
          `<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    },
    refuse,
  );
}

/** A query's answer as Athena gives it: typed columns, every value as text (null for SQL NULL). */
export interface AthenaAnswer {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Array<string | null>>;
}

/**
 * Athena (JSON 1.1 protocol): StartQueryExecution hands the SQL to `answer` (which may throw to fail the
 * query), GetQueryExecution says RUNNING once and then SUCCEEDED or FAILED, GetQueryResults pages the
 * rows `pageSize` at a time after the header row Athena puts first. `started` records every query.
 */
export async function startAthena(
  credentials: TestCredentials,
  answer: (sql: string, workGroup: string, database: string) => Promise<AthenaAnswer>,
  pageSize = 3,
): Promise<StandIn & { started: Array<{ sql: string; workGroup: string; database: string }> }> {
  const started: Array<{ sql: string; workGroup: string; database: string }> = [];
  const executions = new Map<string, { looked: number; result?: AthenaAnswer; error?: string }>();
  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  };
  const standIn = await startSignedStandIn('athena', credentials, (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const input = JSON.parse(request.body || '{}') as Record<string, unknown>;
    void (async () => {
      if (target === 'AmazonAthena.StartQueryExecution') {
        const sql = String(input.QueryString);
        const workGroup = String(input.WorkGroup);
        const database = String((input.QueryExecutionContext as { Database?: string })?.Database);
        started.push({ sql, workGroup, database });
        const id = `query-${started.length}`;
        const execution: { looked: number; result?: AthenaAnswer; error?: string } = { looked: 0 };
        executions.set(id, execution);
        await answer(sql, workGroup, database).then(
          (result) => (execution.result = result),
          (error: unknown) => (execution.error = error instanceof Error ? error.message : String(error)),
        );
        return reply(response, 200, { QueryExecutionId: id });
      }
      const execution = executions.get(String(input.QueryExecutionId));
      if (!execution)
        return reply(response, 400, { __type: 'InvalidRequestException', Message: 'no such query' });
      if (target === 'AmazonAthena.GetQueryExecution') {
        const state = execution.looked++ === 0 ? 'RUNNING' : execution.error ? 'FAILED' : 'SUCCEEDED';
        return reply(response, 200, {
          QueryExecution: { Status: { State: state, StateChangeReason: execution.error } },
        });
      }
      if (target === 'AmazonAthena.GetQueryResults' && execution.result) {
        const { columns, rows } = execution.result;
        const all = [columns.map((c) => c.name), ...rows];
        const from = Number(input.NextToken ?? 0);
        const page = all.slice(from, from + pageSize);
        return reply(response, 200, {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: columns.map((c) => ({ Name: c.name, Type: c.type })) },
            Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
          },
          ...(from + pageSize < all.length ? { NextToken: String(from + pageSize) } : {}),
        });
      }
      reply(response, 400, { __type: 'InvalidRequestException', Message: `unexpected ${target}` });
    })();
  });
  return Object.assign(standIn, { started });
}

/** Lambda Invoke: the function's answer to the payload, or what it threw, as the Lambda API returns them. */
export function startLambda(
  credentials: TestCredentials,
  functions: Record<string, (payload: unknown) => unknown>,
): Promise<StandIn> {
  return startSignedStandIn('lambda', credentials, (request, response) => {
    const name = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.url.pathname)?.[1] ?? '';
    const fn = functions[decodeURIComponent(name)];
    if (request.method !== 'POST' || !fn) {
      response.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      return void response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
    }
    const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
    let answer: string;
    try {
      answer = JSON.stringify(fn(JSON.parse(request.body || 'null')));
    } catch (error) {
      // A function that throws: still 200, the error in the payload and X-Amz-Function-Error.
      const errorMessage = error instanceof Error ? error.message : String(error);
      response.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
      response.end(JSON.stringify({ errorType: 'Error', errorMessage, trace: ['Error: ' + errorMessage] }));
      return;
    }
    response.writeHead(200, headers).end(answer);
  });
}

/**
 * AWS settings for a command run as a user runs it, pointing only at stand-ins: a temporary config and
 * credentials file with these profiles (all in `region`), and an environment in which nothing else
 * may answer for AWS (not the environment's credentials, region or instance metadata).
 */
export function awsSandbox(profiles: Record<string, TestCredentials>, region = 'eu-west-1') {
  const dir = mkdtempSync(path.join(tmpdir(), 'tracker-aws-'));
  const names = Object.keys(profiles);
  writeFileSync(
    path.join(dir, 'config'),
    names.map((name) => `[profile ${name}]\nregion = ${region}\n`).join('\n'),
  );
  writeFileSync(
    path.join(dir, 'credentials'),
    names
      .map(
        (name) =>
          `[${name}]\naws_access_key_id = ${profiles[name]!.accessKeyId}\n` +
          `aws_secret_access_key = ${profiles[name]!.secretAccessKey}\n`,
      )
      .join('\n'),
  );
  return {
    /** The environment of a child process: these files, these endpoints (AWS_ENDPOINT_URL_<SERVICE>). */
    env: (endpoints: Record<string, string>): Record<string, string | undefined> => ({
      AWS_CONFIG_FILE: path.join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      ...endpoints,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
