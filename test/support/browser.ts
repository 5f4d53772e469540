/**
 * Real headless Chromium (Debian's package) driven by playwright-core, for
 * browser tests of the nurse app. Screenshots go to .tmp/screenshots for
 * review. Fails under CI=true when chromium is missing, skips otherwise.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { spkiSha256 } from '../../lib/tls/self-signed-certificate.js';
import { REPO_ROOT } from './paths.js';

export const CHROMIUM = process.env.TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, '.tmp/screenshots');

/** A reason to skip (or, under CI, to fail) when the browser is not installed. */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
  return `${CHROMIUM} not installed (apt-get install chromium)`;
}

/**
 * The browser is the person's phone, with its own clock: when the suite runs
 * under libfaketime (the servers a year ahead), Chromium must not inherit it,
 * or its own timers stall and pages never load.
 */
function browserEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'LD_PRELOAD' && !k.startsWith('FAKETIME')) env[k] = v;
  return env;
}

/**
 * `trust`: PEM certificates this browser trusts, and only these, the way a
 * phone trusts the one certificate a nurse installed: Chromium is told their
 * public keys (--ignore-certificate-errors-spki-list), never to ignore errors at large.
 */
export async function launchBrowser(o: { trust?: ReadonlyArray<string | Buffer> } = {}): Promise<Browser> {
  const pins = (o.trust ?? []).map(spkiSha256);
  // The machine's network is closed: without these, Chromium keeps trying Google's services.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: browserEnv(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(pins.length ? [`--ignore-certificate-errors-spki-list=${pins.join(',')}`] : [])],
  });
}

/** The smallest phone a nurse is expected to use. */
export const SMALL_PHONE = { width: 360, height: 740 };

/** A phone-sized page, in Spanish, as a nurse on an old Android phone would see it. */
export async function phonePage(browser: Browser, o: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 412, height: 860 }, deviceScaleFactor: 1, locale: 'es-PE', isMobile: true, hasTouch: true, javaScriptEnabled: o.javaScriptEnabled ?? true });
  return { context, page: await context.newPage() };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
