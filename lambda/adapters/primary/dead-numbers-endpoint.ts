/**
 * The dead-numbers API (domain/dead-numbers.ts): `GET /dead-numbers?limit&cursor` lists them
 * (`{"deadNumbers": [...], "nextCursor": ... | null}`, full numbers, as the list API answers `to`), and
 * `DELETE /dead-numbers/{recipient}` clears one so sends to it go through again. Authorised like the
 * list API (AWS_IAM in AWS). A bad parameter is a 400 naming it, before anything is read; a store that
 * cannot be reached is a 503. Numbers are logged masked only.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { maskAddress } from '../../domain/masking';
import { BadCursorError, StoreUnavailableError, type DeadNumberStore, type Log } from '../../use-cases/ports';
import { jsonResponse, parseForm, type HttpResponse } from './http';

export const DEFAULT_DEAD_NUMBERS_LIMIT = 100;
export const MAX_DEAD_NUMBERS_LIMIT = 1000;
/** Longest recipient accepted (a `whatsapp:` or `messenger:` address included). */
const MAX_RECIPIENT_LENGTH = 128;

export interface DeadNumbersEndpointDeps {
  store: DeadNumberStore;
  logger: Pick<Log, 'info' | 'warn' | 'error'>;
}

export function createDeadNumbersHandler(deps: DeadNumbersEndpointDeps) {
  const unavailable = (error: unknown): HttpResponse => {
    if (!(error instanceof StoreUnavailableError)) throw error;
    deps.logger.error('dead-number store unavailable', { detail: error.message });
    return jsonResponse(503, { error: 'temporarily unavailable, retry later' }, { 'retry-after': '5' });
  };

  const list = async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const fields = parseForm(event.rawQueryString ?? '');
    let limit = DEFAULT_DEAD_NUMBERS_LIMIT;
    let cursor: string | undefined;
    for (const [name, values] of Object.entries(fields)) {
      if (values.length > 1) return badParameter(name, `"${name}" is given more than once`);
      const value = values[0] ?? '';
      if (name === 'limit') {
        if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_DEAD_NUMBERS_LIMIT)
          return badParameter(name, `"limit" must be a whole number from 1 to ${MAX_DEAD_NUMBERS_LIMIT}`);
        limit = Number(value);
      } else if (name === 'cursor') {
        if (value === '' || value.length > 1024)
          return badParameter(name, '"cursor" is not a cursor this list gave');
        cursor = value;
      } else {
        return badParameter(name, `unknown parameter "${name}"; known: limit, cursor`);
      }
    }
    try {
      const page = await deps.store.list({ limit, cursor });
      return jsonResponse(200, { deadNumbers: page.deadNumbers, nextCursor: page.nextCursor ?? null });
    } catch (error) {
      if (error instanceof BadCursorError)
        return badParameter('cursor', '"cursor" is not a cursor this list gave');
      return unavailable(error);
    }
  };

  const clear = async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const recipient = event.pathParameters?.recipient ?? '';
    if (recipient === '' || recipient.length > MAX_RECIPIENT_LENGTH || /[\s/]/.test(recipient)) {
      return jsonResponse(400, {
        error: 'not a recipient address (like +14155550100)',
        parameter: 'recipient',
      });
    }
    try {
      const cleared = await deps.store.clear(recipient);
      if (!cleared) return jsonResponse(404, { error: 'this recipient is not a dead number' });
      deps.logger.info('dead number cleared', { to: maskAddress(recipient) });
      return jsonResponse(200, { cleared: recipient });
    } catch (error) {
      return unavailable(error);
    }
  };

  return async function handleDeadNumbers(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const method = event.requestContext?.http?.method?.toUpperCase();
    const one = event.pathParameters?.recipient !== undefined;
    if (one) {
      if (method !== 'DELETE')
        return jsonResponse(405, { error: 'only DELETE is accepted' }, { allow: 'DELETE' });
      return clear(event);
    }
    if (method !== 'GET') return jsonResponse(405, { error: 'only GET is accepted' }, { allow: 'GET' });
    return list(event);
  };

  function badParameter(parameter: string, error: string): HttpResponse {
    deps.logger.warn('dead-numbers request refused', { parameter });
    return jsonResponse(400, { error, parameter });
  }
}
