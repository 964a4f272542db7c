/**
 * The list API over real HTTP for the list tests: a local pipeline of the file's own (no Twilio, quiet)
 * whose store holds a seeded truth, started before the file's tests and stopped after them; GET
 * /messages one page at a time or followed to the end; and what the answer must be.
 */
import type { MessageRecord } from '../../lambda/domain/message';
import { startLocalPipeline, type LocalPipeline, type PipelineOptions } from '../../local/pipeline';
import { dynamoEndpoint } from './dynamodb';
import { applySeed, type SeededMessage } from './seed-messages';

export interface ListPage {
  messages: MessageRecord[];
  nextCursor: string | null;
  /** The parameter a 400 names. */
  parameter?: string;
}

export interface ListApi {
  /** The pipeline, once the file's beforeAll has started it. */
  readonly pipeline: LocalPipeline;
  /** One GET /messages?{query}. */
  get(query: string): Promise<{ status: number; body: ListPage }>;
  /** Every page of a query, following nextCursor: each one a 200 of at most `limit` messages. */
  all(query: string, limit?: number): Promise<MessageRecord[]>;
}

/** Registers the file's beforeAll (start, then seed) and afterAll (stop). */
export function listApiOver(
  messages: readonly SeededMessage[],
  options: { tableName: string } & Omit<PipelineOptions, 'tableName'>,
): ListApi {
  let pipeline: LocalPipeline | undefined;
  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      port: 0,
      dynamodbEndpoint: dynamoEndpoint(),
      twilio: false,
      logLevel: 'SILENT',
      ...options,
    });
    await applySeed(pipeline.store, [...messages]);
  }, 180_000);
  afterAll(() => pipeline?.stop());

  const api: ListApi = {
    get pipeline() {
      if (!pipeline) throw new Error('the list pipeline starts in beforeAll');
      return pipeline;
    },
    async get(query) {
      const response = await fetch(`${api.pipeline.url}/messages?${query}`);
      return { status: response.status, body: (await response.json()) as ListPage };
    },
    async all(query, limit = 250) {
      const found: MessageRecord[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 200; page++) {
        const suffix: string = cursor ? `&cursor=${cursor}` : '';
        const { status, body } = await api.get(`${query}&limit=${limit}${suffix}`);
        expect(status).toBe(200);
        expect(body.messages.length).toBeLessThanOrEqual(limit);
        found.push(...body.messages);
        cursor = body.nextCursor;
        if (!cursor) return found;
      }
      throw new Error('more than 200 pages');
    },
  };
  return api;
}

/** The SIDs of the seeded messages created in [since, until) that match, newest first: the answer due. */
export function newestFirst(
  messages: readonly SeededMessage[],
  match: (m: SeededMessage) => boolean,
  since = '',
  until?: string,
): string[] {
  return messages
    .filter((m) => m.createdAt >= since && (until === undefined || m.createdAt < until) && match(m))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
    .map((m) => m.messageSid);
}

export const sids = (found: readonly MessageRecord[]) => found.map((m) => m.messageSid);
