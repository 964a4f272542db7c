/**
 * The console's delivery rate over time and its live delivery anomalies, in a real browser (Debian's
 * chromium, playwright-core) against the real local pipeline: the line has one point per bucket with
 * the rate summed over the channels, an empty history says "No data", and an anomaly the local hub
 * publishes shows on the page without a reload.
 */
import type { DeliveryAnomalyDetail } from '../../lambda/domain/history/anomaly';
import type { HistoryReport } from '../../lambda/domain/history/report';
import type { MessageRecord } from '../../lambda/domain/message';
import { watchedPage } from '../support/browser';
import { chartsOf as chartsOfSite, consoleSite, reportOf as reportOfWindow } from '../support/console-site';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

// Every message ends (delivered or undelivered), so the line's last value is known once they have.
const site = consoleSite('live-charts', {
  seed: 7,
  outcomes: { delivered: 0.5, undelivered: 0.5, failed: 0, sentNoReceipt: 0 },
  duplicateRate: 0,
});

const reportOf = (queries: HistoryReport['queries']): HistoryReport =>
  reportOfWindow(
    { since: '2026-12-06T10:00:00.000Z', until: '2026-12-07T10:00:00.000Z', granularity: 'hour' },
    { queries },
  );

/** The charts view of a page whose GET /history/report answers this report; the paths asked, too. */
const chartsOf = (report: HistoryReport, width = 1280) => chartsOfSite(site, report, width);

/** delivery-rate-by-channel-over-time rows: three hours, two channels, one hour sms only. */
const CHANNEL_ROWS = [
  { bucket: '2026-12-07T07:00:00Z', channel: 'sms', messages: 8, delivered: 6, failed: 2, not_final: 0 },
  { bucket: '2026-12-07T07:00:00Z', channel: 'whatsapp', messages: 2, delivered: 2, failed: 0, not_final: 0 },
  { bucket: '2026-12-07T08:00:00Z', channel: 'sms', messages: 4, delivered: 1, failed: 3, not_final: 0 },
  { bucket: '2026-12-07T09:00:00Z', channel: 'sms', messages: 5, delivered: 3, failed: 1, not_final: 1 },
  { bucket: '2026-12-07T09:00:00Z', channel: 'whatsapp', messages: 3, delivered: 3, failed: 0, not_final: 0 },
].map((row) => ({ ...row, delivery_rate: Math.round((row.delivered / row.messages) * 1e4) / 1e4 }));

/** The overall rate of each hour, in percent, from the same rows: delivered over messages, every channel. */
function expectedPercents(): number[] {
  const hours = [...new Set(CHANNEL_ROWS.map((row) => row.bucket))];
  return hours.map((hour) => {
    const rows = CHANNEL_ROWS.filter((row) => row.bucket === hour);
    const sum = (key: 'messages' | 'delivered') => rows.reduce((total, row) => total + row[key], 0);
    return Math.round((sum('delivered') / sum('messages')) * 1000) / 10;
  });
}

it('draws the delivery rate over time: one point per hour, every channel summed, a percent axis', async () => {
  const percents = expectedPercents();
  expect(percents).toEqual([80, 25, 75]);
  const { page, asked } = await chartsOf(reportOf({ 'delivery-rate-by-channel-over-time': CHANNEL_ROWS }));
  // The 24 h window asks for hourly buckets.
  expect(asked.every((url) => new URL(url).searchParams.get('granularity') === 'hour')).toBe(true);
  const line = page.locator('canvas.rate-over-time[data-points]');
  await line.waitFor();
  expect(await line.getAttribute('data-points')).toBe(String(percents.length));
  expect(await line.getAttribute('data-last')).toBe(String(percents.at(-1)));
  const ticks = (await line.getAttribute('data-ticks'))!.split(',');
  expect(ticks[0]).toBe('0%');
  expect(ticks.at(-1)).toBe('100%');
  for (const tick of ticks) expect(tick).toMatch(/^\d+%$/);
  // Screen readers get every bucket's figure.
  expect(await line.getAttribute('aria-label')).toBe(
    '2026-12-07 07:00: 80%; 2026-12-07 08:00: 25%; 2026-12-07 09:00: 75% (delivery rate)',
  );
  expect(await page.locator('.charts figcaption').last().textContent()).toContain(
    'Delivery rate over time, per hour',
  );
  await page.context().close();
  // On a 375 px phone the chart stays inside the screen.
  const phone = await chartsOf(reportOf({ 'delivery-rate-by-channel-over-time': CHANNEL_ROWS }), 375);
  const small = phone.page.locator('canvas.rate-over-time[data-points]');
  await small.waitFor();
  const box = (await small.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(375);
  expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
  await phone.page.context().close();
});

it('says "No data" for the delivery rate over time when the history has no message', async () => {
  const { page } = await chartsOf(reportOf({ 'delivery-rate-by-channel-over-time': [] }));
  expect(await page.locator('canvas.rate-over-time').count()).toBe(0);
  expect(await page.locator('.no-data').last().textContent()).toBe(
    'No data: no message was sent in this window.',
  );
  await page.context().close();
});

it('says "No data" from the real local history report while nothing was sent', async () => {
  const { page } = await watchedPage(site.browser);
  await page.goto(`${site.pipeline.url}/#/charts`);
  await page.locator('.charts .summary').waitFor();
  expect(await page.locator('.no-data').last().textContent()).toBe(
    'No data: no message was sent in this window.',
  );
  await page.context().close();
});

it('draws the line from the real local history: messages sent now, the last point their delivery rate', async () => {
  const sent = 8;
  for (let i = 0; i < sent; i++) {
    const answer = await fetch(`${site.pipeline.url}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: `+1415555020${i}`, body: 'hello' }),
    });
    expect(answer.status).toBe(201);
  }
  await site.pipeline.simulator!.idle();
  // Every message final, and its rows in the history: then the expected line, from those messages.
  let messages: MessageRecord[] = [];
  await eventually(
    async () => {
      messages = (
        (await (await fetch(`${site.pipeline.url}/messages?limit=100`)).json()) as {
          messages: MessageRecord[];
        }
      ).messages;
      return messages;
    },
    (list) => {
      expect(list).toHaveLength(sent);
      for (const message of list) expect(message.final).toBe(true);
    },
    30_000,
  );
  const hour = (message: MessageRecord) => message.createdAt!.slice(0, 13);
  const hours = [...new Set(messages.map(hour))].sort();
  const last = messages.filter((message) => hour(message) === hours.at(-1));
  const delivered = last.filter((message) => ['delivered', 'read'].includes(message.status ?? '')).length;
  const expected = String(Math.round((delivered / last.length) * 1000) / 10);
  await eventually(
    () => Promise.resolve(site.pipeline.history!.writer.stats()),
    (stats) => {
      expect(stats.pending).toBe(0);
      expect(stats.written).toBeGreaterThan(0);
    },
    30_000,
  );
  const { page } = await watchedPage(site.browser);
  const line = page.locator('canvas.rate-over-time[data-points]');
  await eventually(
    async () => {
      await page.goto(`${site.pipeline.url}/#/charts`);
      await page.reload();
      await page.locator('.charts .summary').waitFor();
      return (await line.count()) === 0
        ? []
        : [await line.getAttribute('data-points'), await line.getAttribute('data-last')];
    },
    (drawn) => expect(drawn).toEqual([String(hours.length), expected]),
    30_000,
  );
  await page.context().close();
});

const ANOMALY: DeliveryAnomalyDetail = {
  anomalyId: 'country=44@2026-12-07T10:15:00.000Z',
  segment: { dimension: 'country', value: '44' },
  metric: 'delivery_rate',
  bucket: { start: '2026-12-07T10:15:00.000Z', end: '2026-12-07T10:30:00.000Z' },
  baseline: { value: 0.95, sample: 1300, buckets: 24 },
  observed: { value: 0.2, sample: 56, delivered: 11, failed: 45, bound: 0.5 },
};

it('shows a delivery anomaly the local hub publishes, live, without a reload', async () => {
  const { page, pageErrors, cspViolations } = await watchedPage(site.browser);
  await page.goto(`${site.pipeline.url}/`);
  await page.locator('.summary').filter({ hasText: 'messages' }).waitFor();
  const list = page.getByRole('region', { name: 'Delivery anomalies' });
  expect(await list.isVisible()).toBe(false);
  const item = page.locator(`li[data-anomaly-id="${ANOMALY.anomalyId}"]`);
  // Published until the page's EventSource is connected (it then shows it once: same anomalyId).
  await eventually(
    async () => {
      site.pipeline.events!.hub.deliverAnomaly(ANOMALY);
      return item.count();
    },
    (count) => expect(count).toBe(1),
  );
  expect(await list.isVisible()).toBe(true);
  expect(await item.textContent()).toBe(
    'country 44: delivery rate 20% (baseline 95%) over 56 messages, 2026-12-07 10:15 UTC',
  );
  expect(await page.locator('.anomalies li').count()).toBe(1);
  expect(await page.locator('.anomalies [role="log"]').getAttribute('aria-live')).toBe('polite');
  await list.getByRole('button', { name: 'Dismiss' }).click();
  expect(await list.isVisible()).toBe(false);
  expect(pageErrors).toEqual([]);
  expect(await cspViolations()).toEqual([]);
  await page.context().close();
});
