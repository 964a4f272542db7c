/**
 * Auth-token rotation end to end, as the README's runbook describes it, against the callback endpoint:
 *   1. create a secondary token in the Twilio console, put it in the secret as `secondaryAuthToken`;
 *   2. promote it in the console (Twilio now signs with it);
 *   3. update the secret: `authToken` = the new token, remove `secondaryAuthToken`.
 * No callback may be refused at any step. Secrets Manager has no local stand-in, so the secret is an
 * in-memory value behind the same read boundary, cached the way Powertools caches it (maxAge), so a
 * Lambda that read the secret before an update keeps the old value until it re-reads.
 */
import { createStatusCallbackHandler } from '../../lambda/adapters/primary/status-callback-endpoint';
import { secretCredentials } from '../../lambda/adapters/secondary/twilio-credentials';
import { useMessageStore } from '../support/dynamodb';
import { callbackEvent, statusParams, testSid } from '../support/callbacks';

const db = useMessageStore('rotation');
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Secrets Manager as a Lambda container sees it: the stored value, and a per-container cache. */
function secretStore(initial: Record<string, string>) {
  let stored = { ...initial };
  let clock = 0;
  let cached: { value: Record<string, string>; at: number } | undefined;
  return {
    put(value: Record<string, string>) {
      stored = { ...value };
    },
    advance(seconds: number) {
      clock += seconds * 1000;
    },
    now: () => clock,
    read: async (_id: string, { maxAge, forceFetch }: { maxAge: number; forceFetch: boolean }) => {
      if (forceFetch || !cached || clock - cached.at > maxAge * 1000)
        cached = { value: { ...stored }, at: clock };
      return cached.value;
    },
  };
}

it('accepts every callback through a full rotation, including while the container cache is stale', async () => {
  const secret = secretStore({ accountSid: 'AC1', authToken: 'old-token' });
  const handler = createStatusCallbackHandler({
    store: db.store,
    logger,
    credentials: secretCredentials({ secretId: 'twilio', read: secret.read, now: secret.now }),
  });
  const callback = async (token: string) =>
    (await handler(callbackEvent({ params: statusParams(testSid(), 'sent'), token }))).statusCode;

  expect(await callback('old-token')).toBe(200); // the container has read and cached the secret

  // Step 1: the new token goes into the secret as the secondary; Twilio still signs with the old one.
  secret.put({ accountSid: 'AC1', authToken: 'old-token', secondaryAuthToken: 'new-token' });
  expect(await callback('old-token')).toBe(200);

  // Step 2: promoted in the console. The container's cache still lacks the new token; the failed
  // signature makes it re-read the secret once and accept.
  secret.advance(60);
  expect(await callback('new-token')).toBe(200);
  expect(await callback('new-token')).toBe(200);

  // Step 3: the secret holds only the new token. Old signatures are refused once the cache turns over.
  secret.put({ accountSid: 'AC1', authToken: 'new-token' });
  secret.advance(301);
  expect(await callback('new-token')).toBe(200);
  expect(await callback('old-token')).toBe(403);
});

it('hands out the same credentials object while the cached secret is unchanged, a new one after a change', async () => {
  const secret = secretStore({ accountSid: 'AC1', authToken: 'one' });
  const credentials = secretCredentials({ secretId: 'twilio', read: secret.read, now: secret.now });
  const first = await credentials.get();
  expect(await credentials.get()).toBe(first);
  secret.put({ accountSid: 'AC1', authToken: 'two' });
  secret.advance(301);
  const second = await credentials.get();
  expect(second).not.toBe(first);
  expect(second.authToken).toBe('two');
});
