/**
 * `npm run bench:console`: how fast the web console answers a person with 10,000 messages stored
 * (BENCH_CONSOLE_MESSAGES), in Debian's chromium against the real local pipeline on DynamoDB Local.
 * Prints figures; never fails on a time. Measured in the page (performance.now, a MutationObserver):
 *
 *   first render    navigation start -> the first page of rows (100) is in the table
 *   filter change   a click on a status box, "failures only", or a search -> the table shows the answer
 *
 * Each with the list API's own share (Resource Timing of the /messages call), so the page's cost and
 * the query's are apart. Runs in well under a minute after seeding (BatchWriteItem, a few seconds).
 */
import type { Page } from 'playwright-core';
import { startLocalPipeline } from '../local/pipeline';
import { buildConsole } from '../scripts/bundle-console';
import { launchChromium } from '../test/support/browser';
import { seedMessages } from '../test/support/seed-messages';
import { createDynamoClient } from '../lambda/adapters/secondary/dynamodb';
import { startBenchDynamoDb } from './support/dynamodb';
import { putSeed } from './support/put-seed';
import { markdownTable, median, percentile } from './support/stats';

const MESSAGES = Number(process.env.BENCH_CONSOLE_MESSAGES ?? 10_000);
const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 7);

interface Step {
  name: string;
  /** Page code that changes a filter. */
  act: string;
  /** Page code over `rows` (the table's rows) that is true once the answer shows. */
  done: string;
}

/**
 * Page code: does `step.act`, resolves once `step.done` holds, with the ms that took and the last list
 * call's own ms. Built as text: the page's CSP forbids eval, and this file has no DOM types.
 */
function measure(step: Step): string {
  return `(async () => {
    const rows = () => [...document.querySelectorAll('table.messages tbody tr')];
    const holds = (rows) => ${step.done};
    const started = performance.now();
    ${step.act};
    await new Promise((resolve) => {
      if (holds(rows())) return resolve();
      const observer = new MutationObserver(() => {
        if (holds(rows())) { observer.disconnect(); resolve(); }
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const calls = performance.getEntriesByType('resource').filter((e) => e.name.includes('/messages?'));
    return { ms: performance.now() - started, apiMs: calls.length ? calls[calls.length - 1].duration : NaN };
  })()`;
}

const badges = `rows.map((r) => r.querySelector('.badge').textContent)`;
const STEPS: Step[] = [
  {
    name: 'status: undelivered',
    act: `document.querySelector('input[value="undelivered"]').click()`,
    done: `rows.length > 0 && ${badges}.every((s) => s === 'undelivered')`,
  },
  {
    name: 'status: any again',
    act: `document.querySelector('input[value="undelivered"]').click()`,
    done: `rows.length === 100 && ${badges}.some((s) => s !== 'undelivered')`,
  },
  {
    name: 'failures only',
    act: `[...document.querySelectorAll('label.check')].find((l) => l.textContent.includes('Failures only')).querySelector('input').click()`,
    done: `rows.length > 0 && ${badges}.every((s) => ['failed', 'undelivered', 'canceled'].includes(s))`,
  },
  {
    name: 'failures only off',
    act: `[...document.querySelectorAll('label.check')].find((l) => l.textContent.includes('Failures only')).querySelector('input').click()`,
    done: `rows.length === 100 && ${badges}.some((s) => !['failed', 'undelivered', 'canceled'].includes(s))`,
  },
];

async function firstRender(page: Page, url: string): Promise<{ ms: number; apiMs: number }> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector('table.messages tbody tr');
  return page.evaluate<{ ms: number; apiMs: number }>(`(() => {
    const call = performance.getEntriesByType('resource').find((e) => e.name.includes('/messages?'));
    return { ms: window.__firstRowsAt, apiMs: call ? call.duration : NaN };
  })()`);
}

async function main(): Promise<void> {
  const dynamo = await startBenchDynamoDb();
  const tableName = await dynamo.createTable('console');
  const seeding = Date.now();
  // Spread over the last 10 hours: all inside the console's default window (24 h).
  const seeded = seedMessages(MESSAGES, { endAt: new Date(), spacingMs: Math.floor(36_000_000 / MESSAGES) });
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  await putSeed(client, tableName, seeded);
  client.destroy();
  console.log(`seeded ${MESSAGES} messages in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);

  await buildConsole();
  const pipeline = await startLocalPipeline({
    port: 0,
    dynamodbEndpoint: dynamo.endpoint,
    tableName,
    twilio: false,
  });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // When the first rows are in the table, in the page's own clock (ms since navigation start).
    await context.addInitScript(`
      new MutationObserver((_, observer) => {
        if (document.querySelector('table.messages tbody tr')) {
          window.__firstRowsAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, childList: true });
    `);
    const page = await context.newPage();
    const url = `${pipeline.url}/#/`;
    await firstRender(page, url); // warm-up: the bundle's first compile, DynamoDB Local's first reads

    const rows: string[][] = [];
    const add = (name: string, samples: Array<{ ms: number; apiMs: number }>) => {
      const total = samples.map((s) => s.ms);
      const api = samples.map((s) => s.apiMs);
      rows.push([
        name,
        String(samples.length),
        median(total).toFixed(0),
        percentile(total, 90).toFixed(0),
        median(api).toFixed(0),
      ]);
    };

    const renders = [];
    for (let i = 0; i < RUNS; i++) renders.push(await firstRender(page, url));
    add('first render (navigation -> 100 rows)', renders);

    for (const step of STEPS) {
      const samples = [];
      for (let i = 0; i < RUNS; i++) {
        samples.push(await page.evaluate<{ ms: number; apiMs: number }>(measure(step)));
        // Put the filter back for the next sample (its pair, measured as a step of its own).
        if (i < RUNS - 1) await page.evaluate(measure(STEPS[STEPS.indexOf(step) ^ 1]!));
      }
      add(`filter: ${step.name}`, samples);
    }
    console.log(
      `\nThe console with ${MESSAGES} messages stored (chromium headless, ${RUNS} runs each, times in ms)\n`,
    );
    console.log(markdownTable(['step', 'runs', 'p50', 'p90', 'list API p50'], rows));
  } finally {
    await browser.close();
    await pipeline.stop();
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
