/**
 * Tags, end to end through the real callback handler and the store on DynamoDB Local: from the signed
 * callback URL's query string, from the sender's request, and who wins when both name a key.
 */
import {
  createStatusCallbackHandler,
  type StatusCallbackDeps,
} from '../../lambda/adapters/primary/status-callback-endpoint';
import { environmentCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { validateSendRequest } from '../../lambda/domain/send-request';
import { tagsFromQueryString, validateTags } from '../../lambda/domain/tags';
import { useMessageStore } from '../support/dynamodb';
import { callbackEvent, statusParams, testSid } from '../support/callbacks';

const db = useMessageStore('tags');
const warnings: Array<{ message: string; data: unknown }> = [];
const logger = {
  info: () => undefined,
  warn: (message: string, data?: unknown) => void warnings.push({ message, data }),
  error: () => undefined,
} as unknown as StatusCallbackDeps['logger'];

function handler() {
  return createStatusCallbackHandler({
    store: db.store,
    credentials: environmentCredentials({ TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef' })!,
    logger,
  });
}

async function callback(sid: string, status: string, query: string) {
  return handler()(callbackEvent({ params: statusParams(sid, status), query }));
}

function send(sid: string, tags: Record<string, string>) {
  return db.store.apply({
    messageSid: sid,
    status: 'queued',
    observedAt: new Date().toISOString(),
    createdAt: new Date().toISOString(),
    source: 'send',
    tags,
  });
}

describe('tags from the signed callback URL', () => {
  it('records the query parameters of the URL Twilio called as tags', async () => {
    const sid = testSid();
    expect((await callback(sid, 'sent', 'tenant=acme&campaign=spring')).statusCode).toBe(200);
    expect((await db.store.get(sid))?.tags).toEqual({ tenant: 'acme', campaign: 'spring' });
  });

  it('keeps 10 valid tags, ignores and logs the rest, and still answers 200', async () => {
    const sid = testSid();
    const many = Array.from({ length: 12 }, (_, i) => `k${i}=v${i}`).join('&');
    const answer = await callback(sid, 'sent', `bad%20key=x&${many}&long=${'x'.repeat(300)}`);
    expect(answer.statusCode).toBe(200);
    const tags = (await db.store.get(sid))?.tags ?? {};
    expect(Object.keys(tags).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
    expect(warnings.at(-1)).toEqual({
      message: 'callback URL parameters ignored as tags',
      data: { messageSid: sid, ignored: ['bad key', 'k10', 'k11', 'long'] },
    });
  });

  it('costs no write when a later callback repeats the same tags', async () => {
    const sid = testSid();
    await callback(sid, 'sent', 'tenant=acme');
    const again = JSON.parse((await callback(sid, 'sent', 'tenant=acme')).body as string) as {
      outcome: string;
    };
    expect(again.outcome).toBe('duplicate');
  });
});

describe("the sender's tags win over the URL's", () => {
  it('a URL tag only fills a key the sender left absent (sender first)', async () => {
    const sid = testSid();
    await send(sid, { tenant: 'from-sender' });
    await callback(sid, 'delivered', 'tenant=from-url&campaign=spring');
    expect((await db.store.get(sid))?.tags).toEqual({ tenant: 'from-sender', campaign: 'spring' });
  });

  it('the sender sets its tags as given even when the callback came first', async () => {
    const sid = testSid();
    await callback(sid, 'sent', 'tenant=from-url&campaign=spring');
    // Stale (queued ranks below sent), yet its tags are news: kept by the record write.
    expect((await send(sid, { tenant: 'from-sender' })).outcome).toBe('stale');
    expect((await db.store.get(sid))?.tags).toEqual({ tenant: 'from-sender', campaign: 'spring' });
  });
});

describe('the limits', () => {
  const ok = { to: '+14155551234', body: 'hi', from: '+15017250604' };

  it.each([
    ['a key with a space', { 'bad key': 'x' }],
    ['an empty key', { '': 'x' }],
    ['a key of 65 characters', { ['k'.repeat(65)]: 'x' }],
    ['a value of 257 characters', { tenant: 'x'.repeat(257) }],
    ['a number', { tenant: 5 }],
    ['11 tags', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']))],
    ['more than 400 bytes in all', { a: 'é'.repeat(120), b: 'é'.repeat(120) }],
    ['a control character', { tenant: 'a\u0000b' }],
    ['an array', ['tenant']],
    // What JSON.parse makes of a request body: an own key named __proto__.
    ['the key __proto__', JSON.parse('{"__proto__":"x"}') as unknown],
  ])('refuses a send request whose tags hold %s, before anything is sent', (_name, tags) => {
    const result = validateSendRequest({ ...ok, tags });
    expect(result).toMatchObject({ ok: false, error: { type: 'ValidationError', field: 'tags' } });
  });

  it('accepts 10 tags within 400 bytes', () => {
    const tags = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key.${i}`, 'v'.repeat(30)]));
    expect(validateTags(tags)).toEqual({ ok: true, tags });
    expect(validateSendRequest({ ...ok, tags })).toMatchObject({ ok: true, command: { tags } });
  });

  it('reads tags from the query before the retry fragment (Twilio strips the fragment)', () => {
    expect(tagsFromQueryString('tenant=acme')).toEqual({ tags: { tenant: 'acme' }, ignored: [] });
    expect(tagsFromQueryString(undefined)).toEqual({ tags: {}, ignored: [] });
  });

  it('ignores a URL parameter named __proto__ and names it, keeping the other tags', () => {
    const { tags, ignored } = tagsFromQueryString('__proto__=x&tenant=acme');
    expect(ignored).toEqual(['__proto__']);
    expect(Object.entries(tags)).toEqual([['tenant', 'acme']]);
  });
});
