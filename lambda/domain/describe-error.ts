/**
 * What an error says, for a log line or a terminal: its name, one line of message, and the stack when
 * there is one. The one description every part uses (the Lambdas log all three fields; the local
 * command-line tools print the message).
 */
export interface ErrorDescription {
  name?: string;
  message: string;
  stack?: string;
}

export function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof Error)) return { message: String(error) };
  return { name: error.name, message: messageOf(error), stack: error.stack };
}

/**
 * Some Node errors carry no message (an AggregateError from a connection attempt to both ::1 and
 * 127.0.0.1): fall back to what they hold.
 */
function messageOf(error: Error): string {
  if (error.message) return error.message;
  const inner = (error as { errors?: unknown[] }).errors?.[0];
  if (inner instanceof Error && inner.message) return inner.message;
  const code = (error as { code?: string }).code;
  return code ? `${error.name} (${code})` : error.name;
}
