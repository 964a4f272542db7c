/**
 * Each command declares its options once, as a spec: the parser (node's parseArgs, strict) and the
 * `--help` text are both made from it, so the help can never list an option the parser refuses or miss
 * one it takes.
 */
import { parseArgs } from 'node:util';
import { closestName } from '../../lambda/domain/closest-name';
import { UsageError } from './errors';
import { defaultLocalUrl } from './local-url';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in the help: `--limit N`. */
  value?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  /** What follows `npm run <name> --` in the usage line. */
  usage: string;
  summary: string;
  options: O;
  /** How many positional arguments it takes (`status SM...`: 1); none when absent. */
  positionals?: number;
  /** Command lines shown under the options. */
  examples: string[];
}

/** How to reach the tracker: the same options on every command that talks to it. */
export const TARGET_OPTIONS = {
  url: {
    type: 'string',
    value: 'URL',
    help: `the local server (default: ${defaultLocalUrl()}, from $TRACKER_URL or $PORT)`,
  },
  stack: {
    type: 'string',
    value: 'NAME',
    help: 'a deployed stack instead: its outputs say where the API is',
  },
  region: {
    type: 'string',
    value: 'REGION',
    help: "with --stack: the stack's region (default: the profile's)",
  },
  profile: {
    type: 'string',
    value: 'PROFILE',
    help: 'with --stack: the AWS profile (default: $AWS_PROFILE, else the default chain)',
  },
} as const satisfies OptionSpecs;

const HELP_OPTION = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies OptionSpecs;

export function helpText<O extends OptionSpecs>(command: CommandSpec<O>): string[] {
  const options = { ...command.options, ...HELP_OPTION } as OptionSpecs;
  const rows = Object.entries(options).map(([name, spec]) => ({
    left: `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`,
    right: spec.help + (spec.multiple ? ' (repeatable)' : ''),
  }));
  const width = Math.max(...rows.map((row) => row.left.length));
  return [
    `usage: npm run ${command.name} -- ${command.usage}`,
    '',
    command.summary,
    '',
    'options:',
    ...rows.map((row) => `  ${row.left.padEnd(width)}  ${row.right}`),
    '',
    'examples:',
    ...command.examples.map((example) => `  ${example}`),
  ];
}

type Parsed<O extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

export interface Command {
  spec: CommandSpec<OptionSpecs>;
  run(args: string[], io: Io): Promise<number>;
}

/**
 * A command from its spec and what it does with the parsed arguments. `--help` anywhere on the line
 * prints the help and succeeds, whatever else is there, so help works even on a broken line.
 */
export function defineCommand<const O extends OptionSpecs>(
  spec: CommandSpec<O>,
  run: (parsed: Parsed<O>, io: Io) => Promise<number>,
): Command {
  return {
    spec,
    async run(args, io) {
      const parsed = readCommandLine(spec, args, io);
      return parsed ? run(parsed, io) : 0;
    },
  };
}

/**
 * The arguments parsed by the spec, or undefined once `--help` (anywhere on the line) has printed the
 * help. A mistyped option or a missing value is a UsageError (exit code 2) that names the option and
 * the closest one the command takes. Every command line of the project goes through here: the CLI's
 * commands, `npm start`, `npm run demo` and `npm run report`.
 */
export function readCommandLine<const O extends OptionSpecs>(
  spec: CommandSpec<O>,
  args: string[],
  io: Io,
): Parsed<O> | undefined {
  if (args.includes('--help') || args.includes('-h')) {
    for (const line of helpText(spec)) io.out(line);
    return undefined;
  }
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(explainParseError(error, spec.name, [...Object.keys(spec.options), 'help']));
  }
  positionalsAtMost(parsed.positionals, spec.positionals ?? 0, spec.name);
  return parsed;
}

/** parseArgs' own messages are long and generic: say which option and what is wrong with it. */
function explainParseError(error: unknown, command: string, known: string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(-[^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const guess = closestName(option.replace(/^-+/, ''), known);
    return `unknown option ${option} for ${command}${guess ? `; did you mean --${guess}?` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    const name = option.split(/[ ,]/)[0];
    return /argument missing/.test(message) ? `${name} needs a value` : `${name} takes no value`;
  }
  return message;
}

/** A word the command does not take is most often a value with a space that lost its quotes. */
function positionalsAtMost(positionals: string[], max: number, command: string): void {
  if (positionals.length > max) {
    const extra = positionals[max];
    throw new UsageError(
      `unexpected argument "${extra}" for ${command}` +
        (extra?.includes(' ') ? '' : '; quote values that contain spaces'),
    );
  }
}

/** Where a command writes: results to `out` (stdout), messages about failures to `err` (stderr). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** The process's own streams. */
export const STANDARD_IO: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };
