/**
 * `--stack NAME --profile P`: the CLI finds the API and the sender from the stack's outputs
 * (CloudFormation DescribeStacks), signs its API requests with SigV4 (execute-api), and sends by invoking
 * the sender function. Everything AWS is a stand-in on 127.0.0.1 that checks the signature of each
 * request with the SDK's own signer; the SDK is pointed at them with its service-specific endpoint
 * variables, and takes its credentials and region from a temporary AWS config of its own.
 */
import { runCli } from '../../local/cli';
import { freePort } from '../../local/free-port';
import { awsSandbox, startCloudFormation, startLambda, startSignedStandIn } from '../support/aws-stand-ins';
import { runToEnd } from '../support/processes';
import { answerJson, captureIo, type StandIn } from '../support/stand-in';

const CREDENTIALS = { accessKeyId: 'AKIATRACKERTEST00001', secretAccessKey: 'tracker-test-secret' };
const SID = `SM${'1'.repeat(32)}`;
const NEW_SID = `SM${'2'.repeat(32)}`;

let api: StandIn;
/** An API that expects the same access key with another secret: what a stale or wrong key meets. */
let otherApi: StandIn;
let cloudFormation: StandIn;
let lambda: StandIn;
let aws: ReturnType<typeof awsSandbox>;
const signedRegions: string[] = [];

beforeAll(async () => {
  api = await startSignedStandIn('execute-api', CREDENTIALS, (request, response, region) => {
    signedRegions.push(region);
    if (request.url.pathname === `/messages/${SID}`)
      return answerJson(response, 200, {
        messageSid: SID,
        status: 'delivered',
        final: true,
        to: '+14155550100',
      });
    if (request.url.pathname === '/messages')
      return answerJson(response, 200, {
        messages: [{ messageSid: SID, status: 'failed', errorCode: 30003 }],
        nextCursor: null,
      });
    answerJson(response, 404, { error: `no message ${request.url.pathname.split('/').pop()}` });
  });
  otherApi = await startSignedStandIn(
    'execute-api',
    { ...CREDENTIALS, secretAccessKey: 'another' },
    (_, response) => answerJson(response, 200, {}),
  );
  cloudFormation = await startCloudFormation(CREDENTIALS, {
    'Tracker-test': { QueryUrl: `${api.url}/messages/{messageSid}`, SenderFunctionName: 'tracker-sender' },
    'Tracker-other': { QueryUrl: `${otherApi.url}/messages/{messageSid}` },
  });
  lambda = await startLambda(CREDENTIALS, {
    'tracker-sender': (payload) => {
      const request = payload as { to: string; clientReference?: string };
      if (request.to === '+15005550009') throw new Error('Runtime.OutOfMemory');
      if (request.to === '+15005550004')
        return {
          error: {
            type: 'TwilioRejected',
            code: 21610,
            message: 'Attempt to send to unsubscribed recipient',
          },
        };
      return { messageSid: NEW_SID, status: `queued for ${request.to} (${request.clientReference})` };
    },
  });
  aws = awsSandbox({
    'tracker-test': CREDENTIALS,
    'wrong-secret': { ...CREDENTIALS, secretAccessKey: 'not-the-secret' },
  });
});

afterAll(async () => {
  await Promise.all([api.close(), otherApi.close(), cloudFormation.close(), lambda.close()]);
  aws.remove();
});

/** The CLI as a user runs it: its own process, AWS settings only from the files and endpoints above. */
const cli = (...args: string[]) => cliWith({}, ...args);
const cliWith = (env: Record<string, string>, ...args: string[]) =>
  runToEnd('local/cli.ts', args, {
    ...aws.env({ AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url, AWS_ENDPOINT_URL_LAMBDA: lambda.url }),
    ...env,
  });

it("reads a message through the stack's QueryUrl, signed with the profile's credentials", async () => {
  signedRegions.length = 0;
  const { code, stdout } = await cli('status', SID, '--stack', 'Tracker-test', '--profile', 'tracker-test');
  expect(code).toBe(0);
  expect(stdout).toContain(`${SID}  delivered (final)`);
  expect(cloudFormation.requests).not.toHaveLength(0);
  // The API's host names no region, so the request is signed for the profile's.
  expect(signedRegions).toEqual(['eu-west-1']);
});

it('lists messages from the stack, the filters in the signed query', async () => {
  const { code, stdout } = await cli(
    'messages',
    '--status',
    'failed,undelivered',
    '--ref',
    'order 42',
    '--json',
    '--stack',
    'Tracker-test',
    '--profile',
    'tracker-test',
  );
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual({
    messages: [{ messageSid: SID, status: 'failed', errorCode: 30003 }],
    nextCursor: null,
  });
  const listed = api.requests.at(-1)!;
  expect(listed.url.searchParams.get('status')).toBe('failed,undelivered');
  expect(listed.url.searchParams.get('clientReference')).toBe('order 42');
});

it('sends by invoking the sender function with the send request', async () => {
  const args = ['--stack', 'Tracker-test', '--profile', 'tracker-test'];
  const sent = await cli('send', '--to', '+14155550100', '--body', 'hi', '--ref', 'order-42', ...args);
  expect(sent.code).toBe(0);
  expect(sent.stdout.trim()).toBe(`${NEW_SID} queued for +14155550100 (order-42)`);
  expect(JSON.parse(lambda.requests.at(-1)!.body)).toEqual({
    to: '+14155550100',
    body: 'hi',
    clientReference: 'order-42',
  });

  const refused = await cli('send', '--to', '+15005550004', '--body', 'hi', ...args);
  expect(refused.code).toBe(1);
  expect(refused.output).toContain('send failed: Twilio 21610: Attempt to send to unsubscribed recipient');

  const crashed = await cli('send', '--to', '+15005550009', '--body', 'hi', ...args);
  expect(crashed.code).toBe(1);
  expect(crashed.output).toContain(
    'send failed: the sender function failed (Unhandled): Runtime.OutOfMemory',
  );
});

it("is refused when the signature is not the caller's (exit 1)", async () => {
  const api = await cli('status', SID, '--stack', 'Tracker-other', '--profile', 'tracker-test');
  expect(api.code).toBe(1);
  expect(api.output).toContain('error (403): The request signature we calculated does not match');
  const cfn = await cli('status', SID, '--stack', 'Tracker-test', '--profile', 'wrong-secret');
  expect(cfn.code).toBe(1);
  expect(cfn.output).toContain('error: CloudFormation (describe stack Tracker-test): SignatureDoesNotMatch');
  expect(api.output + cfn.output).not.toMatch(/\n\s+at /);
});

it('says which stack does not exist (exit 1)', async () => {
  const { code, output } = await cli('status', SID, '--stack', 'Nope', '--profile', 'tracker-test');
  expect(code).toBe(1);
  expect(output).toContain(
    'error: CloudFormation (describe stack Nope): ValidationError: Stack with id Nope does not exist',
  );
});

it('names the endpoint it could not reach (exit 1)', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  const args = ['status', SID, '--stack', 'Tracker-test', '--profile', 'tracker-test'];
  const { code, output } = await cliWith({ AWS_ENDPOINT_URL_CLOUDFORMATION: closed }, ...args);
  expect(code).toBe(1);
  expect(output).toContain(
    `error: cannot reach CloudFormation (describe stack Tracker-test): connect ECONNREFUSED ${closed.slice(7)}`,
  );
});

it('refuses --url together with --stack before calling AWS (exit 2)', async () => {
  const { io, err } = captureIo();
  expect(await runCli(['status', SID, '--url', api.url, '--stack', 'Tracker-test'], io)).toBe(2);
  expect(err[0]).toBe('error: give --url or --stack, not both');
});
