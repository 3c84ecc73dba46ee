/**
 * A real browser for the UI tests: Debian's Chromium (test/setup-system.sh installs it) driven by
 * playwright-core, which ships no browser of its own. One browser per test file, a fresh context
 * (cookies, localStorage, language choice) per test. Not a test file itself.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * playwright-core itself adds `--headless` (with `headless: true`, its default) and
 * `--no-sandbox` (unless `chromiumSandbox: true`), so they are not repeated here. The rest keep
 * Chromium from calling home or fetching components while a test runs, and off the GPU, which
 * containers lack.
 */
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Screenshots of test runs (gitignored). */
export const SCREENSHOT_DIR = 'test-results/screenshots';

/** @example const browser = await launchBrowser(); ...; await browser.close(); */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    timeout: 20_000,
  });
}

export interface PageContext {
  context: BrowserContext;
  page: Page;
  /** Browser console errors and uncaught page errors seen so far. */
  errors: string[];
}

/**
 * A fresh context and page at 1280x800 in Bahasa Indonesia (the UI's default language).
 *
 * @example const { page, context } = await newPage(browser); ...; await context.close();
 */
export async function newPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
): Promise<PageContext> {
  const context = await browser.newContext({ viewport, locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
  context.setDefaultTimeout(5_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The boot probe `GET /api/me` answers 401 before sign-in, and Chromium logs every failed
    // request to the console; that one is the app working as designed.
    if (msg.location().url.endsWith('/api/me') && msg.text().includes('401')) return;
    errors.push(`${msg.text()} (${msg.location().url})`);
  });
  return { context, page, errors };
}

/** `[data-testid="…"]`, the stable hooks of dashboard/web/index.html. */
export const testId = (id: string) => `[data-testid="${id}"]`;

/**
 * Opens the dashboard and signs in through the form, as an operator would. Resolves once the
 * signed-in view is shown; with `expectSuccess: false` it only submits.
 */
export async function loginThroughUi(
  page: Page,
  url: string,
  credentials: { username: string; password: string },
  options: { expectSuccess?: boolean } = {},
): Promise<void> {
  await page.goto(url);
  await page.locator(testId('login-form')).waitFor({ state: 'visible' });
  await page.locator(testId('login-username')).fill(credentials.username);
  await page.locator(testId('login-password')).fill(credentials.password);
  await page.locator(testId('login-submit')).click();
  if (options.expectSuccess ?? true) await page.locator(testId('app-view')).waitFor({ state: 'visible' });
}

/** Saves a PNG, creating the folder; returns the path. */
export async function screenshot(page: Page, name: string, path = join(SCREENSHOT_DIR, `${name}.png`)) {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
  return path;
}
