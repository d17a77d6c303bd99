import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../src/common/paths.js';

/**
 * Real headless Chromium for the console's browser tests: Debian's `chromium` package (installed by .ci/run) driven
 * by playwright-core (no browser download). Without /usr/bin/chromium the tests are skipped with a message — unless
 * CI is set, where its absence is a failure.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(packageRoot(), 'test', 'artifacts');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const hasChromium = existsSync(CHROMIUM);
export const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
/** Why the browser tests cannot run here, or undefined when they can. */
export const missingBrowser = hasChromium ? undefined : `${CHROMIUM} is missing (install Debian's chromium: apt-get install -y --no-install-recommends chromium; .ci/run does)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}

/** A fresh browser profile (its own cookies) per person, with what the page logs kept for failure reports. */
export async function personIn(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; logs: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(30_000);
  return { context, page, logs };
}

/**
 * Runs a test body; when it fails, a full-page screenshot of every page given goes to test/artifacts/<name>-<n>.png
 * (gitignored) before the error is rethrown, with the pages' console lines added to the message.
 */
export async function withScreenshots(name: string, pages: Array<{ page: Page; logs?: string[] }>, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const shots: string[] = [];
    for (const [i, p] of pages.entries()) {
      const file = join(ARTIFACTS, `${name.replace(/[^a-z0-9-]+/gi, '-')}-${i + 1}.png`);
      try {
        await p.page.screenshot({ path: file, fullPage: true });
        shots.push(file);
      } catch {
        /* the page may be gone */
      }
    }
    const logs = pages.flatMap((p, i) => (p.logs ?? []).map((l) => `page ${i + 1}: ${l}`)).slice(-40);
    if (e instanceof Error) e.message += `\nscreenshots: ${shots.join(', ') || 'none'}${logs.length ? `\npage console:\n${logs.join('\n')}` : ''}`;
    throw e;
  }
}
