/**
 * `npm run screenshots:console`: the pictures of the console that docs/console.md shows, taken afresh
 * in Debian's chromium (playwright-core) against a local pipeline of its own (DynamoDB Local, the Twilio
 * simulator with a fixed seed): an empty tracker (docs/console-empty.png), the same after six messages
 * settled (docs/console.png), a 375 px phone with the filter panel folded (docs/console-phone.png), the
 * charts of the last 24 hours (docs/console-charts.png) and the live delivery anomalies above the
 * messages (docs/console-anomalies.png). For the last two, the history also holds eight hours of earlier
 * messages (seedHistory: written through the pipeline's own history writer, as its events would be),
 * whose last settled bucket's UK messages mostly fail; the anomaly shown is the one the local check
 * finds in those files. Re-run it after a change to the console's looks, and commit the PNGs it writes.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  DEFAULT_ANOMALY_SETTINGS,
  lastSettledBucket,
  type DeliveryAnomalyDetail,
} from '../lambda/domain/history/anomaly';
import type { HistoryWriter } from '../local/history/writer';
import { checkAnomaliesAt, DEFAULT_SETTLE_MS } from '../local/history/anomaly-monitor';
import { startLocalPipeline } from '../local/pipeline';
import { freePort } from '../local/free-port';
import { launchChromium } from '../test/support/browser';
import { statusChange } from '../test/support/history';
import { buildConsole } from './bundle-console';
import { ROOT } from './bundle';

/** The files written, by state. */
export const CONSOLE_SCREENSHOTS = {
  empty: 'console-empty.png',
  populated: 'console.png',
  phone: 'console-phone.png',
  charts: 'console-charts.png',
  anomalies: 'console-anomalies.png',
} as const;

/** Earlier messages' history: this many hours of 15-minute buckets before the anomaly's bucket. */
const SEEDED_HOURS = 8;
const ERROR_CODES = [30003, 30005, 30008];
/** The first digits of each country's recipients; the last three vary. */
const RECIPIENTS = { '44': '+447700900', '1': '+14155550', '33': '+33612345' } as const;

/**
 * Eight hours of messages (UK, US, France; one sender; sms) written through the history writer as
 * status-change events, final within seconds, about 94 % delivered; then, in the latest bucket judged
 * settled at `nowMs`, sixty UK messages of which 80 % fail with 30007. Resolves with that bucket's start.
 */
async function seedHistory(writer: HistoryWriter, nowMs: number): Promise<number> {
  const { bucketMs } = DEFAULT_ANOMALY_SETTINGS;
  const last = lastSettledBucket(nowMs, bucketMs, DEFAULT_SETTLE_MS);
  let n = 0;
  const message = (country: keyof typeof RECIPIENTS, atMs: number, fails: boolean, errorCode?: number) => {
    const sid = `SM${(n++).toString(16).padStart(32, '0')}`;
    const to = `${RECIPIENTS[country]}${String(n % 1000).padStart(3, '0')}`;
    const final = fails ? 'undelivered' : 'delivered';
    const times = [atMs, atMs + 1_000, atMs + 1_000 + 1_500 + ((n * 7919) % 9_000)];
    const statusTimes: Record<string, string> = {};
    ['queued', 'sent', final].forEach((status, i) => {
      const at = new Date(times[i]!).toISOString();
      statusTimes[status] = at;
      writer.write(
        statusChange(sid, status, at, {
          eventId: `${sid}:${status}`,
          previousStatus: i === 0 ? null : ['queued', 'sent'][i - 1]!,
          to,
          channelPrefix: 'sms',
          errorCode: status === final && fails ? (errorCode ?? 30007) : null,
          source: i === 0 ? 'send' : 'callback',
          statusTimes: { ...statusTimes },
        }),
      );
    });
  };
  const buckets = SEEDED_HOURS * (3_600_000 / bucketMs);
  for (let b = buckets; b >= 1; b--) {
    const start = last - b * bucketMs;
    const spread = (i: number, of: number) => start + Math.floor(((i + 0.5) * bucketMs) / of);
    for (let i = 0; i < 12; i++) message('44', spread(i, 12), (i + b) % 16 === 0, ERROR_CODES[b % 3]);
    for (let i = 0; i < 10; i++)
      message('1', spread(i, 10), (i + 2 * b) % 11 === 0, ERROR_CODES[(b + 1) % 3]);
    for (let i = 0; i < 6; i++) message('33', spread(i, 6), (i + b) % 7 === 0, ERROR_CODES[(b + 2) % 3]);
  }
  for (let i = 0; i < 60; i++) message('44', last + Math.floor(((i + 0.5) * bucketMs) / 60), i % 5 !== 0);
  await writer.flush();
  return last;
}

export interface ScreenshotOptions {
  /** Where the PNGs go (default docs/). */
  outDir?: string;
  /** A DynamoDB Local already running (the tests'); default: one of its own. */
  dynamodbEndpoint?: string;
}

export async function takeConsoleScreenshots(options: ScreenshotOptions = {}): Promise<string[]> {
  const outDir = options.outDir ?? path.join(ROOT, 'docs');
  mkdirSync(outDir, { recursive: true });
  await buildConsole();
  const pipeline = await startLocalPipeline({
    port: 0,
    ...(options.dynamodbEndpoint
      ? { dynamodbEndpoint: options.dynamodbEndpoint }
      : { dynamodbPort: await freePort() }),
    tableName: `console-screenshots-${Date.now()}`,
    // The anomaly is judged below, once, on the seeded bucket: no check on a timer of its own.
    history: {
      dir: path.join(mkdtempSync(path.join(tmpdir(), 'console-screenshots-')), 'history'),
      anomalies: false,
    },
    twilio: {
      simulator: {
        seed: 14,
        outcomes: { delivered: 0.5, undelivered: 0.5, failed: 0, sentNoReceipt: 0 },
        duplicateRate: 0,
      },
    },
  });
  let browser: Browser | undefined;
  const written: string[] = [];
  const shoot = async (page: Page, name: string) => {
    const file = path.join(outDir, name);
    await page.screenshot({ path: file, fullPage: true });
    written.push(file);
  };
  try {
    browser = await launchChromium();
    const wide = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await wide.goto(`${pipeline.url}/`);
    await wide.locator('.empty .send-command').waitFor();
    await shoot(wide, CONSOLE_SCREENSHOTS.empty);

    for (let i = 0; i < 6; i++) {
      const answer = await fetch(`${pipeline.url}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: `+1415555010${i}`, body: 'hello', clientReference: `order-${i}` }),
      });
      if (answer.status !== 201) throw new Error(`POST /messages answered ${answer.status}`);
    }
    await pipeline.simulator!.idle();
    // Every row settled: six rows, none still under way. Counted through locators: a string predicate
    // would be evaluated as script, which the console's Content-Security-Policy refuses.
    const badges = wide.locator('table.messages tbody .badge');
    while (
      (await badges.count()) !== 6 ||
      (await wide.locator('table.messages tbody .badge.pending').count()) > 0
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await shoot(wide, CONSOLE_SCREENSHOTS.populated);

    const phone = await (await browser.newContext({ viewport: { width: 375, height: 740 } })).newPage();
    await phone.goto(`${pipeline.url}/`);
    await phone.locator('table.messages tbody tr').nth(5).waitFor();
    await phone.locator('.filters-toggle[aria-expanded="false"]').waitFor();
    await shoot(phone, CONSOLE_SCREENSHOTS.phone);

    // Earlier hours in the history, then the charts of the last 24 hours over them and the six above.
    const history = pipeline.history!;
    const bucket = await seedHistory(history.writer, Date.now());
    while (history.writer.stats().pending > 0) await history.writer.flush();
    const charts = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await charts.goto(`${pipeline.url}/#/charts`);
    await charts.locator('canvas.rate-over-time[data-points]').waitFor();
    await charts.locator('canvas[data-ticks]').nth(2).waitFor();
    await shoot(charts, CONSOLE_SCREENSHOTS.charts);

    // The anomaly the local check finds in those files, delivered as the monitor does, until the page's
    // event stream is connected (the list keeps one per anomalyId).
    const anomalies: DeliveryAnomalyDetail[] = await checkAnomaliesAt(history.dir, bucket);
    if (anomalies.length === 0) throw new Error('the seeded history shows no delivery anomaly');
    const shown = wide.locator('.anomalies li');
    while ((await shown.count()) < anomalies.length) {
      for (const anomaly of anomalies) pipeline.events!.hub.deliverAnomaly(anomaly);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await shoot(wide, CONSOLE_SCREENSHOTS.anomalies);
  } finally {
    await browser?.close();
    await pipeline.stop();
  }
  return written;
}

if (require.main === module) {
  takeConsoleScreenshots().then(
    (files) => {
      for (const file of files) console.log(`wrote ${path.relative(ROOT, file)}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
