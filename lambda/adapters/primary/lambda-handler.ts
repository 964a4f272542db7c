/**
 * The one Lambda entry wrapper every handler uses. Before the function runs, Powertools Logger's own
 * `addContext` (what its `injectLambdaContext` middleware does), so every log line of the invocation
 * carries the request id, the function name and whether it was a cold start. After it, however it ended,
 * Powertools Metrics' `publishStoredMetrics`, once: an invocation with nothing to count publishes
 * nothing (an empty set would only log a warning), and a function whose metrics were never built (they
 * are built on first use) has nothing to flush. An error that leaves the function passes through
 * `options.readableStack` first (the handlers give adapters/secondary/readable-stack.ts's): the Lambda
 * runtime logs what is thrown, and the bundles run without `--enable-source-maps`, so this is what
 * makes that stack point at the TypeScript source.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

/** What a composition module builds for one function: its logger, its metrics (once built), its work. */
export interface LambdaFunction<E, R> {
  readonly logger: Logger;
  /** The function's Metrics if they have been built (composition builds them on first use). */
  readonly metrics?: () => Metrics | undefined;
  /** `context` is absent only outside Lambda (local runs, scripts). */
  handle(event: E, context?: Context): Promise<R>;
}

export interface LambdaHandlerOptions {
  /** Rewrites a thrown error's stack in place before the runtime logs it (to the source, via the map). */
  readableStack?: (error: unknown) => void;
}

/**
 * Lambda always passes a context; a bare call (a script or a benchmark importing a handler) may run
 * without one, and then logs without the context's fields.
 */
export function lambdaHandler<E, R>(
  fn: LambdaFunction<E, R>,
  options: LambdaHandlerOptions = {},
): (event: E, context?: Context) => Promise<R> {
  return async (event, context) => {
    if (context) fn.logger.addContext(context);
    try {
      return await fn.handle(event, context);
    } catch (error) {
      options.readableStack?.(error);
      throw error;
    } finally {
      const metrics = fn.metrics?.();
      if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
