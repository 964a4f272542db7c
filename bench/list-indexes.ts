/**
 * `npm run bench:list`: what the list API's indexes cost and how fast a page comes back, on DynamoDB
 * Local. Prints figures; never fails on a time.
 *
 * 1. Write capacity per message, table and every index, from DynamoDB's own ConsumedCapacity
 *    (`ReturnConsumedCapacity: INDEXES` on every UpdateItem the real callback handler sends), on the
 *    realistic callback stream (10% out of order, 5% duplicates), before (today's `pending` index only)
 *    and after (all list indexes), same stream, same run; once with callbacks only, once with the sender's
 *    write first (clientReference, three tags, Twilio's creation time), and that once more on a table
 *    with the sparse `byTag` index (tagIndexKey=campaign, one of the three tags): its WCU per message.
 *    BENCH_WCU_MESSAGES messages a run (default 300). See support/write-capacity.ts.
 * 2. (`tags`) The table's cost per write as the sender's tags grow to their limit (where a tagged item
 *    passes 1 KB), same number of messages.
 * 3. (`latency`) List latency p50/p99 and read capacity per page (limit 100) over BENCH_LIST_MESSAGES
 *    (100,000) messages written through the store, for the queries a support desk runs; the tag filter
 *    both through its sparse index and as an item filter.
 *
 * BENCH_LIST_PARTS=wcu,tags,latency (default all) picks the parts. Each part prints the load average
 * beside its table: on a shared machine the times are relative, the capacity figures are not.
 */
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { createListHandler } from '../lambda/adapters/primary/list-endpoint';
import { MessageIndexReader } from '../lambda/adapters/secondary/message-index-reader';
import { cpus, loadavg } from 'node:os';
import { LIST_INDEX_NAMES, TAG_INDEX_NAME, type ListIndexName } from '../lambda/domain/contract';
import { MAX_TAG_BYTES, MAX_TAGS, tagBytes, type Tags } from '../lambda/domain/tags';
import { createMessageLister } from '../lambda/use-cases/list-messages';
import { buildHttpApiEvent } from '../local/http-api-event';
import { ensureMessagesTable } from '../local/dynamodb-local';
import { silentLogger } from '../test/reliability/support';
import { seedMessages } from '../test/support/seed-messages';
import { startBenchDynamoDb } from './support/dynamodb';
import { putSeed } from './support/put-seed';
import { tagsOfBytes, writeCost } from './support/write-capacity';
import { markdownTable, percentile } from './support/stats';

const THREE_TAGS = { tenant: 'acme', campaign: 'spring-2026', region: 'eu-west' };
/** The tag key of the sparse `byTag` index in this benchmark (one of THREE_TAGS, and the seeded tag). */
const TAG_KEY = 'campaign';

/** Where a tagged item passes 1 KB: the table's cost per write as the tags grow to the limit. */
async function tagSweep(endpoint: string, messages: number): Promise<string[][]> {
  const sizes: Array<[string, Tags]> = [
    ['none', {}],
    [`3 tags, ${bytesOf(THREE_TAGS)} B`, THREE_TAGS],
    ...[200, 300, MAX_TAG_BYTES].map((bytes): [string, Tags] => [
      `${MAX_TAGS} tags, ${bytes} B`,
      tagsOfBytes(bytes, MAX_TAGS),
    ]),
  ];
  const rows: string[][] = [];
  for (const [label, tags] of sizes) {
    const r = await writeCost(endpoint, { indexes: LIST_INDEX_NAMES, messages, sender: { tags } });
    rows.push([
      label,
      (r.capacity.table / r.capacity.writes).toFixed(3),
      `${((100 * r.capacity.writesOverOne) / r.capacity.writes).toFixed(1)}%`,
      String(r.itemBytes.p99),
      String(r.itemBytes.max),
    ]);
  }
  return rows;
}

const bytesOf = (tags: Tags) => Object.entries(tags).reduce((sum, [k, v]) => sum + tagBytes(k, v), 0);

async function listLatency(endpoint: string, count: number) {
  const tableName = `bench-list-${Date.now()}`;
  // The table has the sparse tag index too (tagIndexKey=campaign): the same tag filter runs through
  // it and, with a lister that does not know the index, as an item filter, in the same run.
  await ensureMessagesTable(endpoint, tableName, undefined, TAG_KEY);
  const client = createDynamoClient({ endpoint });
  const now = new Date();
  const seeded = seedMessages(count, { endAt: now, spacingMs: (10 * 86_400_000) / count, seed: 5 });
  const started = Date.now();
  await putSeed(client, tableName, seeded);
  const seedSeconds = (Date.now() - started) / 1000;
  const reader = new MessageIndexReader(client, tableName, { countCapacity: true });
  const lister = (tagIndexKey?: string) =>
    createListHandler({
      listMessages: createMessageLister({
        store: reader,
        setup: { available: LIST_INDEX_NAMES, pendingShards: 16, ...(tagIndexKey ? { tagIndexKey } : {}) },
      }),
      logger: silentLogger,
    });
  const withoutTagIndex = lister();
  const withTagIndex = lister(TAG_KEY);
  const iso = (msAgo: number) => encodeURIComponent(new Date(now.getTime() - msAgo).toISOString());
  const queries: Array<[string, string, typeof withTagIndex]> = [
    [
      'failures in the last hour',
      `status=failed,undelivered,canceled&since=${iso(3_600_000)}`,
      withoutTagIndex,
    ],
    ['one recipient', `to=${encodeURIComponent(seeded[10]!.to)}`, withoutTagIndex],
    ['one clientReference', 'clientReference=order-5', withoutTagIndex],
    ['one tag, item filter (last 7 days)', 'tag.campaign=summer', withoutTagIndex],
    ['one tag, its sparse index (tagIndexKey)', 'tag.campaign=summer', withTagIndex],
    [
      'not final for 12 hours',
      `final=false&until=${iso(12 * 3_600_000)}&since=${iso(7 * 86_400_000)}`,
      withoutTagIndex,
    ],
  ];
  const rows: string[][] = [];
  for (const [name, query, list] of queries) {
    const times: number[] = [];
    const units: number[] = [];
    let returned = 0;
    for (let run = 0; run < 25; run++) {
      const before = reader.consumedReadUnits;
      const t0 = performance.now();
      const response = await list(
        buildHttpApiEvent({
          method: 'GET',
          url: `/messages?${query}&limit=100`,
          routeKey: 'GET /messages',
          headers: { host: 'bench' },
          body: Buffer.alloc(0),
          scheme: 'https',
        }),
      );
      times.push(performance.now() - t0);
      units.push(reader.consumedReadUnits - before);
      returned = (JSON.parse(String(response.body)) as { messages: unknown[] }).messages.length;
    }
    rows.push([
      name,
      `\`${decodeURIComponent(query)}\``,
      String(returned),
      percentile(times, 50).toFixed(1),
      percentile(times, 99).toFixed(1),
      percentile(units, 50).toFixed(1),
    ]);
  }
  client.destroy();
  return { rows, seedSeconds };
}

/** Write capacity per message, before and after the list indexes, and with the sparse tag index. */
async function writeCapacityRows(endpoint: string, messages: number): Promise<string[][]> {
  const legs: Array<{
    label: string;
    indexes: readonly ListIndexName[];
    sender: boolean;
    tagIndexKey?: string;
  }> = [
    { label: 'callbacks only, before (pending only)', indexes: [], sender: false },
    { label: 'callbacks only, after (all list indexes)', indexes: LIST_INDEX_NAMES, sender: false },
    { label: 'sender + callbacks, before (pending only)', indexes: [], sender: true },
    { label: 'sender + callbacks, after (all list indexes)', indexes: LIST_INDEX_NAMES, sender: true },
    {
      label: `sender + callbacks, after, with byTag (tagIndexKey=${TAG_KEY})`,
      indexes: LIST_INDEX_NAMES,
      sender: true,
      tagIndexKey: TAG_KEY,
    },
  ];
  const indexNames = ['pending', ...LIST_INDEX_NAMES, TAG_INDEX_NAME];
  const rows: string[][] = [];
  for (const leg of legs) {
    const r = await writeCost(endpoint, {
      indexes: leg.indexes,
      messages,
      sender: leg.sender ? { tags: THREE_TAGS } : undefined,
      tagIndexKey: leg.tagIndexKey,
    });
    const per = (x: number) => (x / r.messages).toFixed(3);
    rows.push([
      leg.label,
      String(r.callbacks),
      per(r.capacity.table),
      indexNames
        .filter((name) => r.capacity.indexes[name] !== undefined)
        .map((name) => `${name} ${per(r.capacity.indexes[name] ?? 0)}`)
        .join(', '),
      per(r.newIndexes),
      per(r.capacity.table + r.indexTotal),
      (r.capacity.table / r.callbacks).toFixed(3),
    ]);
  }
  return rows;
}

/** Which parts run: BENCH_LIST_PARTS=wcu,tags,latency (default all three). */
const PARTS = ['wcu', 'tags', 'latency'] as const;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const parts = new Set((process.env.BENCH_LIST_PARTS ?? PARTS.join(',')).split(',').map((p) => p.trim()));
  for (const part of parts) {
    if (!(PARTS as readonly string[]).includes(part))
      throw new Error(`BENCH_LIST_PARTS: unknown part "${part}" (known: ${PARTS.join(', ')})`);
  }
  // 300 messages (about 1,250 callbacks a run, ten runs) keep the write-capacity part to a few minutes
  // on a busy 2-core machine; the figures are per message and barely move with more.
  const messages = positiveInt('BENCH_WCU_MESSAGES', 300);
  const count = positiveInt('BENCH_LIST_MESSAGES', 100_000);
  const started = Date.now();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`bench:list ${new Date().toISOString()}, load average ${load()} (${cpus().length} CPUs)`);
  const dynamo = await startBenchDynamoDb();
  try {
    if (parts.has('wcu')) {
      const rows = await writeCapacityRows(dynamo.endpoint, messages);
      console.log(
        `\nWrite capacity per message (${messages} messages, realistic stream, seed 42; load ${load()})\n`,
      );
      console.log(
        markdownTable(
          [
            'writes',
            'callbacks',
            'table WCU/msg',
            'index WCU/msg',
            'new indexes WCU/msg',
            'total WCU/msg',
            'table WCU/callback',
          ],
          rows,
        ),
      );
    }
    if (parts.has('tags')) {
      const rows = await tagSweep(dynamo.endpoint, messages);
      console.log(
        `\nTable WCU per write by tag size (sender + callbacks, all list indexes, ${messages} messages; load ${load()})\n`,
      );
      console.log(
        markdownTable(
          ['tags (key + value bytes)', 'table WCU/write', 'writes over 1 WCU', 'item p99 B', 'item max B'],
          rows,
        ),
      );
    }
    if (parts.has('latency')) {
      const latency = await listLatency(dynamo.endpoint, count);
      console.log(
        `\nList latency, first page (limit 100), 25 runs each, ${count} messages over 10 days (seeded in ${latency.seedSeconds.toFixed(0)} s; load ${load()})\n`,
      );
      console.log(
        markdownTable(
          ['query', 'parameters', 'messages on the page', 'p50 ms', 'p99 ms', 'RCU per page (p50)'],
          latency.rows,
        ),
      );
    }
    console.log(
      `\nbench:list took ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${load()}`,
    );
  } finally {
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
