/**
 * What an operator and a venue manager do all day, in a real browser against the whole system
 * with the run's InfluxDB: acknowledge an alarm the real ingest raised, read a site's history,
 * temperatures and devices, and (as a manager) see only one's own venue everywhere: the list,
 * the map, the alarms and a deep link (issue 4 items 3, 4, 6 and 10).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm } from '../../shared/alarms.ts';
import { launchBrowser, loginThroughUi, newPage, screenshot, testId } from '../helpers/browser.ts';
import { startTestSystem, type TestDevice, type TestSystem } from '../helpers/system.ts';

// Safe capacities under new-normal-1: markets 50% of 400 = 200, public service 50% of 300 = 150.
const TOS = { id: 'pasar-tos-3000', name: 'Pasar Tos 3000', location: { lat: 1.1436, lon: 104.0138 } };
const MPP = { id: 'mpp-batam', name: 'Mal Pelayanan Publik Batam', location: { lat: 1.1283, lon: 104.0537 } };
const BOTANIA = { id: 'pasar-botania', name: 'Pasar Botania', location: { lat: 1.1335, lon: 104.0576 } };
const MANAGER = { username: 'upt-botania', password: 'kata-sandi-upt-botania' };

/** expect.poll works only inside a test; hooks wait with this. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('operators and managers in the browser', () => {
  let sys: TestSystem;
  let browser: Browser;
  const devices = new Map<string, TestDevice>();
  let seq = 0;

  const publish = (deviceId: string, stream: 'occupancy' | 'temperature' | 'status', payload: object) =>
    devices
      .get(deviceId)!
      .publish(stream, stream === 'status' ? payload : { ts: Date.now(), seq: ++seq, ...payload });
  const openAlarm = async (siteId: string): Promise<Alarm | undefined> => {
    const res = await sys.api('GET', `/api/alarms?state=open&siteId=${siteId}&type=capacity`);
    return (res.body as Alarm[])[0];
  };
  const rowIds = (page: Page, selector: string, attr: string) =>
    page.locator(selector).evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), attr);

  beforeAll(async () => {
    [sys, browser] = await Promise.all([startTestSystem({ influx: true }), launchBrowser()]);
    const sites = [
      { ...TOS, kind: 'market', designCapacity: 400 },
      { ...MPP, kind: 'public-service', designCapacity: 300 },
      { ...BOTANIA, kind: 'market', designCapacity: 400 },
    ] as const;
    for (const site of sites) await sys.createSite(site);
    const register = async (id: string, siteId: string, type: 'occupancy-sensor' | 'thermal-scanner') => {
      const { secret } = await sys.createDevice({ id, siteId, type });
      devices.set(id, await sys.connectDevice(id, secret));
    };
    await register('tos-cam-1', TOS.id, 'occupancy-sensor');
    await register('tos-thermo-1', TOS.id, 'thermal-scanner');
    await register('mpp-cam-1', MPP.id, 'occupancy-sensor');
    await register('botania-cam-1', BOTANIA.id, 'occupancy-sensor');
    const created = await sys.api('POST', '/api/users', { ...MANAGER, role: 'manager', sites: [BOTANIA.id] });
    expect(created.status).toBe(201);

    // Pasar Tos 3000 over capacity (a critical capacity alarm), a fever at its door; Botania
    // over capacity too (the manager's own alarm); MPP comfortable.
    await publish('tos-thermo-1', 'status', { online: true, fw: '2.1.0', ts: Date.now() });
    await Promise.all([
      publish('tos-cam-1', 'occupancy', { count: 120 }),
      publish('mpp-cam-1', 'occupancy', { count: 40 }),
      publish('botania-cam-1', 'occupancy', { count: 230 }),
      publish('tos-thermo-1', 'temperature', { kind: 'body', celsius: 36.8 }),
      publish('tos-thermo-1', 'temperature', { kind: 'ambient', celsius: 31.5 }),
    ]);
    await publish('tos-cam-1', 'occupancy', { count: 260 });
    await publish('tos-thermo-1', 'temperature', { kind: 'body', celsius: 38.2 });
    await until(
      'the capacity alarms',
      10_000,
      async () => (await openAlarm(TOS.id)) && openAlarm(BOTANIA.id),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('acknowledges a critical capacity alarm from the alarms view, and the server agrees', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      await page.locator(testId('nav-alarms')).click();
      const alarm = (await openAlarm(TOS.id))!;
      expect(alarm.severity).toBe('critical');
      const row = page.locator(`${testId('alarm-row')}[data-alarm-id="${alarm.id}"]`);
      await row.and(page.locator('[data-state="open"]')).waitFor();
      // Worst first: the two critical capacity alarms lead the list.
      const severities = await rowIds(page, testId('alarm-row'), 'data-severity');
      expect(severities.slice(0, 2)).toEqual(['critical', 'critical']);

      await row.locator(testId('alarm-ack')).click();
      await row.and(page.locator('[data-state="acknowledged"]')).waitFor({ timeout: 5000 });
      const after = await openAlarm(TOS.id);
      expect(after).toMatchObject({
        id: alarm.id,
        state: 'acknowledged',
        acknowledgedBy: sys.admin.username,
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a site with its history from InfluxDB, its temperatures against the fever lines and its devices', async () => {
    // The history lives in InfluxDB: wait until the store has it, then the chart must show it.
    let stored = 0;
    await expect
      .poll(
        async () => {
          const to = Date.now() + 60_000;
          const res = await sys.api(
            'GET',
            `/api/sites/${TOS.id}/history?from=${to - 3_600_000}&to=${to}&step=30s`,
          );
          stored = res.body.buckets?.length ?? 0;
          return stored;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    const { context, page, errors } = await newPage(browser, { width: 1280, height: 1000 });
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      await page.locator(`${testId('site-row')}[data-site-id="${TOS.id}"]`).click();
      await page.locator(testId('site-detail')).waitFor({ state: 'visible' });

      const points = (id: string) =>
        page.locator(testId(id)).evaluate((c) => Number((c as HTMLCanvasElement).dataset.points ?? 0));
      await expect.poll(() => points('history-chart')).toBeGreaterThanOrEqual(stored);
      // The next hour's forecast (GET /api/sites/:id/forecast) is drawn as its own dashed dataset.
      const forecastPoints = () =>
        page
          .locator(testId('history-chart'))
          .evaluate((c) => Number((c as HTMLCanvasElement).dataset.forecastPoints ?? 0));
      await expect.poll(forecastPoints, { timeout: 5000 }).toBe(13);
      await expect.poll(() => points('temperature-chart'), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      const tempLabel = await page.locator(testId('temperature-chart')).getAttribute('aria-label');
      expect(tempLabel).toContain('38,2 °C');
      expect(tempLabel).toContain('31,5 °C');

      const thermo = page.locator(`${testId('device-row')}[data-device-id="tos-thermo-1"]`);
      await thermo.and(page.locator('[data-online="true"]')).waitFor();
      const thermoText = await thermo.textContent();
      expect(thermoText).toContain('pemindai suhu');
      expect(thermoText).toContain('daring');
      expect(thermoText).toMatch(/terakhir terlihat \d{2}\.\d{2}\.\d{2} WIB \(/);
      const cam = await page.locator(`${testId('device-row')}[data-device-id="tos-cam-1"]`).textContent();
      expect(cam).toContain('sensor keterisian');

      await page.locator(testId('temperature-chart')).scrollIntoViewIfNeeded();
      await screenshot(page, 'site-detail-temperature');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keeps a venue manager to their own venue: the list, the map, the alarms and a deep link to another's", async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, MANAGER);
      await page.locator(`${testId('site-row')}[data-site-id="${BOTANIA.id}"]`).waitFor();
      expect(await rowIds(page, testId('site-row'), 'data-site-id')).toEqual([BOTANIA.id]);
      expect(await page.locator(testId('nav-admin')).isHidden()).toBe(true);

      await page.locator(testId('nav-map')).click();
      await page.locator(`${testId('map')} [data-site-id="${BOTANIA.id}"]`).waitFor();
      expect(await rowIds(page, `${testId('map')} ${testId('map-marker')}`, 'data-site-id')).toEqual([
        BOTANIA.id,
      ]);

      await page.locator(testId('nav-alarms')).click();
      await page
        .locator(`${testId('alarm-row')}[data-alarm-id^="${BOTANIA.id}:"]`)
        .first()
        .waitFor();
      const alarmIds = await rowIds(page, testId('alarm-row'), 'data-alarm-id');
      expect(alarmIds.every((id) => id?.startsWith(`${BOTANIA.id}:`))).toBe(true);

      await page.goto(`${sys.url}/#/sites/${TOS.id}`);
      await page.locator(testId('site-not-found')).waitFor({ state: 'visible' });
      expect(await page.locator(testId('site-not-found')).textContent()).toContain(TOS.id);
      expect(await page.locator(testId('site-detail')).isHidden()).toBe(true);
      expect(await page.locator(`[data-site-id="${TOS.id}"]`).count()).toBe(0);
      // The server agrees: the other venue answers like a missing one.
      const token = await sys.login(MANAGER.username, MANAGER.password);
      const res = await fetch(`${sys.url}/api/sites/${TOS.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(404);

      // Their own venue opens by the same kind of link.
      await page.goto(`${sys.url}/#/sites/${BOTANIA.id}`);
      await page.locator(testId('site-detail')).waitFor({ state: 'visible' });
      expect(await page.locator(testId('site-not-found')).isHidden()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
