/**
 * The console under test in a real browser (Debian's chromium, playwright-core): a file's own local
 * pipeline with history and the Twilio simulator, the console built first, started before the file's
 * tests and stopped after them; and the charts view of a page whose GET /history/report answers a
 * report the test made.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HistoryReport } from '../../lambda/domain/history/report';
import { startLocalPipeline, type LocalPipeline } from '../../local/pipeline';
import type { SimulatorOptions } from '../../local/twilio-simulator';
import { buildConsole } from '../../scripts/bundle-console';
import { launchChromium, watchedPage } from './browser';
import { dynamoEndpoint } from './dynamodb';

export interface ConsoleSite {
  /** Both set by the file's beforeAll. */
  pipeline: LocalPipeline;
  browser: Browser;
}

/** Registers the file's beforeAll (build, start, launch) and afterAll (close, stop). */
export function consoleSite(name: string, simulator: SimulatorOptions): ConsoleSite {
  const site = {} as ConsoleSite;
  beforeAll(async () => {
    await buildConsole();
    site.pipeline = await startLocalPipeline({
      port: 0,
      dynamodbEndpoint: dynamoEndpoint(),
      tableName: `${name}-${Date.now()}`,
      history: { dir: path.join(mkdtempSync(path.join(tmpdir(), `${name}-`)), 'history') },
      twilio: { simulator },
    });
    site.browser = await launchChromium();
  });
  afterAll(async () => {
    await site.browser?.close();
    await site.pipeline?.stop();
  });
  return site;
}

/** A history report with nothing in it but `window` and what `change` gives. */
export function reportOf(
  window: HistoryReport['window'],
  change: Partial<HistoryReport> = {},
): HistoryReport {
  return {
    window,
    messages: 0,
    finalStatus: {},
    errorCodes: {},
    deliveryLatencyMs: { p50: null, p90: null, p99: null, messages: 0 },
    funnel: [],
    queries: {},
    ...change,
  };
}

/** The charts view of a page whose GET /history/report answers this report; the URLs asked, too. */
export async function chartsOf(
  site: ConsoleSite,
  report: HistoryReport,
  width = 1280,
): Promise<{ page: Page; asked: string[] }> {
  const { page } = await watchedPage(site.browser, width, 900);
  const asked: string[] = [];
  await page.route('**/history/report?*', (route) => {
    asked.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(report) });
  });
  await page.goto(`${site.pipeline.url}/#/charts`);
  await page.locator('.charts .summary').waitFor();
  return { page, asked };
}
