/**
 * The map view in a real browser against the whole system: venues at their registered location,
 * a bus at the position its GPS tracker publishes over MQTT, each marker coloured AND shaped by
 * level, opening the site detail on click. The map must work with no internet (issue 4: "no
 * required external tiles or CDN"): every request the page makes is checked to stay on the
 * dashboard's own origin, and OpenStreetMap tiles are asked for only after the toggle.
 * The README's map picture is shot from the simulated city (readme-screenshot.test.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginThroughUi, newPage, screenshot, testId } from '../helpers/browser.ts';
import { startTestSystem, type TestDevice, type TestSystem } from '../helpers/system.ts';

// Places from DOMAIN.md "The seed's setting", at approximate coordinates.
const VENUES = [
  { id: 'pasar-tos-3000', name: 'Pasar Tos 3000', kind: 'market', lat: 1.1436, lon: 104.0138, count: 230 },
  {
    id: 'mpp-batam',
    name: 'Mal Pelayanan Publik Batam',
    kind: 'public-service',
    lat: 1.1283,
    lon: 104.0537,
    count: 120,
  },
  {
    id: 'jembatan-barelang',
    name: 'Jembatan Barelang',
    kind: 'attraction',
    lat: 0.998,
    lon: 104.037,
    count: 20,
  },
  {
    id: 'kampung-vietnam',
    name: 'Kampung Vietnam',
    kind: 'attraction',
    lat: 0.7386,
    lon: 104.2355,
    count: null,
  },
  { id: 'pantai-nongsa', name: 'Pantai Nongsa', kind: 'attraction', lat: 1.188, lon: 104.108, count: 10 },
] as const;
const BUS = { id: 'bus-k1-07', name: 'Trans Batam K1 07', device: 'bus-k1-07-gw' };
// Safe capacities under new-normal-1: market 50% of 400 = 200, public service 50% of 200 = 100,
// attraction 50% of 200 = 100; bus 70% of 80 = 56.
const EXPECTED_LEVEL: Record<string, string> = {
  'pasar-tos-3000': 'critical',
  'mpp-batam': 'critical',
  'jembatan-barelang': 'ok',
  'kampung-vietnam': 'unknown',
  'pantai-nongsa': 'ok',
};

describe('the map in the browser', () => {
  let sys: TestSystem;
  let browser: Browser;
  let bus: TestDevice;
  let seq = 0;

  const busAt = (lat: number, lon: number) =>
    bus.publish('position', { ts: Date.now(), seq: ++seq, lat, lon, speedKmh: 28, heading: 90 });
  const marker = (page: Page, siteId: string) => page.locator(`${testId('map')} [data-site-id="${siteId}"]`);

  beforeAll(async () => {
    [sys, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
    const devices: Array<[string, TestDevice]> = [];
    for (const v of VENUES) {
      await sys.createSite({
        id: v.id,
        name: v.name,
        kind: v.kind,
        designCapacity: v.kind === 'market' ? 400 : 200,
        location: { lat: v.lat, lon: v.lon },
      });
      if (v.count === null) continue;
      const { secret } = await sys.createDevice({ id: `${v.id}-cam`, siteId: v.id });
      devices.push([v.id, await sys.connectDevice(`${v.id}-cam`, secret)]);
    }
    await sys.createSite({ id: BUS.id, name: BUS.name, kind: 'bus', designCapacity: 80, route: 'K1' });
    const { secret } = await sys.createDevice({ id: BUS.device, siteId: BUS.id, type: 'gateway' });
    bus = await sys.connectDevice(BUS.device, secret);
    await Promise.all([
      ...devices.map(([id, device]) =>
        device.publish('occupancy', {
          ts: Date.now(),
          seq: ++seq,
          count: VENUES.find((v) => v.id === id)!.count!,
        }),
      ),
      bus.publish('occupancy', { ts: Date.now(), seq: ++seq, count: 30 }),
      busAt(1.1202, 103.985),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('shows every site by level with shape and icon, and a bus where its GPS says, with no request off the origin', async () => {
    const { context, page, errors } = await newPage(browser);
    const offOrigin: string[] = [];
    const origin = new URL(sys.url).host;
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.protocol !== 'data:' && url.host !== origin) offOrigin.push(req.url());
    });
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      await page.locator(testId('nav-map')).click();
      await page.locator(testId('map')).waitFor({ state: 'visible' });
      expect(page.url()).toContain('#/map');
      for (const [id, level] of Object.entries(EXPECTED_LEVEL))
        await marker(page, id)
          .and(page.locator(`[data-level="${level}"]`))
          .waitFor();
      await marker(page, BUS.id).and(page.locator('[data-level="ok"]')).waitFor();
      expect(await page.locator(`${testId('map')} ${testId('map-marker')}`).count()).toBe(VENUES.length + 1);

      // Level by icon too (never colour alone), the bus by its corridor label.
      expect(await marker(page, 'pasar-tos-3000').locator('.marker-glyph').textContent()).toBe('▲');
      expect(await marker(page, 'kampung-vietnam').locator('.marker-glyph').textContent()).toBe('?');
      expect(await marker(page, BUS.id).locator('.marker-label').textContent()).toBe('K1');
      expect(await marker(page, 'pasar-tos-3000').getAttribute('aria-label')).toContain('KRITIS ▲');
      // The shape differs by level: the critical triangle is clipped, the ok circle is round.
      const shape = (id: string) =>
        marker(page, id)
          .locator('.marker-shape')
          .evaluate((el) => {
            const s = getComputedStyle(el);
            return { clip: s.clipPath, radius: s.borderRadius };
          });
      expect((await shape('pasar-tos-3000')).clip).toContain('polygon');
      expect((await shape('pantai-nongsa')).radius).toBe('50%');

      // Every marker lies inside the map, north above south.
      const map = (await page.locator(testId('map')).boundingBox())!;
      const centre = async (id: string) => {
        const box = (await marker(page, id).boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(map.x);
        expect(box.x + box.width).toBeLessThanOrEqual(map.x + map.width);
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      };
      expect((await centre('pantai-nongsa')).y).toBeLessThan((await centre('kampung-vietnam')).y);

      // The bus moves east along its corridor: its marker follows, without a reload.
      const before = await centre(BUS.id);
      await busAt(1.1225, 104.04);
      await expect
        .poll(async () => (await centre(BUS.id)).x - before.x, { timeout: 2000 })
        .toBeGreaterThan(20);

      expect(await page.locator(testId('map-online')).isChecked()).toBe(false);
      expect(await page.locator(testId('map-schematic')).isVisible()).toBe(true);
      await page.mouse.move(map.x + 5, map.y + 5);
      await screenshot(page, 'map');
      expect(offOrigin).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('opens the site detail from a marker, by pointer and by keyboard, and zooms with buttons and keys', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      await page.locator(testId('nav-map')).click();
      const tos = marker(page, 'pasar-tos-3000');
      await tos.waitFor();

      const spread = async () => {
        const a = (await marker(page, 'pantai-nongsa').boundingBox())!;
        const b = (await marker(page, 'kampung-vietnam').boundingBox())!;
        return Math.hypot(a.x - b.x, a.y - b.y);
      };
      const wide = await spread();
      await page.locator(testId('map-zoom-in')).click();
      await expect.poll(spread).toBeGreaterThan(wide * 1.8);
      await page.locator(testId('map')).focus();
      await page.keyboard.press('-');
      await expect.poll(spread).toBeLessThan(wide * 1.2);
      await page.keyboard.press('0');

      await tos.click();
      await page.locator(testId('site-detail')).waitFor({ state: 'visible' });
      expect(await page.locator(testId('detail-name')).textContent()).toBe('Pasar Tos 3000');
      expect(page.url()).toContain('#/sites/pasar-tos-3000');

      // Flagged markers are in the tab order; Enter opens the site.
      await page.locator(testId('nav-map')).click();
      await marker(page, 'mpp-batam').focus();
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.locator(testId('detail-name')).textContent())
        .toBe('Mal Pelayanan Publik Batam');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('asks OpenStreetMap for tiles only once the operator switches them on, and shows the attribution', async () => {
    const { context, page } = await newPage(browser);
    const tileRequests: string[] = [];
    // No internet in tests: answer tile requests locally (if the CSP lets them out at all).
    await context.route('https://tile.openstreetmap.org/**', (route) => {
      tileRequests.push(route.request().url());
      return route.fulfill({ status: 404, body: '' });
    });
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      await page.locator(testId('nav-map')).click();
      await marker(page, 'pasar-tos-3000').waitFor();
      expect(await page.locator(testId('map-attribution')).isHidden()).toBe(true);
      expect(tileRequests).toEqual([]);

      await page.locator(testId('map-online')).check();
      await page.locator(testId('map-attribution')).waitFor({ state: 'visible' });
      expect(await page.locator(`${testId('map-tiles')} img`).count()).toBeGreaterThan(0);
      const srcs = await page
        .locator(`${testId('map-tiles')} img`)
        .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
      for (const src of srcs) expect(src).toMatch(/^https:\/\/tile\.openstreetmap\.org\/\d+\/\d+\/\d+\.png$/);
      // A tile that cannot load (no internet, or a CSP without the tile host) is said, and the
      // schematic outline stays underneath.
      await page.locator(testId('map-status')).waitFor({ state: 'visible' });
      expect(await page.locator(`${testId('map-base')} path`).count()).toBeGreaterThan(3);

      await page.locator(testId('map-online')).uncheck();
      expect(await page.locator(`${testId('map-tiles')} img`).count()).toBe(0);
      expect(await page.locator(testId('map-attribution')).isHidden()).toBe(true);
    } finally {
      await context.close();
    }
  });
});
