/**
 * The Lambda bundles as the stack deploys them (dist/bundles, built by `npm run bundle`; TrackerFunction
 * points each function's asset at one of these directories): small enough for a quick cold start,
 * without the SDK's default credential chain, and working when loaded the way Lambda loads them (an ES
 * module in a fresh Node.js process, role credentials in the environment).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dynamoEndpoint, useMessageStore } from '../support/dynamodb';
import { callbackEvent, statusParams, testSid } from '../support/callbacks';
import { bundleDirectory } from '../../lib/constructs/tracker-function';
import { STORE_ENV } from '../support/lambda-env';
import { bundleModules, coldStartBytes } from '../../scripts/bundle';

const db = useMessageStore('bundle');

/** The module a function built from this bundle runs; throws with the fix when it was never built. */
function bundleModule(bundle: string): string {
  return path.join(bundleDirectory(bundle), 'index.mjs');
}

describe.each([
  ['status-callback', 'the callback'],
  ['query', 'the query'],
])('%s bundle (%s route)', (name) => {
  it('loads under 400 KB at a cold start and carries only the environment credential provider', () => {
    const bundle = bundleModule(name);
    expect(coldStartBytes(bundle)).toBeLessThan(400_000);
    // Every module the function deploys, the chunks behind an import() included.
    const sources = bundleModules(bundle).flatMap(
      (file) => (JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources,
    );
    expect(sources.some((source) => source.includes('credential-provider-env'))).toBe(true);
    for (const chain of [
      'credential-provider-node',
      'credential-provider-ini',
      'credential-provider-sso',
      'nested-clients',
    ]) {
      expect(sources.filter((source) => source.includes(`/${chain}/`))).toEqual([]);
    }
  });
});

it('the callback bundle stores a signed callback when run as Lambda runs it', async () => {
  const bundle = bundleModule('status-callback');
  const sid = testSid();
  const event = callbackEvent({ params: statusParams(sid, 'delivered'), token: 'bundle-token' });
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const response = await handler(JSON.parse(process.env.EVENT));
    process.stdout.write('\\nRESULT ' + JSON.stringify(response));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      TABLE_NAME: db.table.tableName,
      ...STORE_ENV,
      TWILIO_AUTH_TOKEN: 'bundle-token',
      // What Lambda provides: a region and the role's credentials in the environment. The SDK's
      // service-specific endpoint variable points the bundled client at DynamoDB Local.
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint(),
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      EVENT: JSON.stringify(event),
    },
    encoding: 'utf8',
  });
  // The handler's own structured log lines come first; the answer is on the last line.
  expect(output).toMatch(/"level":"INFO".*status callback applied/);
  expect(JSON.parse(output.split('\nRESULT ').pop()!)).toMatchObject({ statusCode: 200 });
  expect((await db.store.get(sid))?.status).toBe('delivered');
});
