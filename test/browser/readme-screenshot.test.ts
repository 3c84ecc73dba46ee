/**
 * The simulated Batam morning in the browser: the whole system with the simulator on (60x speed,
 * from 07:00 WIB when markets and buses fill up) until several sites are critical, then checks
 * that the flagged sites lead the list and shoots the overview, then the map with the buses on
 * their corridors. The README pictures (docs/screenshot-overview.png and docs/screenshot-map.png,
 * committed) are rewritten only when asked, so a test run never dirties the tree:
 *
 *   UPDATE_README_SCREENSHOT=1 npx vitest run test/browser/readme-screenshot.test.ts
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginThroughUi, newPage, screenshot, testId } from '../helpers/browser.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const README_SCREENSHOT = 'docs/screenshot-overview.png';
const README_MAP_SCREENSHOT = 'docs/screenshot-map.png';
const WANTED_CRITICAL = 4;
const SEVERITY = ['critical', 'warning', 'unknown', 'ok'];

describe('the simulated city in the browser', () => {
  let sys: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    [sys, browser] = await Promise.all([
      startTestSystem({ simulate: true, env: { SIM_SPEED: '60', SIM_START: '07:00', SIM_SEED: '2020' } }),
      launchBrowser(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('shows the morning rush with the critical sites first', { timeout: 45_000 }, async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      const count = (level: string) =>
        page
          .locator(testId(`count-${level}`))
          .textContent()
          .then((t) => Number(t));
      await expect
        .poll(async () => (await count('critical')) >= WANTED_CRITICAL && (await count('unknown')) === 0, {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(true);
      // The list re-orders at most once a second; let it settle on the latest levels.
      await expect
        .poll(async () => {
          const levels = await page
            .locator(testId('site-row'))
            .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level') ?? ''));
          return levels.every((l, i) => i === 0 || SEVERITY.indexOf(levels[i - 1]!) <= SEVERITY.indexOf(l));
        })
        .toBe(true);
      expect(await page.locator(testId('site-row')).first().getAttribute('data-level')).toBe('critical');

      await page.mouse.move(0, 0);
      await screenshot(page, 'overview-simulated');
      if (process.env.UPDATE_README_SCREENSHOT) await screenshot(page, 'readme', README_SCREENSHOT);

      await page.locator(testId('nav-map')).click();
      const markers = page.locator(`${testId('map')} ${testId('map-marker')}`);
      await page
        .locator(`${testId('map')} [data-kind="bus"]:not([hidden])`)
        .first()
        .waitFor();
      await page
        .locator(`${testId('map')} [data-level="critical"]`)
        .first()
        .waitFor();
      const total = (await Promise.all(SEVERITY.map(count))).reduce((a, b) => a + b, 0);
      // Every simulated site has a place: a venue its location, a bus its GPS position.
      await expect.poll(() => markers.locator('xpath=self::*[not(@hidden)]').count()).toBe(total);
      // Zoom in on Batam itself (the whole map also shows Rempang and Galang down south).
      // The Welcome-to-Batam monument stands in the middle of the island.
      const middle = (await page
        .locator(`${testId('map')} [data-site-id="welcome-to-batam"]`)
        .boundingBox())!;
      await page.mouse.move(middle.x + middle.width / 2, middle.y + middle.height / 2 - 40);
      await page.mouse.wheel(0, -200);
      // The critical-alarm toast (it works: alarms are being raised) would hide part of the map.
      const dismiss = page.locator(testId('critical-toast-dismiss'));
      if (await dismiss.isVisible()) await dismiss.click();
      await page.mouse.move(0, 0);
      await screenshot(page, 'map-simulated');
      if (process.env.UPDATE_README_SCREENSHOT) await screenshot(page, 'readme-map', README_MAP_SCREENSHOT);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
