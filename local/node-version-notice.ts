/**
 * Imported first by every local entry point (`npm start`, the demo, the CLI, the report). On Node.js
 * older than 22 the AWS SDK opens each process with an eight-line notice that its releases after early
 * 2027 need Node.js 22. For the local tools that is noise (the Lambdas themselves run Node.js
 * LAMBDA_NODE_MAJOR), so importing this silences it, for child processes too; `npm start` and the demo
 * say so once, in one line (nodeVersionNote).
 */

/** The Lambdas' Node.js major version: TRACKER_RUNTIME in lib/constructs/tracker-function.ts (a test checks). */
export const LAMBDA_NODE_MAJOR = 24;

/** The SDK's own switch for the notice. */
export const SDK_NOTICE_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

const olderThanTheSdkWants = Number(process.versions.node.split('.')[0]) < 22;
if (olderThanTheSdkWants) process.env[SDK_NOTICE_SWITCH] ??= 'true';

/** The one line that replaces the SDK's notice, or undefined on a Node.js the SDK has no notice for. */
export function nodeVersionNote(): string | undefined {
  if (!olderThanTheSdkWants) return undefined;
  return `Node.js ${process.versions.node} runs the local tools; the Lambdas run Node.js ${LAMBDA_NODE_MAJOR}.`;
}
