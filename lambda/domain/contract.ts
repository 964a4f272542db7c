/**
 * The contract shared by the infrastructure (lib/) and the runtime (lambda/, local/): names both sides must
 * agree on, each written once. Pure data and pure functions only: lib/ may import this file (and the other
 * pure domain modules it names: metric-names, lifecycle, tags), never adapters, use cases or handlers.
 */
import { RESERVED_TAG_KEY, TAG_ATTRIBUTE_PREFIX, TAG_KEY_PATTERN } from './tags';

/** Path Twilio posts status callbacks to; the same in AWS and in `npm start`. */
export const CALLBACK_PATH = '/message-status';

/**
 * Twilio connection overrides (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides)
 * for the callback URL: retry up to 5 times on a connect timeout, a read timeout or a 5xx, which is what
 * the endpoint answers when DynamoDB or the secret cannot be reached. Twilio strips the fragment before
 * calling, so it is not part of the signed URL. The tracker's `callbackUrlWithRetries` and the local
 * sender both use it.
 */
export const CALLBACK_RETRY_FRAGMENT = '#rc=5&rp=ct,rt,5xx';

/** The IAM-authorised read of one message, as an HTTP API route path. */
export const MESSAGE_ROUTE_PATH = '/messages/{messageSid}';

/** The IAM-authorised list API (GET /messages?filters), as an HTTP API route path. */
export const LIST_ROUTE_PATH = '/messages';

/**
 * The header carrying the `npm run console -- --stack` proxy's token (local/console/proxy.ts): the
 * console (console/api.ts) sends it on every API call. Lower case, as Node names received headers.
 */
export const CONSOLE_TOKEN_HEADER = 'x-console-token';

/** Twilio SID formats: two letters and 32 hex characters. */
export const SID_PATTERNS = {
  /** SM for SMS and WhatsApp, MM for MMS. */
  message: /^(SM|MM)[0-9a-fA-F]{32}$/,
  account: /^AC[0-9a-fA-F]{32}$/,
  messagingService: /^MG[0-9a-fA-F]{32}$/,
} as const;

/**
 * The origin (scheme and host) a public base URL names: a custom domain or a tunnel in front of the API.
 * Signatures are checked against this origin plus the path Twilio called, so a base URL with a path,
 * query or fragment could never match, and one with credentials is a mistake: both are refused. One rule
 * for the stack's context (`publicBaseUrl`, https only), local mode and the callback Lambda.
 */
export type PublicOrigin =
  | { ok: true; origin: string }
  | { ok: false; problem: 'not-a-url' | 'scheme' | 'not-an-origin' | 'credentials' };

export function publicOriginOf(value: string, options: { allowHttp?: boolean } = {}): PublicOrigin {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, problem: 'not-a-url' };
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    return { ok: false, problem: 'scheme' };
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return { ok: false, problem: 'not-an-origin' };
  }
  if (url.username || url.password) return { ok: false, problem: 'credentials' };
  return { ok: true, origin: url.origin };
}

/**
 * The messages table, defined once: the stack builds it with CDK and local mode (npm start, tests)
 * creates the same table in DynamoDB Local from this definition.
 */
export const MESSAGES_TABLE = {
  partitionKey: 'messageSid',
  ttlAttribute: 'expiresAt',
  /**
   * Sparse index of messages that are not final: `pendingShard` and `pendingSince` exist only while a
   * message is unfinished and are removed in the write that makes it final. Sharding spreads a high
   * send rate over several partitions; the reconciler queries each shard.
   */
  pendingIndex: {
    name: 'pending',
    partitionKey: 'pendingShard',
    sortKey: 'pendingSince',
  },
  /**
   * The indexes of the list API (GET /messages), all keys only: a page reads the items themselves with
   * BatchGetItem, so no index is written again when a status moves. Every sort key is `createdAt`, which
   * is written once (a callback's first-seen guess is replaced once by Twilio's creation time).
   * - `byTime`: every message, partition `{YYYY-MM-DD of createdAt}#{shard}`: per day, so a time window
   *   names its partitions; sharded, so a day written at thousands of messages a second is never one hot
   *   partition.
   * - `failures`: sparse, only while the status is failed, undelivered or canceled; the same partitions.
   * - `byTo`, `byClientReference`: the stored attributes themselves, written once (first writer wins).
   * The order is the order of a staged upgrade (docs/deploy.md): CloudFormation adds one index per update.
   */
  listIndexes: [
    { name: 'byTime', partitionKey: 'timeBucket', sortKey: 'createdAt' },
    { name: 'failures', partitionKey: 'failureBucket', sortKey: 'createdAt' },
    { name: 'byTo', partitionKey: 'to', sortKey: 'createdAt' },
    { name: 'byClientReference', partitionKey: 'clientReference', sortKey: 'createdAt' },
  ],
} as const;

export type ListIndexName = (typeof MESSAGES_TABLE.listIndexes)[number]['name'];

/**
 * The optional tag index (`tagIndexKey`): one configured tag key gets a keys-only index whose partition
 * key is that tag's own attribute (`tag_<key>`, the tag's value) and whose sort key is `createdAt`. It is
 * sparse by construction: only a message carrying that tag has the attribute, so it costs one index write
 * per tagged message (when the tag is first written) and nothing for the others or for a status change.
 * DynamoDB refuses an empty string as an index key, so an empty value of that key is not stored
 * (index-keys.ts).
 */
export const TAG_INDEX_NAME = 'byTag';

export function tagIndexOf(tagKey: string) {
  return {
    name: TAG_INDEX_NAME,
    partitionKey: `${TAG_ATTRIBUTE_PREFIX}${tagKey}`,
    sortKey: 'createdAt',
  } as const;
}

/** A tag key the index may be configured for: a valid tag key (tags.ts), not the reserved one. */
export function tagIndexKeyProblem(key: string): string | undefined {
  if (!TAG_KEY_PATTERN.test(key) || key === RESERVED_TAG_KEY) {
    return `"tagIndexKey" must be a tag key (1-64 of A-Z a-z 0-9 _ . -), got "${key.slice(0, 70)}"`;
  }
  return undefined;
}
export const LIST_INDEX_NAMES: readonly ListIndexName[] = MESSAGES_TABLE.listIndexes.map((i) => i.name);

/** A comma-separated list of list-index names (the query Lambda's LIST_INDEXES); unknown names throw. */
export function listIndexesOf(text: string): ListIndexName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(LIST_INDEX_NAMES as readonly string[]).includes(name));
  if (unknown.length)
    throw new Error(`unknown list index ${unknown.join(', ')}; known: ${LIST_INDEX_NAMES.join(', ')}`);
  return names as ListIndexName[];
}

/**
 * Shards of each day of the `byTime` and `failures` indexes. Fixed, not a setting: writers and readers
 * must agree, and a partition key value takes about 1,000 writes a second, so 8 shards carry a day
 * written at up to about 8,000 new messages a second (docs/SCALING.md).
 */
export const TIME_SHARDS = 8;

/** The `byTime` partition of a message: the UTC day of its `createdAt` and a stable shard. */
export function timeBucketOf(messageSid: string, createdAt: string): string {
  return timeBucket(createdAt.slice(0, 10), hashOfSid(messageSid) % TIME_SHARDS);
}

/** Every `byTime` (and `failures`) partition of one UTC day (`YYYY-MM-DD`), shard 0 first: what a reader queries. */
export function timeBucketsOfDay(day: string): string[] {
  return Array.from({ length: TIME_SHARDS }, (_, shard) => timeBucket(day, shard));
}

function timeBucket(day: string, shard: number): string {
  return `${day}#${shard}`;
}

/** The sender's idempotency table: Powertools idempotency's default key and TTL attribute names. */
export const IDEMPOTENCY_TABLE = { partitionKey: 'id', ttlAttribute: 'expiration' } as const;

/** CreateTable input for DynamoDB Local, equivalent to what the stack deploys. */
export function createTableInput(
  tableName: string,
  listIndexes: readonly ListIndexName[] = LIST_INDEX_NAMES,
  tagIndexKey?: string,
) {
  const { partitionKey, pendingIndex } = MESSAGES_TABLE;
  const indexes: Array<{ name: string; partitionKey: string; sortKey: string }> = [
    pendingIndex,
    ...MESSAGES_TABLE.listIndexes.filter((i) => listIndexes.includes(i.name)),
  ];
  if (tagIndexKey !== undefined) indexes.push(tagIndexOf(tagIndexKey));
  const keyAttributes = [...new Set([partitionKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' as const }],
    // The source of status-change events (lambda/domain/status-event.ts): every write, both images.
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' as const },
    })),
  };
}

/**
 * How long a record lives and how many shards the pending index has, when nothing says otherwise: the
 * construct's defaults (lib/tracker-props.ts) and what local mode and tests use. In AWS every writer gets
 * both from its environment, set by the construct, so writers and the reconciler always agree.
 */
export const STORE_DEFAULTS = { retentionDays: 400, pendingShards: 16 } as const;

/**
 * Which partition of the pending index a message sits in (`p0` ... `p{shards-1}`): stable, and even
 * across shards. Writers and the reconciler must agree on `shards` (PENDING_SHARDS).
 */
export function pendingShardOf(messageSid: string, shards: number): string {
  return pendingShard(hashOfSid(messageSid) % shards);
}

/** Every partition of the pending index (`p0` ... `p{shards-1}`), in order: what the readers query. */
export function pendingShardNames(shards: number): string[] {
  return Array.from({ length: shards }, (_, shard) => pendingShard(shard));
}

function pendingShard(shard: number): string {
  return `p${shard}`;
}

/**
 * A stable, well-spread 32-bit hash of a SID: the shard of the indexes above, and the lane a local
 * webhook delivery takes (so one message's events stay in order).
 */
export function hashOfSid(messageSid: string): number {
  let hash = 0;
  for (let i = 0; i < messageSid.length; i++) hash = (hash * 31 + messageSid.charCodeAt(i)) >>> 0;
  return hash;
}

/**
 * The dead-numbers table (lambda/domain/dead-numbers.ts): one item per recipient that failed with a
 * dead-number code. A table of its own, not items in the messages table: that table has a partition key
 * only, so listing recipients there would need a Scan of every message or one more index (a staged
 * upgrade adds one index per deployment); here a Scan reads recipients only. No TTL is written: a dead
 * number stays until it is cleared.
 */
export const DEAD_NUMBERS_TABLE = { partitionKey: 'recipient', ttlAttribute: 'expiresAt' } as const;

/** The IAM-authorised dead-numbers API: list them, and clear one (domain/dead-numbers.ts). */
export const DEAD_NUMBERS_ROUTE_PATH = '/dead-numbers';
export const DEAD_NUMBER_ROUTE_PATH = '/dead-numbers/{recipient}';
