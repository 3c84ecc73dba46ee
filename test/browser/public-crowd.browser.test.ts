/**
 * The public crowd guide in a real browser on a phone-sized screen, against the whole system fed
 * over MQTT, with no login: levels by kind, quieter alternatives for a full venue, Bahasa
 * Indonesia at /publik and English at /public. Everything the page receives is checked for
 * counts: the API's JSON may hold no number but coordinates and distances, and no head count may
 * appear anywhere in the rendered page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginThroughUi, newPage, screenshot, testId } from '../helpers/browser.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const PHONE = { width: 390, height: 844 };
// Safe capacity 1000 each (2000 at the new-normal-1 venue share of 50%). The counts have three or
// four digits, so none can turn up by chance in a time (17.42) or a distance (0,5 km) on the page.
const VENUES = [
  { id: 'pasar-penuh', name: 'Pasar Penuh', lat: 1.147, lon: 104.008, count: 1370 },
  { id: 'pasar-dekat', name: 'Pasar Dekat', lat: 1.1515, lon: 104.008, count: 734 },
  { id: 'pasar-jauh', name: 'Pasar Jauh', lat: 1.165, lon: 104.008, count: 291 },
] as const;

describe('the public crowd guide in the browser', () => {
  let sys: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    sys = await startTestSystem({ env: { PUBLIC_CACHE_SECONDS: '1' } });
    browser = await launchBrowser();
    for (const v of VENUES) {
      await sys.createSite({
        id: v.id,
        name: v.name,
        kind: 'market',
        designCapacity: 2000,
        location: { lat: v.lat, lon: v.lon },
      });
      const { secret } = await sys.createDevice({
        id: `${v.id}-cam`,
        siteId: v.id,
        type: 'occupancy-sensor',
      });
      const device = await sys.connectDevice(`${v.id}-cam`, secret);
      await device.publish('occupancy', { ts: Date.now(), seq: 1, count: v.count });
    }
    await sys.createSite({
      id: 'museum-sepi',
      name: 'Museum Tanpa Sensor',
      kind: 'attraction',
      designCapacity: 100,
      location: { lat: 1.15, lon: 104.01 },
    });
    await sys.createSite({
      id: 'bus-k1-01',
      name: 'Trans Batam K1 #01',
      kind: 'bus',
      designCapacity: 80,
      route: 'K1',
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { body } = await sys.api('GET', '/api/sites');
      if (VENUES.every((v) => body.find((s: { id: string }) => s.id === v.id)?.occupancy === v.count)) break;
      if (Date.now() > deadline) throw new Error('venue counts did not reach the dashboard');
      await new Promise((r) => setTimeout(r, 25));
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  /** Opens a page and records every response body it receives from the dashboard. */
  async function open(path: string): Promise<{
    page: Page;
    bodies: Array<{ url: string; text: string }>;
    errors: string[];
    close: () => Promise<void>;
  }> {
    const { context, page, errors } = await newPage(browser, PHONE);
    const bodies: Array<{ url: string; text: string }> = [];
    const pending: Array<Promise<void>> = [];
    page.on('response', (res) => {
      pending.push(
        res
          .text()
          .then((text) => void bodies.push({ url: res.url(), text }))
          .catch(() => undefined),
      );
    });
    await page.goto(`${sys.url}${path}`);
    return {
      page,
      bodies,
      errors,
      close: async () => {
        await Promise.all(pending);
        await context.close();
      },
    };
  }

  it('shows each public venue by kind with its level, and quieter places near a full one', async () => {
    const { page, errors, close } = await open('/publik');
    const full = page.locator(testId('venue-pasar-penuh'));
    await full.waitFor();
    expect(await full.getAttribute('data-level')).toBe('penuh');
    expect(await full.locator(testId('venue-level')).textContent()).toContain('Penuh');
    const alternatives = full.locator(testId('venue-alternatives'));
    expect(
      await alternatives
        .locator('li')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-testid'))),
    ).toEqual(['alternative-pasar-dekat', 'alternative-pasar-jauh']);
    expect(await alternatives.textContent()).toMatch(/Pasar Dekat.*Ramai.*0,5 km.*Pasar Jauh.*Sepi.*2 km/);
    expect(await page.locator(testId('venue-pasar-dekat')).getAttribute('data-level')).toBe('ramai');
    expect(await page.locator(testId('venue-museum-sepi')).getAttribute('data-level')).toBe('tidak-ada-data');
    expect(await page.locator(testId('kind-market')).locator('h2').textContent()).toBe('Pasar');
    expect(await page.locator(testId('venue-bus-k1-01')).count()).toBe(0);
    expect(await page.locator('html').getAttribute('lang')).toBe('id');
    await screenshot(page, 'public-crowd-guide');
    expect(errors).toEqual([]);
    await close();
  });

  it('never lets a head count reach the browser', async () => {
    const { page, bodies, close } = await open('/publik');
    await page.locator(testId('venue-pasar-penuh')).waitFor();
    const text = (await page.locator('body').textContent()) ?? '';
    for (const v of VENUES) expect(text).not.toContain(String(v.count));
    await close();
    const api = bodies.filter((b) => b.url.endsWith('/api/public/crowd'));
    expect(api.length).toBeGreaterThan(0);
    for (const { text: json } of api) {
      const numberKeys = new Set<string>();
      JSON.parse(json, (key, value) => {
        if (typeof value === 'number') numberKeys.add(key);
        return value;
      });
      expect([...numberKeys].sort()).toEqual(['distanceM', 'lat', 'lon']);
    }
    for (const { url, text: body } of bodies) {
      expect(new URL(url).origin).toBe(sys.url.replace('localhost', '127.0.0.1'));
      for (const v of VENUES)
        expect(body, url).not.toMatch(new RegExp(`"(occupancy|count)":\\s*${v.count}\\b`));
    }
  });

  it('lets an admin keep a venue out of the guide with the site form checkbox', async () => {
    const { context, page } = await newPage(browser);
    await loginThroughUi(page, `${sys.url}/#/admin/sites`, sys.admin);
    const form = page.locator(testId('site-form'));
    await form.waitFor();
    const box = page.locator(testId('site-public'));
    await form.locator('select[name="kind"]').selectOption('bus');
    expect(await box.isChecked()).toBe(false);
    await form.locator('select[name="kind"]').selectOption('market');
    expect(await box.isChecked()).toBe(true);
    await form.locator('input[name="id"]').fill('pasar-tertutup');
    // Typed the Indonesian way; the name is forgotten: the form names the field in Bahasa.
    await form.locator('input[name="designCapacity"]').fill('1.000');
    await box.uncheck();
    await page.locator(testId('site-create')).click();
    await page.locator(testId('site-status')).getByText('Periksa isian: Nama').waitFor();
    expect(await form.locator('input[name="name"]').getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('input[name="designCapacity"]').getAttribute('aria-invalid')).toBeNull();
    await form.locator('input[name="name"]').fill('Pasar Tertutup');
    await page.locator(testId('site-create')).click();
    await page.locator(testId('site-status')).getByText('pasar-tertutup').waitFor();
    expect(await form.locator('input[name="name"]').getAttribute('aria-invalid')).toBeNull();
    const created = (await sys.api('GET', '/api/sites/pasar-tertutup')).body;
    expect(created).toMatchObject({ public: false, designCapacity: 1000 });
    const listed = (await (await fetch(`${sys.url}/api/public/crowd`)).json()) as Array<{ id: string }>;
    expect(listed.map((v) => v.id)).not.toContain('pasar-tertutup');
    await context.close();
  });

  it('speaks English at /public and switches language with the toggle', async () => {
    const { page, errors, close } = await open('/public');
    const full = page.locator(testId('venue-pasar-penuh'));
    await full.waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await full.locator(testId('venue-level')).textContent()).toContain('Full');
    expect(await page.locator('h1').textContent()).toBe('Batam crowd guide');
    await page.locator(testId('public-lang-toggle')).click();
    expect(await full.locator(testId('venue-level')).textContent()).toContain('Penuh');
    expect(await page.locator('h1').textContent()).toBe('Panduan keramaian Batam');
    expect(new URL(page.url()).pathname).toBe('/publik');
    expect(errors).toEqual([]);
    await close();
  });
});
