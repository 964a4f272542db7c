/**
 * `npm run console -- --stack NAME`: the web console on this machine against a deployed stack, through
 * a signing proxy on 127.0.0.1 (local/console/proxy.ts). Against `npm start` there is nothing to run:
 * its own server serves the console at `/`.
 */
import { buildConsole } from '../../scripts/bundle-console';
import { startConsoleProxy } from '../console/proxy';
import { UsageError } from './errors';
import { defineCommand, TARGET_OPTIONS } from './options';

export const consoleCommand = defineCommand(
  {
    name: 'console',
    usage: '--stack NAME [--region R] [--profile P] [--port N]',
    summary:
      'Serve the web console on 127.0.0.1 against a deployed stack; its API calls are signed here (SigV4).',
    options: {
      stack: {
        ...TARGET_OPTIONS.stack,
        help: 'the deployed stack (required): its outputs say where the API is',
      },
      region: TARGET_OPTIONS.region,
      profile: TARGET_OPTIONS.profile,
      port: { type: 'string', value: 'N', help: 'the local port (default 0: a free one)' },
    },
    examples: [
      'npm run console -- --stack TwilioStatusTracker-prod --profile my-sso-profile',
      'npm run console -- --stack TwilioStatusTracker-prod --region eu-west-1 --port 8787',
    ],
  },
  async ({ values }, io) => {
    if (values.stack === undefined)
      throw new UsageError('give --stack NAME (against `npm start`, open the URL it prints instead)');
    const port = portOf(values.port);
    // The stack's outputs are read before anything is served: a wrong name or profile fails here.
    const { connectToStack } = await import('./stack');
    const tracker = await connectToStack({
      stack: values.stack,
      region: values.region,
      profile: values.profile,
    });
    await buildConsole();
    const proxy = await startConsoleProxy({
      sign: (pathAndQuery) => tracker.signGet(pathAndQuery),
      historyReport: tracker.historyReport,
      port,
      onRefused: (status, reason) => io.err(`refused (${status}): ${reason}`),
      // The page is told only which step failed; the reason is printed here, for the user alone.
      onFailed: (step, error) =>
        io.err(`502 (${step}): ${error instanceof Error ? error.message : String(error)}`),
    });
    io.out(`The console of ${values.stack}, signed with your AWS credentials (they stay in this process):`);
    io.out(`  ${proxy.openUrl}`);
    io.err('Open that URL, token included: the console refuses API calls without it. Ctrl-C stops.');
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await proxy.close();
    tracker.close();
    return 0;
  },
);

function portOf(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be 0-65535, got "${value}"`);
  return port;
}
