/**
 * Real headless Chromium (Debian's package) driven by playwright-core, for
 * browser tests of the nurse app. Screenshots go to .tmp/screenshots for
 * review. Fails under CI=true when chromium is missing, skips otherwise.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.js';

export const CHROMIUM = process.env.TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, '.tmp/screenshots');

/** A reason to skip (or, under CI, to fail) when the browser is not installed. */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
  return `${CHROMIUM} not installed (apt-get install chromium)`;
}

export async function launchBrowser(): Promise<Browser> {
  // The machine's network is closed: without these, Chromium keeps trying Google's services.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A phone-sized page, in Spanish, as a nurse on an old Android phone would see it (360 × 740: the narrowest common one). */
export async function phonePage(browser: Browser, viewport = { width: 412, height: 860 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'es-PE', isMobile: true, hasTouch: true });
  return { context, page: await context.newPage() };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
