/**
 * `GET /health` of `npm start`: 200 `{"status":"ok","checks":{...}}` only when every part it runs
 * answers, else 503 `{"status":"unavailable","checks":{...}}` naming the part that does not. The checks:
 *
 *   store          one DescribeTable of the messages table, with a short timeout
 *   streamReader   the events consumer's own liveness (local/events/stream-reader.ts)
 *   historyWriter  the history writer's own liveness (local/history/writer.ts)
 *
 * A part that is turned off (events, history) is `off` and does not make the answer a 503. Every check
 * is bounded in time, so /health answers within a few seconds whatever is down.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { jsonResponse, type HttpResponse } from '../lambda/adapters/primary/http';

export type CheckResult = { status: 'ok' } | { status: 'down'; reason: string } | { status: 'off' };
export type HealthCheck = () => CheckResult | Promise<CheckResult>;

/** The longest a check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

export const OK: CheckResult = { status: 'ok' };
export const OFF: CheckResult = { status: 'off' };
export const down = (reason: string): CheckResult => ({ status: 'down', reason: reason.slice(0, 200) });

/** Runs every check at once and answers 200 when none is down, 503 naming each that is. */
export async function healthAnswer(checks: Record<string, HealthCheck>): Promise<HttpResponse> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await bounded(check)] as const),
  );
  const unavailable = results.some(([, result]) => result.status === 'down');
  return jsonResponse(unavailable ? 503 : 200, {
    status: unavailable ? 'unavailable' : 'ok',
    checks: Object.fromEntries(results),
  });
}

async function bounded(check: HealthCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve(down(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(check), late]);
  } catch (error) {
    return down(reasonOf(error));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The store check: DescribeTable of the messages table, on a client of its own that tries once (the
 * app's client retries, which would make a dead store look slow instead of down).
 */
export function storeCheck(client: DynamoDBClient, tableName: string, timeoutMs = 1_000): HealthCheck {
  return async () => {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
      if (Table?.TableStatus !== 'ACTIVE')
        return down(`table ${tableName} is ${Table?.TableStatus ?? 'unknown'}`);
      return OK;
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException')
        return down(`table ${tableName} does not exist`);
      return down(`DescribeTable failed: ${reasonOf(error)}`);
    }
  };
}

/** An error in one line: its code or name, and its message (no stack). */
export function reasonOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  const label = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(error);
  return message && message !== label ? `${label}: ${message}` : label;
}
