/**
 * `npm run report -- [--dir DIR] [--since ISO|7d] [--until ISO] [--granularity hour|day] [--json] [--html FILE]`: the named
 * history queries run by DuckDB over the Parquet files `npm start` wrote, printed as tables. With
 * `--stack NAME [--region R] [--profile P]` the same queries run on Athena in the stack's workgroup
 * (local/history/athena-report.ts), signed with the user's AWS credentials. `--json`
 * prints the report's object (what GET /history/report answers), `--html FILE` writes one self-contained
 * page with charts. The folder is --dir, else HISTORY_DIR, else .local-data/history.
 *
 * Exit codes: 0 done, 1 the report could not be made (no such folder, unreadable files), 2 bad usage.
 */
import './node-version-notice';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../lambda/domain/describe-error';
import { HistoryQueryError, reportWindowOf } from '../lambda/domain/history/queries';
import type { HistoryReport } from '../lambda/domain/history/report';
import { DEFAULT_HISTORY_DIR } from './history/defaults';
import { historyReportHtml } from './history/html';
import { computeHistoryReport, HistoryDirError } from './history/report';
import { historyReportText } from './history/text';
import { Failure, UsageError } from './cli/errors';
import { readCommandLine, STANDARD_IO, type CommandSpec, type OptionSpecs } from './cli/options';

const REPORT = {
  name: 'report',
  usage:
    '[--dir DIR | --stack NAME [--region R] [--profile P]] [--since TIME] [--until TIME] [--granularity hour|day] [--json] [--html FILE]',
  summary: 'The history report: the named queries over the Parquet rows of every status change.',
  options: {
    dir: {
      type: 'string',
      value: 'DIR',
      help: `the history folder (default: $HISTORY_DIR, else ${DEFAULT_HISTORY_DIR})`,
    },
    stack: {
      type: 'string',
      value: 'NAME',
      help: 'a deployed stack instead: the queries run on its Athena workgroup',
    },
    region: { type: 'string', value: 'REGION', help: "with --stack: the stack's region" },
    profile: { type: 'string', value: 'PROFILE', help: 'with --stack: the AWS profile' },
    since: {
      type: 'string',
      value: 'TIME',
      help: 'window start: ISO 8601 date or time, or ago: 24h, 7d (default 7d)',
    },
    until: { type: 'string', value: 'TIME', help: 'window end: ISO 8601 date or time (default: now)' },
    granularity: {
      type: 'string',
      value: 'hour|day',
      help: 'the buckets of the -over-time queries (default: day)',
    },
    json: { type: 'boolean', help: 'print the report as JSON (what GET /history/report answers)' },
    html: { type: 'string', value: 'FILE', help: 'write a self-contained page with charts' },
  },
  examples: [
    'npm run report',
    'npm run report -- --since 2026-12-01 --until 2026-12-06 --json',
    'npm run report -- --since 2d --granularity hour',
    'npm run report -- --stack TwilioStatusTracker-prod --profile my-sso-profile --html report.html',
  ],
} as const satisfies CommandSpec<OptionSpecs>;

async function main(): Promise<number> {
  const parsed = readCommandLine(REPORT, process.argv.slice(2), STANDARD_IO);
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.html === '') throw new UsageError('--html needs a file name');
  let window: HistoryReport['window'];
  try {
    window = reportWindowOf(
      { since: values.since, until: values.until, granularity: values.granularity },
      Date.now(),
    );
  } catch (error) {
    if (error instanceof HistoryQueryError) throw new UsageError(`--${error.message}`);
    throw error;
  }
  const report =
    values.stack !== undefined ? await stackReport(values, window) : await localReport(values, window);
  if (values.html !== undefined) {
    writeFileSync(values.html, historyReportHtml(report));
    console.error(`wrote ${path.resolve(values.html)}`);
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else if (values.html === undefined) console.log(historyReportText(report));
  return 0;
}

async function localReport(values: ReportValues, window: HistoryReport['window']) {
  if (values.region !== undefined || values.profile !== undefined)
    throw new UsageError('--region and --profile go with --stack NAME');
  const dir = values.dir ?? (process.env.HISTORY_DIR || DEFAULT_HISTORY_DIR);
  return computeHistoryReport(dir, window).catch((error: unknown) => {
    if (error instanceof HistoryDirError)
      throw new HistoryDirError(
        `${error.message}: npm start writes one (unless HISTORY=off); or name a folder with --dir`,
      );
    throw error;
  });
}

/** The same report from a deployed stack's Athena workgroup (loaded only then: the SDK is not small). */
async function stackReport(values: ReportValues, window: HistoryReport['window']) {
  if (values.dir !== undefined) throw new UsageError('give --dir or --stack, not both');
  const { connectToStack } = await import('./cli/stack');
  const tracker = await connectToStack({
    stack: values.stack!,
    region: values.region,
    profile: values.profile,
  });
  try {
    if (!tracker.historyReport)
      throw new Failure(`stack ${values.stack} keeps no history (it has no HistoryWorkGroupName output)`);
    return await tracker.historyReport(window);
  } finally {
    tracker.close();
  }
}

type ReportValues = NonNullable<ReturnType<typeof readCommandLine<(typeof REPORT)['options']>>>['values'];

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = describeError(error).message;
    console.error(`npm run report: ${message}`);
    if (error instanceof UsageError) {
      console.error(`usage: npm run report -- ${REPORT.usage}`);
      console.error('see: npm run report -- --help');
      process.exit(2);
    }
    if (!(error instanceof HistoryDirError || error instanceof Failure) && process.env.DEBUG)
      console.error(error);
    process.exit(1);
  },
);
