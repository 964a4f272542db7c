/**
 * The query Lambda's routes: GET /messages (the list API, adapters/primary/list-endpoint.ts) and
 * GET /messages/{messageSid}, a message's stored record and history. 200 with the record, 404 when there
 * is none, 400 for something that is not a message SID, 503 when the store cannot be reached. A message
 * seen only with statuses this version does not know is answered with `status: null`, `final: false`.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  DEAD_NUMBER_ROUTE_PATH,
  DEAD_NUMBERS_ROUTE_PATH,
  LIST_ROUTE_PATH,
  SID_PATTERNS,
} from '../../domain/contract';
import { jsonResponse, type HttpResponse } from './http';
import { StoreUnavailableError, type Log, type MessageReader } from '../../use-cases/ports';

const LIST_ROUTE_KEY = `GET ${LIST_ROUTE_PATH}`;
const DEAD_NUMBER_ROUTE_KEYS = [`GET ${DEAD_NUMBERS_ROUTE_PATH}`, `DELETE ${DEAD_NUMBER_ROUTE_PATH}`];

export interface QueryDeps {
  store: MessageReader;
  logger: Pick<Log, 'warn' | 'error'>;
  /** GET /messages; without it that route is not served here. */
  list?: (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;
  /** GET /dead-numbers and DELETE /dead-numbers/{recipient}; without it those routes are not served here. */
  deadNumbers?: (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;
}

export function createQueryHandler(deps: QueryDeps) {
  return async function handleQuery(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    if (deps.list && event.routeKey === LIST_ROUTE_KEY) return deps.list(event);
    if (deps.deadNumbers && DEAD_NUMBER_ROUTE_KEYS.includes(event.routeKey)) return deps.deadNumbers(event);
    if (event.requestContext?.http?.method?.toUpperCase() !== 'GET') {
      return jsonResponse(405, { error: 'only GET is accepted' }, { allow: 'GET' });
    }
    const messageSid = event.pathParameters?.messageSid ?? '';
    if (!SID_PATTERNS.message.test(messageSid)) {
      return jsonResponse(400, { error: 'messageSid must be SM or MM followed by 32 hex characters' });
    }
    try {
      const record = await deps.store.get(messageSid);
      if (!record) return jsonResponse(404, { error: `no message ${messageSid}` });
      return jsonResponse(200, record as unknown as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.logger.error('message store unavailable', { detail: error.message });
      return jsonResponse(503, { error: 'temporarily unavailable, retry later' });
    }
  };
}
