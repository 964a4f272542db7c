/**
 * The web console in a real browser (Debian's chromium, playwright-core) against the real local
 * pipeline: DynamoDB Local, the Lambda handlers behind the local server, the Twilio simulator sending
 * its callbacks, events over SSE. What a user would notice: messages appear and settle without a
 * reload, filters and search narrow the table, a timeline reads in order with the error's meaning,
 * charts draw (or are not offered when history is off), and hostile values stay text.
 * Screenshots of each view go to test-artifacts/console/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HistoryReport } from '../../lambda/domain/history/report';
import { describeTwilioError } from '../../lambda/domain/error-codes';
import { funnelOf } from '../../console/funnel';
import { CONTENT_SECURITY_POLICY } from '../../local/console/assets';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import { buildConsole } from '../../scripts/bundle-console';
import { launchChromium, screenshot, watchedPage } from '../support/browser';
import { eventually } from '../support/eventually';
import { dynamoEndpoint } from '../support/dynamodb';
import { runToEnd } from '../support/processes';

jest.setTimeout(120_000);

let pipeline: LocalPipeline;
let browser: Browser;
let page: Page;
let watched: Awaited<ReturnType<typeof watchedPage>>;

interface Sent {
  messageSid: string;
  clientReference: string;
  tags: Record<string, string>;
}

beforeAll(async () => {
  await buildConsole();
  pipeline = await startLocalPipeline({
    port: 0,
    dynamodbEndpoint: dynamoEndpoint(),
    tableName: `console-${Date.now()}`,
    // The history the charts are drawn from (a folder of this run's own).
    history: { dir: path.join(mkdtempSync(path.join(tmpdir(), 'console-history-')), 'history') },
    // Half delivered, half undelivered (seeded, so the same every run); steps slow enough to watch, even
    // on a machine busy enough that the console shows a row a second after its event (a full npm test).
    twilio: {
      simulator: {
        seed: 14,
        outcomes: { delivered: 0.5, undelivered: 0.5, failed: 0, sentNoReceipt: 0 },
        stepDelayMs: [900, 1600],
        duplicateRate: 0,
      },
    },
  });
  browser = await launchChromium();
  watched = await watchedPage(browser);
  page = watched.page;
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
});

async function send(clientReference: string, tags: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(`${pipeline.url}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: '+14155550100', body: 'hello', clientReference, tags }),
  });
  expect(response.status).toBe(201);
  const { messageSid } = (await response.json()) as { messageSid: string };
  return { messageSid, clientReference, tags };
}

async function stored(messageSid: string): Promise<{ status: string; final: boolean; errorCode?: number }> {
  const response = await fetch(`${pipeline.url}/messages/${messageSid}`);
  return (await response.json()) as { status: string; final: boolean; errorCode?: number };
}

/** Loads the page afresh (goto to another fragment of the same page would not reload it). */
async function open(route = '#/'): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${pipeline.url}/${route}`);
}

const row = (sid: string) => page.locator(`tr[data-sid="${sid}"]`);
const rowSids = () =>
  page.locator('table.messages tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sid')));

/** Waits until the table shows exactly these messages (in any order). */
async function tableShows(sids: string[]): Promise<void> {
  await eventually(
    async () => (await rowSids()).sort(),
    (value) => expect(value).toEqual([...sids].sort()),
    10_000,
  );
}

let sent: Sent[] = [];
const finals = new Map<string, { status: string; errorCode?: number }>();

it('serves the page and its assets with a Content-Security-Policy and nosniff', async () => {
  const pageAnswer = await fetch(`${pipeline.url}/`);
  expect(pageAnswer.status).toBe(200);
  expect(pageAnswer.headers.get('content-type')).toMatch(/^text\/html/);
  const csp = pageAnswer.headers.get('content-security-policy') ?? '';
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ])
    expect(csp).toContain(directive);
  expect(csp).toBe(CONTENT_SECURITY_POLICY);
  expect(pageAnswer.headers.get('x-content-type-options')).toBe('nosniff');
  const script = await fetch(`${pipeline.url}/console/console.js`);
  expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(script.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect((await fetch(`${pipeline.url}/console/secrets.txt`)).status).toBe(404);
  // The JSON routes are where they were.
  expect((await fetch(`${pipeline.url}/messages?limit=1`)).headers.get('content-type')).toMatch(/json/);
});

it('shows new messages as they are sent and their statuses as they change, without a reload', async () => {
  await open();
  await eventually(
    () => page.locator('.summary').textContent(),
    (value) => expect(value).toContain('0 messages'),
  );
  // A reload would drop this.
  await page.evaluate('window.__sameDocument = true');
  // Every status each row shows, in order: a row that changes in place shows more than one.
  await page.evaluate(`window.__badges = {};
    new MutationObserver(() => {
      for (const r of document.querySelectorAll('tr[data-sid]')) {
        const seen = (window.__badges[r.getAttribute('data-sid')] ??= []);
        const badge = r.querySelector('.badge')?.textContent;
        if (badge && seen[seen.length - 1] !== badge) seen.push(badge);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true })`);

  sent = [];
  for (let i = 0; i < 6; i++)
    sent.push(await send(`order-${i}`, { campaign: i === 2 ? 'winter' : 'spring' }));
  await row(sent[0]!.messageSid).waitFor({ timeout: 10_000 });

  await pipeline.simulator!.idle();
  for (const message of sent) finals.set(message.messageSid, await stored(message.messageSid));
  for (const [sid, final] of finals)
    await eventually(
      () => row(sid).locator('.badge').textContent(),
      (value) => expect(value).toBe(final.status),
      10_000,
    );
  const statuses = [...finals.values()].map((f) => f.status);
  expect(statuses).toContain('delivered');
  expect(statuses).toContain('undelivered');
  // The first statuses showed while the lifecycles were under way, and changed in place: on a busy
  // machine the first row may only appear once its message is final, so any of the six will do.
  const seen = (await page.evaluate('window.__badges')) as Record<string, string[]>;
  const changedInPlace = sent.filter(({ messageSid }) => {
    const shown = seen[messageSid] ?? [];
    return shown.length > 1 && shown[shown.length - 1] === finals.get(messageSid)!.status;
  });
  expect(changedInPlace.length).toBeGreaterThan(0);
  expect(await page.evaluate('window.__sameDocument')).toBe(true);
  await screenshot(page, 'messages');
});

it('narrows the table by status and to failures only', async () => {
  const undelivered = sent.filter((m) => finals.get(m.messageSid)!.status === 'undelivered');
  const delivered = sent.filter((m) => finals.get(m.messageSid)!.status === 'delivered');

  await page.getByLabel('undelivered').check();
  await tableShows(undelivered.map((m) => m.messageSid));
  await page.getByLabel('delivered', { exact: true }).check();
  await tableShows(sent.map((m) => m.messageSid));
  await page.getByLabel('Failures only').check();
  await tableShows(undelivered.map((m) => m.messageSid));
  await page.getByLabel('undelivered').uncheck();
  // delivered alone is not a failure: nothing can match, and the page says why.
  await eventually(
    () => page.locator('.problem').textContent(),
    (value) => expect(value).toContain('No failure status is picked'),
  );
  await page.getByLabel('delivered', { exact: true }).uncheck();
  await tableShows(undelivered.map((m) => m.messageSid));
  await screenshot(page, 'failures-only');
  await page.getByLabel('Failures only').uncheck();
  await tableShows(sent.map((m) => m.messageSid));
  expect(delivered.length).toBeGreaterThan(0);
});

it('keeps the filters in the link: back from a timeline, and a reload, show the same rows', async () => {
  const undelivered = sent.filter((m) => finals.get(m.messageSid)!.status === 'undelivered');
  await page.getByLabel('undelivered').check();
  await tableShows(undelivered.map((m) => m.messageSid));
  expect(await page.evaluate('location.hash')).toBe('#/?status=undelivered');
  await row(undelivered[0]!.messageSid).locator('a').click();
  await eventually(
    () => page.locator('h1').textContent(),
    (text) => expect(text).toBe(undelivered[0]!.messageSid),
  );
  await page.goBack();
  await tableShows(undelivered.map((m) => m.messageSid));
  expect(await page.getByLabel('undelivered').isChecked()).toBe(true);
  await page.reload();
  await tableShows(undelivered.map((m) => m.messageSid));
  // The brand link is the unfiltered list.
  await page.getByRole('link', { name: 'Twilio status tracker' }).click();
  await tableShows(sent.map((m) => m.messageSid));
  expect(await page.getByLabel('undelivered').isChecked()).toBe(false);
});

it('finds a message by clientReference, by tag, and opens one by its SID', async () => {
  const search = async (text: string) => {
    await page.getByLabel('Search', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Search' }).click();
  };
  await search('order-3');
  await tableShows([sent[3]!.messageSid]);
  await search('campaign=winter');
  await tableShows([sent[2]!.messageSid]);
  await search('nobody-has-this-reference');
  await eventually(
    () => page.locator('.summary').textContent(),
    (value) => expect(value).toContain('0 messages'),
  );
  await search('');
  await tableShows(sent.map((m) => m.messageSid));
  await search(sent[4]!.messageSid);
  await eventually(
    () => page.locator('h1').textContent(),
    (value) => expect(value).toBe(sent[4]!.messageSid),
  );
  await page.goBack();
});

it("opens a failed message's timeline from the table with the keyboard: statuses in order, times, the error's meaning", async () => {
  const failed = sent.find((m) => finals.get(m.messageSid)!.status === 'undelivered')!;
  const { errorCode } = finals.get(failed.messageSid)!;
  expect(errorCode).toBeDefined();
  await row(failed.messageSid).locator('a').focus();
  await page.keyboard.press('Enter');
  await eventually(
    () => page.evaluate('location.hash'),
    (value) => expect(value).toBe(`#/messages/${failed.messageSid}`),
  );

  const steps = page.locator('ol.timeline li');
  await eventually(
    () => steps.count(),
    (value) => expect(value).toBeGreaterThanOrEqual(3),
  );
  const statuses = await steps.evaluateAll((items) => items.map((i) => i.getAttribute('data-status')));
  const times = await steps
    .locator('time')
    .evaluateAll((items) => items.map((i) => i.getAttribute('datetime')!));
  // The simulator's lifecycle, in order: queued [-> sending] -> sent -> undelivered.
  expect(statuses[0]).toBe('queued');
  expect(statuses.slice(-2)).toEqual(['sent', 'undelivered']);
  expect(times.map((t) => Date.parse(t))).toEqual([...times.map((t) => Date.parse(t))].sort((a, b) => a - b));
  expect(await page.locator('.error-box h2').textContent()).toBe(`Error ${errorCode}`);
  expect(await page.locator('.error-box .meaning').textContent()).toBe(
    describeTwilioError(errorCode!).message,
  );
  const details = await page.locator('dl.details').textContent();
  expect(details).toContain(failed.clientReference);
  expect(details).toMatch(/Callbacks recorded\d+/);
  expect(await page.locator('table.tags').textContent()).toContain('campaignspring');
  await screenshot(page, 'timeline');
});

const REPORT: HistoryReport = {
  window: { since: '2026-11-29T00:00:00.000Z', until: '2026-11-30T00:00:00.000Z' },
  messages: 120,
  finalStatus: { delivered: 100, undelivered: 12, failed: 8 },
  errorCodes: { '30003': 7, '30005': 5, '30007': 8 },
  deliveryLatencyMs: { p50: 2_400, p90: 7_900, p99: 21_000, messages: 100 },
  funnel: [
    { day: '2026-11-29', statuses: { queued: 70, sent: 66, delivered: 58, undelivered: 6, failed: 4 } },
    { day: '2026-11-30', statuses: { queued: 50, sent: 46, delivered: 42, undelivered: 6, failed: 4 } },
  ],
  queries: {},
};

it('draws the funnel, failures by error code and time to deliver from the history report', async () => {
  const asked: string[] = [];
  // A stand-in for GET /history/report (the route is not on this server): the report's own type.
  await page.route('**/history/report?*', (route) => {
    asked.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(REPORT) });
  });
  await open();
  await page.getByRole('link', { name: 'Charts' }).click();
  await eventually(
    () => page.locator('canvas').count(),
    (value) => expect(value).toBe(3),
  );
  const labels = await page.locator('canvas').evaluateAll((c) => c.map((e) => e.getAttribute('aria-label')));
  expect(labels[0]).toContain('queued: 120');
  expect(labels[0]).toContain('delivered: 100');
  expect(labels[1]).toContain(`30007 ${describeTwilioError(30007).message}: 8`);
  expect(labels[2]).toBe('p50: 2.4; p90: 7.9; p99: 21 (seconds)');
  // Something was drawn: the canvases are not blank.
  const painted = await page.evaluate<boolean[]>(`[...document.querySelectorAll('canvas')].map((c) =>
    c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0))`);
  expect(painted).toEqual([true, true, true]);
  expect(new URL(asked.at(-1)!).searchParams.get('since')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  await screenshot(page, 'charts');
  expect(await watched.cspViolations()).toEqual([]);
  await page.unroute('**/history/report?*');
});

it("draws the charts from this server's own history: the figures GET /history/report gives", async () => {
  // Messages sent earlier in this file settle and reach the history (written every 2 s).
  const report = async () =>
    (await (await fetch(`${pipeline.url}/history/report?since=1d`)).json()) as HistoryReport;
  await eventually(report, (value) => {
    expect(value.finalStatus.delivered ?? 0).toBeGreaterThan(0);
    expect(value.finalStatus.undelivered ?? 0).toBeGreaterThan(0);
  });
  await open('#/charts');
  // The three bar charts; the delivery rate over time is a line of its own (test/console/live-charts.test.ts).
  const bars = page.locator('canvas:not(.rate-over-time)');
  await eventually(
    () => bars.count(),
    (value) => expect(value).toBe(3),
  );
  const truth = await report();
  const labels = await bars.evaluateAll((c) => c.map((e) => e.getAttribute('aria-label')));
  const funnel = funnelOf(truth).map(([status, messages]) => `${status}: ${messages}`);
  expect(labels[0]).toBe(`${funnel.join('; ')} (messages)`);
  for (const [code, messages] of Object.entries(truth.errorCodes))
    expect(labels[1]).toContain(`${code} ${describeTwilioError(Number(code)).message}: ${messages}`);
  expect(truth.deliveryLatencyMs.messages).toBeGreaterThan(0);
  expect(labels[2]).toMatch(/^p50: [\d.]+; p90: [\d.]+; p99: [\d.]+ \(seconds\)$/);
  await screenshot(page, 'charts-real-history');
});

it('offers no charts when history is off, and says so when the history report answers 404', async () => {
  // The server tells the page whether history is on; this one keeps history, so the page is told "off"
  // the way a server without history tells it.
  const pageUrl = `${pipeline.url}/`;
  await page.route(pageUrl, async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace(
      '<meta name="tracker-history" content="on" />',
      '<meta name="tracker-history" content="off" />',
    );
    expect(body).toContain('content="off"');
    return route.fulfill({ response, body });
  });
  await page.route('**/history/report?*', (route) =>
    route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"history is off"}' }),
  );
  await open();
  await eventually(
    () => page.locator('.summary').textContent(),
    (value) => expect(value).toContain('messages'),
  );
  await page.waitForLoadState('networkidle');
  expect(await page.getByRole('link', { name: 'Charts' }).count()).toBe(0);
  await open('#/charts');
  await eventually(
    () => page.locator('.notice').textContent(),
    (value) => expect(value).toContain('history is off'),
  );
  expect(await page.locator('canvas').count()).toBe(0);
  await page.unroute(pageUrl);
  // History on at the server, but its report answers 404: the charts view says history is off.
  await open('#/charts');
  await eventually(
    () => page.locator('.notice').textContent(),
    (value) => expect(value).toContain('history is off'),
  );
  expect(await page.locator('canvas').count()).toBe(0);
  await page.unroute('**/history/report?*');
});

it('shows hostile clientReference and tag values as text: no script runs', async () => {
  const payloads = ['<img src=x onerror=window.__xss=1>', '<script>window.__xss=1</script>'];
  const hostile = await send(payloads[0]!, { note: payloads[1]!, 'x.y': payloads[0]! });
  await open();
  await row(hostile.messageSid).waitFor({ timeout: 10_000 });
  expect(await row(hostile.messageSid).locator('td.ref').textContent()).toBe(payloads[0]);
  await page.getByLabel('Search', { exact: true }).fill(`note=${payloads[1]}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await tableShows([hostile.messageSid]);

  await row(hostile.messageSid).locator('a').click();
  await eventually(
    () => page.locator('table.tags').textContent(),
    (value) => expect(value).toContain(payloads[1]),
  );
  expect(await page.locator('dl.details').textContent()).toContain(payloads[0]);
  expect(await page.locator('main img, main script').count()).toBe(0);
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  await screenshot(page, 'xss-as-text');
  expect(watched.pageErrors).toEqual([]);
  expect(await watched.cspViolations()).toEqual([]);
});

it('is usable on a 375 px wide phone: nothing wider than the screen', async () => {
  const phone = await watchedPage(browser, 375, 740);
  await phone.page.goto(`${pipeline.url}/#/`);
  await phone.page.locator('table.messages tbody tr').first().waitFor();
  expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await screenshot(phone.page, 'phone');
  await phone.page.context().close();
});

it('shows the messages of `npm run demo -- --url` as they arrive: what a new user watches after npm start', async () => {
  await open();
  await eventually(
    () => page.locator('.summary').textContent(),
    (text) => expect(text).toMatch(/\d+ messages/),
  );
  const demo = await runToEnd('local/demo.ts', ['--url', pipeline.url, '--messages', '5']);
  expect(demo.code).toBe(0);
  expect(demo.stdout).toContain(`5 messages sent to ${pipeline.url}`);
  // The demo prints a summary, not SIDs: its messages are found by their references.
  const references = () => page.locator('table.messages td.ref').allTextContents();
  await eventually(references, (refs) =>
    expect(refs).toEqual(expect.arrayContaining(['batch-1', 'batch-2', 'batch-3', 'batch-4', 'batch-5'])),
  );
  await screenshot(page, 'demo');
});
