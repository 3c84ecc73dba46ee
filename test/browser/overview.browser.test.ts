/**
 * The operator screen in a real browser (Debian's Chromium) against the whole system: broker,
 * ingest, dashboard and the run's InfluxDB, with devices publishing over real MQTT (mqtt.js and
 * mosquitto_pub). DESIGN.md "Who uses it": operators act on the worst first, so a site over its
 * safe capacity must turn critical quickly and lead the list; the UI speaks Bahasa Indonesia
 * first, English second.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../shared/topics.ts';
import { launchBrowser, loginThroughUi, newPage, screenshot, testId } from '../helpers/browser.ts';
import { startTestSystem, type TestDevice, type TestSystem } from '../helpers/system.ts';

const run = promisify(execFile);

/** The state must reach the browser this fast after the device's publish (measured from it). */
const LIVE_BUDGET_MS = 2000;

// Safe capacities under the default policy (new-normal-1): market 50% -> 200 (area 900 m2 allows
// 900), public service 50% -> 150, bus 70% -> 56.
const SITES = [
  {
    id: 'pasar-tos-3000',
    name: 'Pasar Tos 3000',
    kind: 'market',
    designCapacity: 400,
    areaM2: 900,
    device: 'tos-cam-1',
    safe: 200,
  },
  {
    id: 'mpp-batam',
    name: 'Mal Pelayanan Publik Batam',
    kind: 'public-service',
    designCapacity: 300,
    device: 'mpp-cam-1',
    safe: 150,
  },
  {
    id: 'bus-k1-01',
    name: 'Trans Batam K1 01',
    kind: 'bus',
    designCapacity: 80,
    device: 'bus-k1-01-apc',
    safe: 56,
  },
] as const;
const [TOS, MPP, BUS] = SITES;
const OVER_CAPACITY = 260;

describe('operator overview in the browser', () => {
  let sys: TestSystem;
  let browser: Browser;
  let tosDevice: TestDevice;
  const secrets = new Map<string, string>();
  let seq = 0;

  /** mosquitto_pub as an outside device: the protocol is plain MQTT 3.1.1, not an mqtt.js dialect. */
  const mosquittoOccupancy = async (deviceId: string, count: number) => {
    await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(sys.mqttPort), '-V', 'mqttv311'],
      ...['-i', deviceId, '-u', deviceId, '-P', secrets.get(deviceId)!, '-q', '1'],
      ...['-t', topics.device(deviceId, 'occupancy')],
      ...['-m', JSON.stringify({ ts: Date.now(), seq: ++seq, count })],
    ]);
  };
  const tosOccupancy = (count: number) =>
    tosDevice.publish('occupancy', { ts: Date.now(), seq: ++seq, count });
  const firstRowId = (page: import('playwright-core').Page) =>
    page.locator(testId('site-row')).first().getAttribute('data-site-id');

  beforeAll(async () => {
    [sys, browser] = await Promise.all([startTestSystem({ influx: true }), launchBrowser()]);
    for (const { device, safe: _safe, ...site } of SITES) {
      await sys.createSite(site);
      const { secret } = await sys.createDevice({ id: device, siteId: site.id, type: 'occupancy-sensor' });
      secrets.set(device, secret);
    }
    tosDevice = await sys.connectDevice(TOS.device, secrets.get(TOS.device)!);
    // Everyone comfortably under capacity: MPP 40%, bus 36%, Pasar Tos 5% (last of the ok rows).
    await Promise.all([
      mosquittoOccupancy(MPP.device, 60),
      mosquittoOccupancy(BUS.device, 20),
      tosOccupancy(10),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('refuses a wrong password with a message in Bahasa Indonesia and stays on the login form', async () => {
    const { context, page } = await newPage(browser);
    try {
      await loginThroughUi(
        page,
        sys.url,
        { ...sys.admin, password: 'bukan-kata-sandinya' },
        { expectSuccess: false },
      );
      const error = page.locator(testId('login-error'));
      await error.waitFor({ state: 'visible' });
      expect(await error.textContent()).toBe('Nama pengguna atau kata sandi salah.');
      expect(await page.locator(testId('app-view')).isHidden()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('lists every site, and a device over capacity turns its row critical and first within 2 s', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      for (const site of SITES) {
        await page.locator(`[data-site-id="${site.id}"][data-level="ok"]`).waitFor();
        expect(await page.locator(`[data-site-id="${site.id}"] .site-name`).textContent()).toBe(site.name);
      }
      await expect.poll(() => firstRowId(page)).toBe(MPP.id);

      const publishedAt = Date.now();
      await tosOccupancy(OVER_CAPACITY);
      await page
        .locator(`[data-site-id="${TOS.id}"][data-level="critical"]`)
        .waitFor({ timeout: LIVE_BUDGET_MS });
      const latencyMs = Date.now() - publishedAt;
      expect(latencyMs, `critical shown ${latencyMs} ms after the publish`).toBeLessThan(LIVE_BUDGET_MS);

      // The list re-orders at most once a second (overview.ts), so the move may trail the colour.
      await expect.poll(() => firstRowId(page), { timeout: 3000 }).toBe(TOS.id);
      const order = await page
        .locator(testId('site-row'))
        .evaluateAll((rows) =>
          rows.map((r) => [r.getAttribute('data-site-id'), r.getAttribute('data-level')]),
        );
      expect(order).toEqual([
        [TOS.id, 'critical'],
        [MPP.id, 'ok'],
        [BUS.id, 'ok'],
      ]);
      expect(await page.locator(testId('count-critical')).textContent()).toBe('1');
      expect(await page.locator(testId('count-ok')).textContent()).toBe('2');
      await screenshot(page, 'overview');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('switches every visible label between Bahasa Indonesia and English', async () => {
    const { context, page } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      const summary = page.locator(testId('list-summary'));
      const toggle = page.locator(testId('lang-toggle'));
      await expect.poll(() => summary.textContent()).toBe('Menampilkan 3 dari 3 lokasi');
      expect(await page.getAttribute('html', 'lang')).toBe('id');
      expect(await page.locator('[data-i18n="col.site"]').textContent()).toBe('Lokasi');
      expect((await toggle.textContent())?.trim()).toBe('EN');

      await toggle.click();
      await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
      await expect.poll(() => summary.textContent()).toBe('Showing 3 of 3 sites');
      expect(await page.locator('[data-i18n="col.site"]').textContent()).toBe('Site');
      expect(await page.locator(`[data-site-id="${MPP.id}"] .level-badge`).textContent()).toBe('OK ✓');
      expect((await toggle.textContent())?.trim()).toBe('ID');

      await toggle.click();
      await page.locator('html[lang="id"]').waitFor({ state: 'attached' });
      expect(await summary.textContent()).toBe('Menampilkan 3 dari 3 lokasi');
      expect(await page.locator(`[data-site-id="${MPP.id}"] .level-badge`).textContent()).toBe('AMAN ✓');
    } finally {
      await context.close();
    }
  });

  it('opens the detail of the critical site with its history chart', async () => {
    await tosOccupancy(OVER_CAPACITY);
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      const row = page.locator(`[data-site-id="${TOS.id}"][data-level="critical"]`);
      await row.click();
      const detail = page.locator(testId('site-detail'));
      await detail.waitFor({ state: 'visible' });
      expect(await page.locator(testId('detail-name')).textContent()).toBe(TOS.name);
      expect(await page.locator(testId('detail-level')).getAttribute('data-level')).toBe('critical');
      expect(await page.locator(testId('detail-occupancy')).textContent()).toBe(String(OVER_CAPACITY));
      expect(await page.locator(testId('detail-safe-capacity')).textContent()).toBe(String(TOS.safe));
      const chart = page.locator(testId('history-chart'));
      await chart.waitFor({ state: 'visible' });
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(100);
      // Something was drawn: axes, the safe-capacity line and the occupancy series.
      const painted = () =>
        chart.evaluate((canvas: HTMLCanvasElement) => {
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let opaque = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) opaque++;
          return opaque;
        });
      await expect.poll(painted).toBeGreaterThan(1000);
      expect(page.url()).toContain(`#/sites/${TOS.id}`);
      await page.locator(testId('chart-status')).waitFor({ state: 'hidden' });
      await screenshot(page, 'site-detail');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
