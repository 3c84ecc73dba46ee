/**
 * The overview with more sites than fit on a screen: the list is virtualised (only rows near the
 * viewport are in the DOM, dashboard/web/overview.ts), yet it scrolls, searches and is walked
 * by keyboard across all of them, on a laptop and on a tablet held upright. The frame rate with
 * 5,000 sites changing every second is measured by test/browser/measure-overview.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginThroughUi, newPage, screenshot, testId } from '../helpers/browser.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const COUNT = 300;
const id = (i: number) => `halte-${String(i).padStart(3, '0')}`;

describe('a long overview in the browser', () => {
  let sys: TestSystem;
  let browser: Browser;
  let dataDir: string;

  const rows = (page: Page) => page.locator(testId('site-row'));
  const focusedSite = (page: Page) =>
    page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.siteId ?? null);

  beforeAll(async () => {
    // The sites are in the registry file before the dashboard starts (its own format,
    // dashboard/registry-file.ts): creating 300 through the API, each waiting for its echo
    // through the broker and an fsync, takes half a minute. Bus stops with no reading yet: all
    // `unknown`, ordered by name.
    dataDir = mkdtempSync(join(tmpdir(), 'jagajarak-scale-'));
    const createdAt = new Date().toISOString();
    const sites = Array.from({ length: COUNT }, (_, k) => ({
      id: id(k + 1),
      name: `Halte ${String(k + 1).padStart(3, '0')}`,
      kind: 'public-service',
      designCapacity: 100,
      createdAt,
    }));
    writeFileSync(
      join(dataDir, 'registry.json'),
      JSON.stringify({ version: 1, sites, devices: [], policyChanges: [] }),
    );
    [sys, browser] = await Promise.all([startTestSystem({ env: { DATA_DIR: dataDir } }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps only the rows near the viewport in the DOM and reaches every site by scroll, keys and search', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      const summary = page.locator(testId('list-summary'));
      await expect.poll(() => summary.textContent()).toBe(`Menampilkan ${COUNT} dari ${COUNT} lokasi`);
      await rows(page).first().waitFor();
      expect(await rows(page).count()).toBeLessThan(60);
      expect(await rows(page).first().getAttribute('data-site-id')).toBe(id(1));
      // The list is as tall as all its rows, so the page scrolls as if every row were there.
      const listHeight = await page.locator(testId('site-list')).evaluate((el) => el.clientHeight);
      expect(listHeight).toBeGreaterThan(COUNT * 40);

      // Scrolled to the bottom: the last rows are rendered, at their place, the first ones gone.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const last = page.locator(`[data-site-id="${id(COUNT)}"]`);
      await last.waitFor();
      expect(await last.isVisible()).toBe(true);
      expect(await page.locator(`[data-site-id="${id(1)}"]`).count()).toBe(0);
      expect(await rows(page).count()).toBeLessThan(60);

      // Keyboard: Home and End walk the whole list, not only what is rendered.
      await last.focus();
      await page.keyboard.press('Home');
      await expect.poll(() => focusedSite(page)).toBe(id(1));
      expect(await page.locator(`[data-site-id="${id(1)}"]`).isVisible()).toBe(true);
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => focusedSite(page)).toBe(id(2));
      await page.keyboard.press('End');
      await expect.poll(() => focusedSite(page)).toBe(id(COUNT));
      expect(await last.locator('xpath=..').getAttribute('aria-posinset')).toBe(String(COUNT));
      expect(await last.locator('xpath=..').getAttribute('aria-setsize')).toBe(String(COUNT));
      await page.keyboard.press('Enter');
      await page.locator(testId('site-detail')).waitFor({ state: 'visible' });
      expect(await page.locator(testId('detail-name')).textContent()).toBe(`Halte ${COUNT}`);
      await page.keyboard.press('Escape');
      await page.locator(testId('site-detail')).waitFor({ state: 'hidden' });

      await page.locator(testId('search')).fill('halte 25');
      // Halte 250 .. 259.
      await expect.poll(() => summary.textContent()).toBe(`Menampilkan 10 dari ${COUNT} lokasi`);
      expect(await rows(page).count()).toBe(10);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('fits a tablet held upright, rows as two-line cards', async () => {
    const { context, page, errors } = await newPage(browser, { width: 768, height: 1024 });
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      await rows(page).first().waitFor();
      const widths = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
      }));
      expect(widths.page).toBeLessThanOrEqual(widths.viewport);
      const [a, b] = await rows(page)
        .evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect()))
        .then((r) => r as Array<{ top: number; bottom: number }>);
      // Rows do not overlap however tall the card layout makes them.
      expect(b!.top).toBeGreaterThanOrEqual(a!.bottom);
      await screenshot(page, 'overview-tablet');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
