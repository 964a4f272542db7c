import { createQueryHandler } from '../../lambda/adapters/primary/query-endpoint';
import { buildHttpApiEvent } from '../../local/http-api-event';
import { useMessageStore } from '../support/dynamodb';
import { testSid } from '../support/callbacks';

const db = useMessageStore('query');
const logger = { warn: () => undefined, error: () => undefined };

function get(messageSid: string, method = 'GET') {
  return buildHttpApiEvent({
    method,
    url: `/messages/${messageSid}`,
    routeKey: 'GET /messages/{messageSid}',
    pathParameters: { messageSid },
    headers: { host: 'api.example.com' },
  });
}

describe('GET /messages/{messageSid}', () => {
  it("returns the message's record and history, with the design's attribute names", async () => {
    const sid = testSid();
    await db.store.apply({
      messageSid: sid,
      status: 'sent',
      observedAt: '2026-11-23T10:00:01.000Z',
      source: 'callback',
    });
    await db.store.apply({
      messageSid: sid,
      status: 'queued',
      observedAt: '2026-11-23T10:00:00.000Z',
      source: 'send',
      to: '+14155551234',
      clientReference: 'order-7',
    });
    const response = await createQueryHandler({ store: db.store, logger })(get(sid));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body as string);
    expect(body).toMatchObject({
      messageSid: sid,
      status: 'sent',
      statusRank: 3,
      final: false,
      statusTimes: { queued: '2026-11-23T10:00:00.000Z', sent: '2026-11-23T10:00:01.000Z' },
      to: '+14155551234',
      clientReference: 'order-7',
      callbackCount: 1,
    });
    expect(Object.keys(body).some((k) => k.startsWith('statusAt_') || k.startsWith('pending'))).toBe(false);
  });

  it('answers a message seen only with a status this version does not know with status null', async () => {
    const [sid, at] = [testSid(), '2026-11-23T10:00:00.000Z'];
    await db.store.apply({ messageSid: sid, status: 'teleported', observedAt: at, source: 'callback' });
    const response = await createQueryHandler({ store: db.store, logger })(get(sid));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body as string);
    expect(body).toMatchObject({
      messageSid: sid,
      status: null,
      final: false,
      statusTimes: { teleported: at },
    });
  });

  it('answers 404 for a message it has never seen', async () => {
    const response = await createQueryHandler({ store: db.store, logger })(get(testSid()));
    expect(response.statusCode).toBe(404);
  });

  it.each(['not-a-sid', 'SM123', `CA${'0'.repeat(32)}`])('answers 400 for %s', async (sid) => {
    const response = await createQueryHandler({ store: db.store, logger })(get(sid));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body as string).error).toMatch(/messageSid/);
  });

  it('answers 503 when the store cannot be reached', async () => {
    const unreachable = db.unreachableStore();
    const response = await createQueryHandler({ store: unreachable, logger })(get(testSid()));
    expect(response.statusCode).toBe(503);
  });
});
