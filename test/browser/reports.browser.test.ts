/**
 * The printable compliance report in a real browser (Debian's Chromium): an operator signs in,
 * follows "Laporan" in the navigation, picks a date range in the form and reads the right numbers
 * (issue #7 item 4); printing hides the form. The page runs under the dashboard's CSP, so any
 * inline script or style would show up as a console error here.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MPP, SEED, TOS } from '../../dashboard/reports/report-fixture.ts';
import { ADMIN, type RunningDashboard, startDashboard, tempDataDir } from '../../dashboard/test-fixture.ts';
import { createMemoryStore } from '../../shared/store/memory-store.ts';
import { type BareBroker, startBareBroker } from '../helpers/bare-broker.ts';
import { launchBrowser, loginThroughUi, newPage, screenshot, testId } from '../helpers/browser.ts';

describe('compliance report page in the browser', () => {
  let broker: BareBroker;
  let data: { dir: string; dispose(): void };
  let d: RunningDashboard;
  let browser: Browser;

  beforeAll(async () => {
    broker = await startBareBroker();
    data = tempDataDir();
    const store = createMemoryStore();
    for (const p of SEED) store.write(p);
    d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir, store });
    const admin = await d.login();
    for (const s of [
      { id: TOS.id, name: TOS.name, kind: 'market', designCapacity: 400 },
      { id: MPP.id, name: MPP.name, kind: 'public-service', designCapacity: 300 },
    ])
      expect((await d.api('/api/sites', { body: s, token: admin })).status).toBe(201);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await d?.dashboard.stop();
    await broker?.close();
    data?.dispose();
  });

  it('opens from the navigation, takes a date range and shows the day’s numbers; printing hides the form', async () => {
    const { page, context, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, d.url, ADMIN);
      await page.locator(testId('nav-reports')).click();
      await page.locator(testId('report-form')).waitFor({ state: 'visible' });
      await page.locator('input[name="from"]').fill('2026-11-20');
      await page.locator('input[name="to"]').fill('2026-11-21');
      await page.locator('select[name="site"]').selectOption(TOS.id);
      await page.locator('form button[type="submit"]').click();
      await page.waitForURL(/from=2026-11-20&to=2026-11-21/);

      await expect(page.locator(testId('report-period')).textContent()).resolves.toContain(
        '2026-11-20 – 2026-11-21',
      );
      expect(await page.locator(testId('report-site')).count()).toBe(1);
      const day = page.locator(`${testId('report-day')}[data-date="2026-11-20"] td`);
      // Date, peak, peak time, safe capacity, over, critical, warning, no data, alarms (ack), fever, max.
      expect(await day.allTextContents()).toEqual([
        '2026-11-20',
        '300',
        '00:06:00',
        '200',
        '13',
        '13',
        '3',
        '1.419',
        '1 (1)',
        '2',
        '38,4 °C',
      ]);
      expect(await page.locator(testId('report-alarm')).count()).toBe(1);
      await expect(page.locator(testId('report-alarm')).textContent()).resolves.toContain('operator-1');

      // The CSV link downloads with the page's session cookie.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('a[href*="sheet=days"]').click(),
      ]);
      expect(download.suggestedFilename()).toBe(`kepatuhan-2026-11-20_2026-11-21-${TOS.id}-days.csv`);
      const csv = readFileSync((await download.path())!, 'utf8');
      expect(csv).toContain(`${TOS.id},Pasar Tos 3000,2026-11-20,300,2026-11-20 00:06:00,200,13,`);

      await page.emulateMedia({ media: 'print' });
      expect(await page.locator(testId('report-form')).isVisible()).toBe(false);
      expect(await page.locator(testId('report-day')).first().isVisible()).toBe(true);
      await screenshot(page, 'compliance-report-print');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
