/**
 * `--stack NAME`: the tracker as deployed. The stack's outputs (CloudFormation DescribeStacks) say where
 * its HTTP API is (`QueryUrl`) and which function sends (`SenderFunctionName`). API requests are signed
 * with SigV4 for execute-api, as the routes' AWS_IAM authorisation requires; AWS has no HTTP send route,
 * so a send invokes the sender function with the send request as its payload.
 *
 * Credentials come from the SDK's default chain (`defaultProvider`, which `fromNodeProviderChain` of
 * @aws-sdk/credential-providers wraps): environment, profiles and SSO from the shared config files, then
 * container and instance roles. The same provider serves CloudFormation, Lambda and the signer, so one
 * profile (or one SSO login) is used throughout.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { MESSAGE_ROUTE_PATH } from '../../lambda/domain/contract';
import { computeAthenaHistoryReport, type AthenaQueries } from '../history/athena-report';
import type { ComputeReport } from '../history/endpoint';
import { athena, cloudFormation, lambda, type ClientConfig } from './aws-clients';
import { Failure, UsageError } from './errors';
import { fetchOrExplain, jsonObject, type SendAnswer, type Tracker } from './tracker';

export interface StackTarget {
  stack: string;
  region?: string;
  profile?: string;
}

/** A GET of the stack's API, signed with SigV4 and not yet sent: the URL and the headers to send. */
export interface SignedGet {
  url: string;
  headers: Array<[string, string]>;
}

export interface StackTracker extends Tracker {
  /** Signs a GET of a path (and query) of the API without sending it (the console proxy sends it). */
  signGet(pathAndQuery: string, headers?: Record<string, string>): Promise<SignedGet>;
  /**
   * The history report, by Athena in the stack's workgroup (its History* outputs); undefined when the
   * stack keeps no history.
   */
  historyReport?: ComputeReport;
}

export async function connectToStack(target: StackTarget): Promise<StackTracker> {
  const credentials = defaultProvider({ profile: target.profile });
  // `profile` also lets the clients take their region from that profile when --region is not given.
  const config: ClientConfig = { region: target.region, profile: target.profile, credentials };
  const outputs = await stackOutputs(target.stack, config);
  const output = (key: string): string => {
    const value = outputs.get(key);
    if (!value)
      throw new Failure(`stack ${target.stack} has no ${key} output: is it a twilio-status-tracker stack?`);
    return value;
  };

  const queryUrl = output('QueryUrl');
  if (!queryUrl.endsWith(MESSAGE_ROUTE_PATH))
    throw new Failure(
      `the QueryUrl output of ${target.stack} does not end in ${MESSAGE_ROUTE_PATH}: ${queryUrl}`,
    );
  const apiBase = queryUrl.slice(0, -MESSAGE_ROUTE_PATH.length);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: apiRegion(apiBase) ?? outputs.region,
    credentials,
    sha256: Sha256,
  });

  let sender: Awaited<ReturnType<typeof lambda>> | undefined;
  let athenaClient: Awaited<ReturnType<typeof athena>> | undefined;
  const [workGroup, database, table] = [
    'HistoryWorkGroupName',
    'HistoryDatabaseName',
    'HistoryTableName',
  ].map((key) => outputs.get(key));
  const historyReport: ComputeReport | undefined =
    workGroup && database && table
      ? async (window) => {
          athenaClient ??= await athena({ ...config, region: outputs.region });
          const calls = athenaClient;
          const queries: AthenaQueries = {
            start: (sql, group, db) =>
              sdkCall('Athena (start a history query)', config, () => calls.start(sql, group, db)),
            state: (id) => sdkCall(`Athena (history query ${id})`, config, () => calls.state(id)),
            results: (id, next) =>
              sdkCall(`Athena (results of ${id})`, config, () => calls.results(id, next)),
          };
          return computeAthenaHistoryReport(queries, { workGroup, database, table }, window);
        }
      : undefined;
  const signGet = async (
    pathAndQuery: string,
    headers: Record<string, string> = {},
    method: 'GET' | 'DELETE' = 'GET',
  ): Promise<SignedGet> => {
    const url = new URL(`${apiBase}${pathAndQuery}`);
    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
    });
    // fetch sets Host itself, from the same URL, so the value signed is the value sent.
    return { url: url.href, headers: Object.entries(signed.headers).filter(([name]) => name !== 'host') };
  };
  return {
    historyReport,
    signGet,
    async get(pathAndQuery, headers = {}) {
      const signed = await signGet(pathAndQuery, headers);
      return fetchOrExplain(signed.url, { headers: signed.headers });
    },
    async delete(path) {
      const signed = await signGet(path, {}, 'DELETE');
      return fetchOrExplain(signed.url, { method: 'DELETE', headers: signed.headers });
    },
    async send(request): Promise<SendAnswer> {
      const functionName = output('SenderFunctionName');
      sender ??= await lambda(config);
      const answer = await sdkCall(`Lambda (invoke ${functionName})`, config, () =>
        sender!.invoke(functionName, Buffer.from(JSON.stringify(request))),
      );
      const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
      const body = jsonObject(text) ?? {};
      if (answer.FunctionError) {
        const reason = typeof body.errorMessage === 'string' ? body.errorMessage : text;
        return { ok: false, error: `the sender function failed (${answer.FunctionError}): ${reason}` };
      }
      if ('error' in body) return { ok: false, error: body.error };
      return { ok: true, messageSid: String(body.messageSid), status: String(body.status) };
    },
    close: () => {
      sender?.client.destroy();
      athenaClient?.client.destroy();
    },
  };
}

/** The stack's outputs by key, and the region the stack was found in (for signing). */
async function stackOutputs(stack: string, config: ClientConfig) {
  const cfn = await cloudFormation(config);
  try {
    const outputs = await sdkCall(`CloudFormation (describe stack ${stack})`, config, () =>
      cfn.describeStackOutputs(stack),
    );
    const map = new Map(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
    return Object.assign(map, { region: await cfn.client.config.region() });
  } finally {
    cfn.client.destroy();
  }
}

/** `https://{apiId}.execute-api.{region}.amazonaws.com`: the API's own region, whatever the profile's. */
function apiRegion(apiBase: string): string | undefined {
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(apiBase).hostname)?.[1];
}

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** An SDK call whose failures say which call, in a line: no SDK stack traces on the terminal. */
async function sdkCall<T>(what: string, config: ClientConfig, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string };
    if (e.message === 'Region is missing') {
      const where = config.profile ? ` for profile ${config.profile} (is it in the AWS config file?)` : '';
      throw new UsageError(`no AWS region${where}: pass --region, or set one in the profile or AWS_REGION`);
    }
    if (e.name === 'CredentialsProviderError' || e.name === 'ProviderError')
      throw new Failure(
        `no AWS credentials${config.profile ? ` for profile ${config.profile}` : ''}: ${e.message}`,
      );
    // A network error's message names the address it tried (connect ECONNREFUSED 127.0.0.1:9).
    if (e.code && NETWORK_ERRORS.has(e.code))
      throw new Failure(`cannot reach ${what}: ${e.message ?? e.code}`);
    throw new Failure(
      `${what}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(error)}`,
    );
  }
}
