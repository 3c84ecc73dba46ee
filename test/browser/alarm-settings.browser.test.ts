/**
 * The alarm threshold form in a real Chromium against the whole system: an admin changes a
 * threshold and the API serves it, a wrong value is refused in the browser with a message, an
 * override per site kind is cleared back to the city-wide value, the server's own refusal is
 * shown, and an operator sees the thresholds read-only.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginThroughUi, newPage, testId } from '../helpers/browser.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const OPERATOR = { username: 'dishub-operator', password: 'kata-sandi-operator' };
const SECOND_ADMIN = { username: 'dishub-admin-2', password: 'kata-sandi-admin-dua' };

const input = (key: string) => testId(`as-input-${key}`);

describe('alarm thresholds in the admin view', () => {
  let sys: TestSystem;
  let browser: Browser;

  const settings = async () => {
    const res = await sys.api('GET', '/api/alarm-settings');
    expect(res.status).toBe(200);
    return res.body;
  };

  /** Signs in and opens the thresholds tab; resolves once the values are loaded. */
  const openForm = async (page: Page, user: { username: string; password: string }) => {
    await loginThroughUi(page, sys.url, user);
    await page.locator(testId('nav-admin')).click();
    await page.locator(testId('admin-tab-alarm-settings')).click();
    await expect.poll(() => page.locator(testId('as-in-force-fever.warnC')).textContent()).toMatch(/°C/);
  };

  beforeAll(async () => {
    [sys, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
    for (const [user, role] of [
      [OPERATOR, 'operator'],
      [SECOND_ADMIN, 'admin'],
    ] as const)
      expect((await sys.api('POST', '/api/users', { ...user, role, sites: [] })).status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('saves a city-wide fever threshold typed with a decimal comma, and shows it in force', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await openForm(page, sys.admin);
      expect(await page.locator(testId('as-in-force-fever.warnC')).textContent()).toBe('37,3 °C (bawaan)');
      expect(await page.locator(input('fever.warnC')).getAttribute('placeholder')).toBe('bawaan: 37,3');

      await page.locator(input('fever.warnC')).fill('37,5');
      await page.locator(input('offlineAfterMs')).fill('10');
      await page.locator(testId('as-save')).click();
      await expect.poll(() => page.locator(testId('as-status')).textContent()).toMatch(/disimpan/);

      const after = await settings();
      expect(after.all).toEqual({ fever: { warnC: 37.5 }, offlineAfterMs: 600_000 });
      expect(after.effective.market.fever).toEqual({ warnC: 37.5, critC: 38 });
      expect(after.changedBy).toBe(sys.admin.username);
      expect(await page.locator(testId('as-in-force-fever.warnC')).textContent()).toBe(
        '37,5 °C (seluruh kota)',
      );
      expect(await page.locator(testId('as-in-force-offlineAfterMs')).textContent()).toBe(
        '10 menit (seluruh kota)',
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses an out-of-range value, a non-number and contradicting thresholds with a message, sending nothing', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await openForm(page, sys.admin);
      const before = await settings();

      await page.locator(input('capacity.warnEnter')).fill('1500');
      await page.locator(input('fever.critC')).fill('tiga puluh');
      await page.locator(testId('as-save')).click();
      expect(await page.locator(testId('as-error-capacity.warnEnter')).textContent()).toBe(
        'Harus antara 0 dan 1.000 %.',
      );
      expect(await page.locator(testId('as-error-fever.critC')).textContent()).toMatch(/^Bukan angka/);
      expect(await page.locator(input('capacity.warnEnter')).getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator(testId('as-status')).textContent()).toBe(
        'Belum disimpan: periksa 2 isian yang ditandai.',
      );
      // Focus goes to the first wrong box, so a keyboard user lands on it.
      expect(
        await page.locator(input('capacity.warnEnter')).evaluate((el) => el === document.activeElement),
      ).toBe(true);

      // Leaving WASPADA above where it starts would make the alarm flap.
      await page.locator(input('capacity.warnEnter')).fill('');
      await page.locator(input('fever.critC')).fill('');
      await page.locator(input('capacity.warnExit')).fill('85');
      await page.locator(testId('as-save')).click();
      expect(await page.locator(testId('as-status')).textContent()).toBe(
        '“WASPADA selesai di bawah beban (% kapasitas aman)” harus di bawah “WASPADA mulai pada beban (% kapasitas aman)”.',
      );
      expect(await settings()).toEqual(before);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('clears a site kind’s override back to the city-wide value', async () => {
    const current = await settings();
    const put = await sys.api('PUT', '/api/alarm-settings', {
      all: current.all,
      kinds: { market: { fever: { warnC: 37.0 } }, bus: { renotifyMs: 300_000 } },
    });
    expect(put.status).toBe(200);
    const { context, page, errors } = await newPage(browser);
    try {
      await openForm(page, sys.admin);
      await page.locator(testId('as-scope')).selectOption('market');
      await expect.poll(() => page.locator(input('fever.warnC')).inputValue()).toBe('37');
      expect(await page.locator(testId('as-in-force-fever.warnC')).textContent()).toBe('37 °C (jenis ini)');
      expect(await page.locator(input('fever.warnC')).getAttribute('placeholder')).toBe('seluruh kota: 37,5');

      await page.locator(testId('as-clear-fever.warnC')).click();
      expect(await page.locator(input('fever.warnC')).inputValue()).toBe('');
      await page.locator(testId('as-save')).click();
      await expect.poll(() => page.locator(testId('as-status')).textContent()).toMatch(/disimpan/);

      const after = await settings();
      expect(after.kinds.market).toBeUndefined();
      expect(after.kinds.bus).toEqual({ renotifyMs: 300_000 });
      expect(after.effective.market.fever.warnC).toBe(37.5);
      expect(await page.locator(testId('as-in-force-fever.warnC')).textContent()).toBe(
        '37,5 °C (seluruh kota)',
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the server's reason when it refuses the change", async () => {
    const { context, page } = await newPage(browser);
    try {
      await openForm(page, SECOND_ADMIN);
      // Demoted while the form is open: the server refuses the PUT and says why.
      const demoted = await sys.api('PATCH', `/api/users/${SECOND_ADMIN.username}`, { role: 'operator' });
      expect(demoted.status).toBe(200);
      const before = await settings();
      await page.locator(input('renotifyMs')).fill('30');
      await page.locator(testId('as-save')).click();
      await expect
        .poll(() => page.locator(testId('as-status')).textContent())
        .toBe('Gagal: needs role admin');
      expect(await settings()).toEqual(before);
    } finally {
      await context.close();
    }
  });

  it('lists a door counter reboot in the site’s correction log with its own label', async () => {
    await sys.createSite({ id: 'pasar-botania', name: 'Pasar Botania', kind: 'market', designCapacity: 400 });
    const { secret } = await sys.createDevice({
      id: 'botania-door-1',
      siteId: 'pasar-botania',
      type: 'door-counter',
    });
    const door = await sys.connectDevice('botania-door-1', secret);
    const now = Date.now();
    await door.publish('counts', { ts: now, seq: 1, in: 40, out: 10 });
    // Totals went down: the counter rebooted (DOMAIN.md "Counting people"), ingest records `reboot`.
    await door.publish('counts', { ts: now + 1000, seq: 1, in: 2, out: 0 });
    const { context, page, errors } = await newPage(browser);
    try {
      await loginThroughUi(page, sys.url, sys.admin);
      await page.goto(`${sys.url}/#/sites/pasar-botania`);
      const entry = page.locator(`${testId('correction-entry')}[data-action="reboot"]`);
      await entry.waitFor({ timeout: 10_000 });
      // 30 inside before the reboot, plus the 2 the rebooted counter has counted since.
      expect(await entry.textContent()).toMatch(
        /penghitung dinyalakan ulang: garis dasar baru, isi tidak berubah · 32 orang · oleh sistem$/,
      );
      await page.locator(testId('lang-toggle')).click();
      await expect
        .poll(() => entry.textContent())
        .toMatch(/counter rebooted: new baseline, count unchanged · 32 people · by the system$/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows an operator the thresholds in force, read-only and without a save button', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await openForm(page, OPERATOR);
      expect(await page.locator(testId('admin-tab-alarm-settings')).isVisible()).toBe(true);
      for (const tab of ['sites', 'devices', 'users', 'webhooks', 'policy'])
        expect(await page.locator(testId(`admin-tab-${tab}`)).isHidden(), tab).toBe(true);
      expect(await page.locator(testId('as-readonly')).isVisible()).toBe(true);
      expect(await page.locator(testId('as-save')).count()).toBe(0);
      expect(await page.locator(input('fever.warnC')).isEditable()).toBe(false);
      expect(await page.locator(input('capacityForecast.enabled')).isEnabled()).toBe(false);
      expect(await page.locator(testId('as-clear-fever.warnC')).isVisible()).toBe(false);
      expect(await page.locator(testId('as-in-force-fever.warnC')).textContent()).toBe(
        '37,5 °C (seluruh kota)',
      );
      // Another admin tab in the address bar lands on the thresholds, not on the users.
      await page.evaluate(() => {
        location.hash = '#/admin/users';
      });
      await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/admin/alarm-settings');
      // The scope can still be switched to read a site kind's values.
      await page.locator(testId('as-scope')).selectOption('bus');
      await expect
        .poll(() => page.locator(testId('as-in-force-renotifyMs')).textContent())
        .toBe('5 menit (jenis ini)');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
