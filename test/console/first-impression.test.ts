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
import { eventually } from '../support/eventually';
import { runToEnd } from '../support/processes';

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

/** A command line as a shell splits it (double quotes only: all the page shows). */
const words = (command: string) => [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

it('an empty tracker says how to send the first message, and the command it shows sends one', async () => {
  const { page } = await watchedPage(browser);
  await page.goto(`${pipeline.url}/`);
  const empty = page.locator('.empty');
  await empty.waitFor();
  expect(await page.locator('.summary').textContent()).toContain('0 messages');
  expect(await page.locator('table.messages').count()).toBe(0);
  expect(await empty.locator('h2').textContent()).toBe('No messages in the last 24 hours');
  // The demo against this very server, and a send with the command line's real options.
  expect(await empty.locator('.demo-command').textContent()).toBe(
    `npm run demo -- --url ${pipeline.url} --messages 50`,
  );
  const command = (await empty.locator('.send-command').textContent())!;
  expect(command).toBe(`npm run send -- --url ${pipeline.url} --to +14155551234 --body "Hello"`);

  // Run as shown (npm run send is tsx local/cli.ts send): the message shows, the hint goes.
  const [npm, run, script, dashes, ...args] = words(command);
  expect([npm, run, script, dashes]).toEqual(['npm', 'run', 'send', '--']);
  const sent = await runToEnd('local/cli.ts', ['send', ...args]);
  expect(sent.code).toBe(0);
  const messageSid = /^(SM[0-9a-f]{32}) /.exec(sent.stdout)?.[1];
  expect(messageSid).toBeDefined();
  await page.locator(`tr[data-sid="${messageSid}"]`).waitFor({ timeout: 10_000 });
  expect(await empty.count()).toBe(0);
  await page.context().close();
});

it('a filter that matches nothing says so, and leads back to every message', async () => {
  const { page } = await watchedPage(browser);
  await page.goto(`${pipeline.url}/#/?status=canceled`);
  const empty = page.locator('.empty');
  await eventually(
    () => empty.textContent(),
    (text) => expect(text).toContain('No message created in the last 24 hours matches these filters'),
  );
  expect(await empty.locator('.send-command').count()).toBe(0);
  await empty.getByRole('link', { name: 'Show all' }).click();
  await page.locator('table.messages tbody tr').first().waitFor();
  await page.context().close();
});
