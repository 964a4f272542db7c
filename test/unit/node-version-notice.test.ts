/**
 * The local tools open without the AWS SDK's eight-line Node.js notice: importing
 * local/node-version-notice.ts first silences it (for child processes too), and the note that replaces
 * it names the Lambdas' runtime.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const olderThanTheSdkWants = Number(process.versions.node.split('.')[0]) < 22;

/** stderr of a fresh process that makes a DynamoDB client (the SDK's notice comes with the first client). */
async function stderrOf(prelude: string): Promise<string> {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const script =
    `${prelude}\nconst { DynamoDBClient } = require('@aws-sdk/client-dynamodb');\n` +
    "new DynamoDBClient({ region: 'us-east-1' });\n" +
    "require('node:child_process').execFileSync(process.execPath, ['-e', " +
    "\"new (require('@aws-sdk/client-dynamodb').DynamoDBClient)({ region: 'us-east-1' })\"], { stdio: 'inherit' });";
  const { stderr } = await promisify(execFile)(TSX, ['-e', script], { cwd: ROOT, env });
  return stderr;
}

it('the SDK notice shows without it, and neither the tool nor its child processes show it with it', async () => {
  // On Node.js 22+ the SDK has no notice to show: only the second half applies.
  if (olderThanTheSdkWants) expect(await stderrOf('')).toContain('NodeVersionSupportWarning');
  expect(await stderrOf("require('./local/node-version-notice');")).not.toContain(
    'NodeVersionSupportWarning',
  );
}, 30_000);

it('says in one line which Node.js runs the tools and which the Lambdas', async () => {
  const { nodeVersionNote, LAMBDA_NODE_MAJOR } = await import('../../local/node-version-notice');
  const note = nodeVersionNote();
  if (!olderThanTheSdkWants) return expect(note).toBeUndefined();
  expect(note).toBe(
    `Node.js ${process.versions.node} runs the local tools; the Lambdas run Node.js ${LAMBDA_NODE_MAJOR}.`,
  );
});
