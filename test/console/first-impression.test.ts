/**
 * The console as a new user first meets it, in a real browser (Debian's chromium, playwright-core)
 * against the real local pipeline with a tracker of its own, empty at first: the page says how to send
 * the first message (and the command it shows works), loads without a failed request or a console
 * error, and reads well on a 375 px phone.
 */
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { buildConsole } from '../../scripts/bundle-console';
import { launchChromium, watchedPage } from '../support/browser';
import { dynamoEndpoint } from '../support/dynamodb';

jest.setTimeout(120_000);

let pipeline: LocalPipeline;
let browser: Browser;

beforeAll(async () => {
  await buildConsole();
  pipeline = await startLocalPipeline({
    port: 0,
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `first-impression-${Date.now()}`,
    twilio: { simulator: { seed: 7, duplicateRate: 0 } },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
});

/** What went wrong while a page loaded: failed or 4xx/5xx requests, console errors, uncaught errors. */
function recordTrouble(page: Page): string[] {
  const trouble: string[] = [];
  page.on('requestfailed', (request) =>
    trouble.push(`failed: ${request.url()} ${request.failure()?.errorText ?? ''}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) trouble.push(`${response.status()}: ${response.url()}`);
  });
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') trouble.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => trouble.push(`page error: ${error.message}`));
  return trouble;
}

it('loads with no failed request and no console error: the favicon is served', async () => {
  const { page } = await watchedPage(browser);
  const trouble = recordTrouble(page);
  await page.goto(`${pipeline.url}/`);
  await page.locator('.summary').filter({ hasText: 'messages' }).waitFor();
  await page.waitForLoadState('networkidle');
  expect(trouble).toEqual([]);
  // The icon the page names is served, as an image.
  const icon = await page.evaluate<string | undefined>(`document.querySelector('link[rel="icon"]')?.href`);
  expect(icon).toBeDefined();
  const answer = await fetch(icon!);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^image\//);
  await page.context().close();
});
