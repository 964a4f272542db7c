/**
 * `npm run screenshots:console`: the pictures of the console that docs/console.md shows, taken afresh
 * in Debian's chromium (playwright-core) against a local pipeline of its own (DynamoDB Local, the Twilio
 * simulator with a fixed seed): an empty tracker (docs/console-empty.png), the same after six messages
 * settled (docs/console.png), and a 375 px phone with the filter panel folded (docs/console-phone.png).
 * Re-run it after a change to the console's looks, and commit the PNGs it writes.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startLocalPipeline } from '../local/pipeline';
import { freePort } from '../local/free-port';
import { launchChromium } from '../test/support/browser';
import { buildConsole } from './bundle-console';
import { ROOT } from './bundle';

/** The files written, by state. */
export const CONSOLE_SCREENSHOTS = {
  empty: 'console-empty.png',
  populated: 'console.png',
  phone: 'console-phone.png',
} as const;

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
    history: { dir: path.join(mkdtempSync(path.join(tmpdir(), 'console-screenshots-')), 'history') },
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
