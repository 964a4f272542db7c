/**
 * GET /messages: the HTTP side of the list API (use-cases/list-messages.ts). JSON
 * `{"messages": [...], "nextCursor": ... | null}`, or CSV with `Accept: text/csv` or `format=csv` (the
 * next cursor then in `X-Next-Cursor`). A bad parameter is a 400 naming it, before anything is read; a
 * store that cannot be reached is a 503. No answer carries a stack trace.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { messagesToCsv } from '../../domain/csv';
import { parseListRequest } from '../../domain/list-query';
import type { ListOutcome } from '../../use-cases/list-messages';
import type { ListRequest } from '../../domain/list-query';
import { StoreUnavailableError, type Log } from '../../use-cases/ports';
import { header, jsonResponse, NOSNIFF, parseForm, type HttpResponse } from './http';

export interface ListEndpointDeps {
  listMessages(request: ListRequest): Promise<ListOutcome>;
  logger: Pick<Log, 'warn' | 'error'>;
}

export function createListHandler(deps: ListEndpointDeps) {
  return async function handleList(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    if (event.requestContext?.http?.method?.toUpperCase() !== 'GET') {
      return jsonResponse(405, { error: 'only GET is accepted' }, { allow: 'GET' });
    }
    // The raw query string, not queryStringParameters: API Gateway joins a repeated parameter with
    // commas, which would read `status=sent&status=failed` as a list instead of refusing it.
    const parsed = parseListRequest(parseForm(event.rawQueryString ?? ''), header(event, 'accept'));
    if (!parsed.ok) {
      const { parameter, message } = parsed.error;
      deps.logger.warn('list request refused', { parameter });
      return jsonResponse(400, { error: message, parameter });
    }
    let outcome: ListOutcome;
    try {
      outcome = await deps.listMessages(parsed.request);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.logger.error('message store unavailable', { detail: error.message });
      return jsonResponse(503, { error: 'temporarily unavailable, retry later' }, { 'retry-after': '5' });
    }
    if (outcome.kind === 'bad-cursor') {
      return jsonResponse(400, { error: '"cursor" is not a cursor this query gave', parameter: 'cursor' });
    }
    if (outcome.kind === 'index-missing') {
      return jsonResponse(501, {
        error: `the ${outcome.index} index is not deployed yet (docs/deploy.md: upgrading to the list API)`,
      });
    }
    if (parsed.request.format === 'json') {
      return jsonResponse(200, { messages: outcome.messages, nextCursor: outcome.nextCursor });
    }
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'cache-control': 'no-store',
        ...NOSNIFF,
        ...(outcome.nextCursor ? { 'x-next-cursor': outcome.nextCursor } : {}),
      },
      body: messagesToCsv(outcome.messages),
    };
  };
}
