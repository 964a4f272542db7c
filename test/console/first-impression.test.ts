/**
 * The console as a new user first meets it, in a real browser (Debian's chromium, playwright-core)
 * against the real local pipeline with a tracker of its own, empty at first: the page says how to send
 * the first message (and the command it shows works), loads without a failed request or a console
 * error, and reads well on a 375 px phone.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { describeTwilioError } from '../../lambda/domain/error-codes';
import type { HistoryReport } from '../../lambda/domain/history/report';
import { CONSOLE_SCREENSHOTS, takeConsoleScreenshots } from '../../scripts/console-screenshots';
import { watchedPage } from '../support/browser';
import { chartsOf as chartsOfSite, consoleSite, reportOf as reportOfWindow } from '../support/console-site';
import { dynamoEndpoint } from '../support/dynamodb';
import { eventually } from '../support/eventually';
import { runToEnd } from '../support/processes';

jest.setTimeout(120_000);

const site = consoleSite('first-impression', { seed: 7, duplicateRate: 0 });

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
  const { page } = await watchedPage(site.browser);
  const trouble = recordTrouble(page);
  await page.goto(`${site.pipeline.url}/`);
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
  const { page } = await watchedPage(site.browser);
  await page.goto(`${site.pipeline.url}/`);
  const empty = page.locator('.empty');
  await empty.waitFor();
  expect(await page.locator('.summary').textContent()).toContain('0 messages');
  expect(await page.locator('table.messages').count()).toBe(0);
  expect(await empty.locator('h2').textContent()).toBe('No messages in the last 24 hours');
  // The demo against this very server, and a send with the command line's real options.
  expect(await empty.locator('.demo-command').textContent()).toBe(
    `npm run demo -- --url ${site.pipeline.url} --messages 50`,
  );
  const command = (await empty.locator('.send-command').textContent())!;
  expect(command).toBe(`npm run send -- --url ${site.pipeline.url} --to +14155551234 --body "Hello"`);

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
  const { page } = await watchedPage(site.browser);
  await page.goto(`${site.pipeline.url}/#/?status=canceled`);
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

it('shows times without a spurious .000', async () => {
  const { page } = await watchedPage(site.browser);
  await page.goto(`${site.pipeline.url}/`);
  const created = page.locator('table.messages tbody tr td:nth-child(3)');
  await created.first().waitFor();
  for (const text of await created.allTextContents()) {
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{3})?$/);
    expect(text).not.toMatch(/\.000$/);
  }
  await page.context().close();
});

it('folds the filter panel on a 375 px phone behind a toggle that opens it', async () => {
  const { page } = await watchedPage(site.browser, 375, 740);
  await page.goto(`${site.pipeline.url}/`);
  await page.locator('table.messages tbody tr').first().waitFor();
  const toggle = page.getByRole('button', { name: 'Filters' });
  const panel = page.locator('#filter-panel');
  expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  expect(await panel.isVisible()).toBe(false);
  expect(await page.getByLabel('Search', { exact: true }).isVisible()).toBe(true);
  await toggle.tap().catch(() => toggle.click());
  expect(await toggle.getAttribute('aria-expanded')).toBe('true');
  expect(await panel.isVisible()).toBe(true);
  await page.getByLabel('undelivered').check();
  expect(await page.evaluate('location.hash')).toBe('#/?status=undelivered');
  // Folded again, the toggle says a filter is in force.
  await toggle.click();
  expect(await panel.isVisible()).toBe(false);
  expect(await page.getByRole('button', { name: 'Filters (1)' }).count()).toBe(1);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await page.context().close();
  // A wide screen shows the panel, no toggle.
  const wide = await watchedPage(site.browser);
  await wide.page.goto(`${site.pipeline.url}/`);
  await wide.page.locator('#filter-panel').waitFor();
  expect(await wide.page.locator('.filters-toggle').isVisible()).toBe(false);
  expect(await wide.page.getByLabel('undelivered').isVisible()).toBe(true);
  await wide.page.context().close();
});

const reportOf = (change: Partial<HistoryReport>): HistoryReport =>
  reportOfWindow({ since: '2026-11-29T00:00:00.000Z', until: '2026-11-30T00:00:00.000Z' }, change);

/** The charts view of a page whose GET /history/report answers this report. */
const chartsOf = async (report: HistoryReport, width = 1280): Promise<Page> =>
  (await chartsOfSite(site, report, width)).page;

it('says "no data" for a chart with nothing to draw, rather than blank axes', async () => {
  const page = await chartsOf(reportOf({}));
  expect(await page.locator('canvas').count()).toBe(0);
  expect(await page.locator('.no-data').allTextContents()).toEqual([
    'No data: no message changed status in this window.',
    'No data: no failures in this window.',
    'No data: no message went from sent to delivered in this window.',
    'No data: no message was sent in this window.',
  ]);
  await page.context().close();
});

const SMALL = reportOf({
  messages: 3,
  finalStatus: { delivered: 2, undelivered: 1 },
  errorCodes: { '30007': 1, '30003': 2 },
  deliveryLatencyMs: { p50: 1_200, p90: 1_900, p99: 2_000, messages: 1 },
  funnel: [{ day: '2026-11-29', statuses: { queued: 3, sent: 1, delivered: 2, undelivered: 1 } }],
});

it('counts have whole-number axes, and the funnel explains delivered above sent', async () => {
  const page = await chartsOf(SMALL);
  await page.locator('canvas[data-ticks]').nth(2).waitFor();
  const ticks = await page
    .locator('canvas')
    .evaluateAll((canvases) => canvases.map((c) => c.getAttribute('data-ticks')!.split(',')));
  // The funnel's and the error codes' value axes: counts.
  for (const axis of ticks.slice(0, 2)) {
    expect(axis.length).toBeGreaterThan(1);
    for (const tick of axis) expect(tick).toMatch(/^\d+$/);
  }
  const note = page.locator('.funnel-note');
  expect(await note.isVisible()).toBe(true);
  expect(await note.textContent()).toContain('More messages reached delivered (2) than sent (1)');
  expect(await note.textContent()).toContain('carriers do not report every status');
  await page.context().close();
  // Delivered below sent: nothing to explain.
  const usual = await chartsOf(
    reportOf({ ...SMALL, funnel: [{ day: '2026-11-29', statuses: { queued: 3, sent: 3, delivered: 2 } }] }),
  );
  await usual.locator('canvas').first().waitFor();
  expect(await usual.locator('.funnel-note').count()).toBe(0);
  await usual.context().close();
});

it('keeps the error-code labels readable on a 375 px phone: inside the screen, whole, apart', async () => {
  const codes = ['30003', '30005', '30006', '30007', '30008', '21610'];
  const page = await chartsOf(
    reportOf({
      ...SMALL,
      errorCodes: Object.fromEntries(codes.map((code, i) => [code, i + 1])),
    }),
    375,
  );
  const items = page.locator('.code-key li');
  await items.first().waitFor();
  expect(await items.count()).toBe(codes.length);
  for (const code of codes)
    expect(await items.filter({ hasText: code }).textContent()).toContain(
      describeTwilioError(Number(code)).message,
    );
  const boxes = await items.evaluateAll((list) =>
    list.map((item) => {
      const box = item.getBoundingClientRect();
      return {
        left: box.left,
        right: box.right,
        top: box.top,
        bottom: box.bottom,
        cut: item.scrollWidth > item.clientWidth,
      };
    }),
  );
  for (const box of boxes) {
    expect(box.left).toBeGreaterThanOrEqual(0);
    expect(box.right).toBeLessThanOrEqual(375);
    expect(box.cut).toBe(false);
  }
  for (const [i, a] of boxes.entries())
    for (const b of boxes.slice(i + 1)) expect(a.bottom <= b.top || b.bottom <= a.top).toBe(true);
  // The chart's own axis names each bar by its code alone, short enough for the phone's canvas.
  const canvas = page.locator('canvas').nth(1);
  expect(await canvas.getAttribute('aria-label')).toContain(`30007 ${describeTwilioError(30007).message}: 4`);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await page.context().close();
});

it('npm run screenshots:console writes the empty, populated, phone, charts and anomalies screenshots docs/console.md shows', async () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'console-screenshots-'));
  const files = await takeConsoleScreenshots({ outDir, dynamodbEndpoint: dynamoEndpoint() });
  const page = readFileSync(path.join(__dirname, '..', '..', 'docs', 'console.md'), 'utf8');
  for (const name of Object.values(CONSOLE_SCREENSHOTS)) {
    expect(files).toContain(path.join(outDir, name));
    // A PNG, as wide as its viewport; the committed one is where the page says.
    const png = readFileSync(path.join(outDir, name));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(name === CONSOLE_SCREENSHOTS.phone ? 375 : 1280);
    expect(page).toContain(`](${name})`);
    expect(existsSync(path.join(__dirname, '..', '..', 'docs', name))).toBe(true);
  }
  const scripts = (
    JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  expect(scripts['screenshots:console']).toBe('tsx scripts/console-screenshots.ts');
});
