/**
 * A one-line description of an error for the command-line tools. Some Node errors carry no message
 * (an AggregateError from a connection attempt to both ::1 and 127.0.0.1): fall back to what they hold.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const inner = (error as { errors?: unknown[] }).errors?.[0];
  if (inner instanceof Error && inner.message) return inner.message;
  const code = (error as { code?: string }).code;
  return code ? `${error.name} (${code})` : error.name;
}
