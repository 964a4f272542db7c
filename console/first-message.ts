/** How a first message gets into the tracker serving the page. */

/** A recipient for the samples: the command line's own example number. */
const SAMPLE_TO = '+14155551234';

/**
 * The commands that put a first message into the tracker serving this page, as a terminal in the
 * project's folder takes them (local/cli/send.ts, local/demo.ts). `npm start`'s server is this page's
 * origin (`--url`); behind `npm run console -- --stack` the page cannot know the stack's name, and the
 * demo sends to a local server only.
 */
export function firstMessageCommands(
  origin: string,
  live: 'sse' | 'poll',
): { send: string; demo: string | undefined } {
  const target = live === 'poll' ? '--stack STACK_NAME' : `--url ${origin}`;
  return {
    send: `npm run send -- ${target} --to ${SAMPLE_TO} --body "Hello"`,
    demo: live === 'poll' ? undefined : `npm run demo -- --url ${origin} --messages 50`,
  };
}
