/**
 * The two ways a command fails on purpose, and their exit codes: what the user typed is wrong (2), or
 * the tracker, AWS or the network said no (1). Anything else is a bug and is reported as one.
 */

/** Wrong input on the command line: exit code 2. */
export class UsageError extends Error {}

/** Refused or unreachable: exit code 1, the message says by whom and why. */
export class Failure extends Error {}

/** Nothing answered: names what was tried, since undici's own message is a bare `fetch failed`. */
export class UnreachableError extends Failure {
  constructor(target: string, cause: unknown, hint?: string) {
    super(`cannot reach ${target} (${causeOf(cause)})${hint ? `; ${hint}` : ''}`);
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const own = error as { code?: string; message?: string } | null;
  return cause?.code ?? cause?.message ?? own?.code ?? own?.message ?? String(error);
}
