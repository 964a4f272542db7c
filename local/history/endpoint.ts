/**
 * GET /history/report?since=ISO|7d&until=ISO&granularity=hour|day: the history report as JSON (the console draws its charts
 * from it), computed by DuckDB over the local folder on `npm start`, by Athena in the stack's workgroup
 * behind `npm run console -- --stack`. 404 when history is off, 400 naming a bad parameter.
 */
import { jsonResponse as json, type HttpResponse } from '../../lambda/adapters/primary/http';
import { HistoryQueryError, reportWindowOf } from '../../lambda/domain/history/queries';
import type { HistoryReport } from '../../lambda/domain/history/report';
import { computeHistoryReport } from './report';

export type ComputeReport = (window: HistoryReport['window']) => Promise<HistoryReport>;

/** The endpoint over a local history folder (undefined: history is off). */
export function localHistoryReportEndpoint(dir: string | undefined) {
  return historyReportEndpoint(dir === undefined ? undefined : (window) => computeHistoryReport(dir, window));
}

const PARAMETERS = ['since', 'until', 'granularity'];

export function historyReportEndpoint(compute: ComputeReport | undefined) {
  return async (params: URLSearchParams): Promise<HttpResponse> => {
    if (compute === undefined) return json(404, { error: 'history is off' });
    const unknown = [...params.keys()].find((key) => !PARAMETERS.includes(key));
    if (unknown !== undefined)
      return json(400, { error: `unknown parameter "${unknown}": since, until and granularity are known` });
    let window: HistoryReport['window'];
    try {
      window = reportWindowOf(
        {
          since: params.get('since') ?? undefined,
          until: params.get('until') ?? undefined,
          granularity: params.get('granularity') ?? undefined,
        },
        Date.now(),
      );
    } catch (error) {
      if (error instanceof HistoryQueryError) return json(400, { error: error.message });
      throw error;
    }
    try {
      return json(200, { ...(await compute(window)) });
    } catch (error) {
      return json(500, {
        error: `the history report failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };
}
