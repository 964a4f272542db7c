/**
 * A real browser for the console's tests and bench: Debian's chromium (CHROMIUM_PATH, else
 * /usr/bin/chromium) driven by playwright-core, which downloads no browser of its own. `.ci/run`
 * installs chromium when it is missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'console');

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(
      `no chromium at ${executablePath}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  return chromium.launch({
    executablePath,
    headless: true,
    // Chromium refuses to sandbox as root (containers, CI).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/**
 * A page that records what must never happen: a Content-Security-Policy violation, an uncaught error.
 * Both lists are read by the test at the end.
 */
export async function watchedPage(browser: Browser, width = 1280, height = 900) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Page code as a string: this file is compiled without the DOM's types.
  await page.addInitScript(`
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      window.__cspViolations.push(event.violatedDirective + ': ' + event.blockedURI));
  `);
  return {
    page,
    pageErrors,
    cspViolations: () => page.evaluate<string[]>('window.__cspViolations'),
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
