/**
 * Command line for the tracker, local (`npm start`) or deployed (`--stack NAME`):
 *
 *   npm run send -- --to +14155551234 --body "Hello"     send one message
 *   npm run status -- SM0123...                          one message's status and history
 *   npm run messages -- --status failed --since 1h       the messages that match some filters
 *   npm run console -- --stack NAME                      the web console against a deployed stack
 *   npm run cli -- dead-numbers [clear NUMBER]           the dead numbers, or clear one
 *
 * `--help` on each command lists its options. Exit codes: 0 done, 1 refused or unreachable (the
 * message says by whom), 2 a mistyped command or option (the message says what was wrong). Results go
 * to stdout, everything else to stderr, so a command's output can be piped.
 */
import './node-version-notice';
import { closestName } from '../lambda/domain/closest-name';
import { describeError } from '../lambda/domain/describe-error';
import { consoleCommand } from './cli/console';
import { deadNumbers } from './cli/dead-numbers';
import { Failure, UsageError } from './cli/errors';
import { defaultLocalUrl } from './cli/local-url';
import { messages } from './cli/messages';
import { STANDARD_IO, type Command, type Io } from './cli/options';
import { send } from './cli/send';
import { status } from './cli/status';

const COMMANDS: Record<string, Command> = {
  send,
  status,
  messages,
  'dead-numbers': deadNumbers,
  console: consoleCommand,
};

export async function runCli(argv: string[], io: Io = STANDARD_IO): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      for (const line of overview()) (name === undefined ? io.err : io.out)(line);
      return name === undefined ? 2 : 0;
    }
    const command = COMMANDS[name];
    if (!command) {
      const guess = closestName(name, Object.keys(COMMANDS));
      throw new UsageError(`unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ''}`);
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      io.err(`see: npm run ${name && COMMANDS[name] ? `${name} -- --help` : 'cli -- --help'}`);
      return 2;
    }
    if (error instanceof Failure) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function overview(): string[] {
  return [
    'usage: npm run <command> -- [options]',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.spec.name.padEnd(9)} ${c.spec.summary}`),
    '',
    `Each command takes --help. Against \`npm start\` by default (${defaultLocalUrl()}; --url or`,
    'TRACKER_URL to change); against a deployed stack with --stack NAME [--region R] [--profile P].',
  ];
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      // A bug, not a refusal: one line, and the stack only when asked for.
      const { message, stack } = describeError(error);
      console.error(`error: ${message}`);
      if (process.env.DEBUG && stack) console.error(stack);
      process.exit(1);
    },
  );
}
