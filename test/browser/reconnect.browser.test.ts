/**
 * Live and resilient (issue 4 item 8): the whole system is stopped under an open page and
 * started again on the same HTTP port with the same data directory and session secret, as a
 * restart or a deploy would. The page must say the connection is lost, reconnect by itself, and
 * catch up (a fresh snapshot, then live updates) without a reload.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystem, type RunningSystem } from '../../create-system.ts';
import { topics } from '../../shared/topics.ts';
import { launchBrowser, loginThroughUi, newPage, testId } from '../helpers/browser.ts';
import { freePort } from '../helpers/free-port.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const SITE = {
  id: 'pasar-induk-jodoh',
  name: 'Pasar Induk Jodoh',
  kind: 'market',
  designCapacity: 400,
} as const;
const DEVICE = 'jodoh-cam-1';

/** A device connection, retried until the restarted broker knows the device again. */
async function connectWhenKnown(url: string, secret: string, ms = 10_000): Promise<MqttClient> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await mqtt.connectAsync(url, {
        protocolVersion: 4,
        clientId: DEVICE,
        username: DEVICE,
        password: secret,
        reconnectPeriod: 0,
        connectTimeout: 2000,
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('the page across a server restart', () => {
  let sys: TestSystem;
  let browser: Browser;
  let secret: string;
  let restarted: ReturnType<typeof createSystem> | undefined;
  let device: MqttClient | undefined;
  let seq = 0;

  const occupancy = (client: MqttClient, count: number) =>
    client.publishAsync(
      topics.device(DEVICE, 'occupancy'),
      JSON.stringify({ ts: Date.now(), seq: ++seq, count }),
      {
        qos: 1,
      },
    );

  beforeAll(async () => {
    const httpPort = await freePort();
    [sys, browser] = await Promise.all([
      startTestSystem({ env: { HTTP_PORT: String(httpPort) } }),
      launchBrowser(),
    ]);
    await sys.createSite(SITE);
    ({ secret } = await sys.createDevice({ id: DEVICE, siteId: SITE.id }));
  });

  afterAll(async () => {
    await device?.endAsync(true);
    await restarted?.stop();
    await browser?.close();
    await sys?.stop();
  });

  it('shows the lost connection, reconnects by itself and catches up without a reload', {
    timeout: 40_000,
  }, async () => {
    const { context, page } = await newPage(browser);
    try {
      const first = await connectWhenKnown(sys.mqttUrl, secret);
      await occupancy(first, 50);
      await first.endAsync();
      await loginThroughUi(page, sys.url, sys.admin);
      const conn = page.locator(testId('conn-state'));
      const row = page.locator(`${testId('site-row')}[data-site-id="${SITE.id}"]`);
      await row.and(page.locator('[data-level="ok"]')).waitFor();
      await conn.and(page.locator('[data-state="connected"]')).waitFor();
      // Survives only if the page is never reloaded.
      await page.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
      });

      await sys.system.stop();
      await conn.and(page.locator('[data-state="reconnecting"], [data-state="disconnected"]')).waitFor();
      expect(await conn.textContent()).toMatch(/^(menyambung ulang…|terputus)$/);

      restarted = createSystem(sys.env);
      const running: RunningSystem = await restarted.start();
      expect(running.url).toBe(sys.url);
      device = await connectWhenKnown(running.mqttUrl, secret);
      const publishedAt = Date.now();
      await occupancy(device, 260);

      await conn.and(page.locator('[data-state="connected"]')).waitFor({ timeout: 20_000 });
      await row.and(page.locator('[data-level="critical"]')).waitFor({ timeout: 20_000 });
      const reconnectedAfterMs = Date.now() - publishedAt;
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
        true,
      );
      expect(await page.locator(testId('app-view')).isVisible()).toBe(true);

      // Live again: the next reading arrives as an update, within the live budget.
      const before = Date.now();
      await occupancy(device, 60);
      await row.and(page.locator('[data-level="ok"]')).waitFor({ timeout: 2000 });
      expect(Date.now() - before, `caught up ${reconnectedAfterMs} ms after the restart`).toBeLessThan(2000);
    } finally {
      await context.close();
    }
  });
});
