import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { createInfluxStore } from '../shared/store/influx-store.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { testDatabase } from '../test/helpers/influxd.ts';
import { busK1, pasarTos, type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

const MIN = 60_000;
/** Monday 30 November 2026, 12:00 WIB. */
const NOW = Date.UTC(2026, 10, 30, 5, 0);

let broker: BareBroker;
let data: { dir: string; dispose(): void };
let store: HistoryStore;
let d: RunningDashboard;
let token: string;
let clock: { t: number; now(): number };

beforeEach(async () => {
  clock = { t: NOW, now: () => clock.t };
  broker = await startBareBroker();
  data = tempDataDir();
  store = createInfluxStore({
    url: inject('influxUrl'),
    token: undefined,
    org: 'jagajarak',
    bucket: 'jagajarak',
    database: testDatabase('forecast_routes'),
    retentionPolicy: undefined,
    api: 'v1',
  });
  await store.start();
  d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir, store, clock });
  token = await d.login();
  for (const site of [pasarTos, busK1]) await d.api('/api/sites', { body: site, token });
});

afterEach(async () => {
  await d.dashboard.stop();
  await store.close();
  await broker.close();
  data.dispose();
});

/** A week of 50 people all day, then the last 20 minutes at 90. */
async function seed(siteId: string): Promise<void> {
  for (let t = NOW - 7 * 86_400_000; t < NOW; t += 5 * MIN)
    store.write({
      measurement: 'site_state',
      tags: { site: siteId, kind: 'market' },
      fields: { occupancy: t >= NOW - 20 * MIN ? 90 : 50, safeCapacity: 200, level: 'ok' },
      ts: t,
    });
  await store.flush();
}

describe('GET /api/sites/:id/forecast', () => {
  it("forecasts the next hour every 5 minutes from the site's profile, today's deviation decaying into it", async () => {
    await seed(pasarTos.id);
    const res = await d.api(`/api/sites/${pasarTos.id}/forecast`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      siteId: pasarTos.id,
      basis: 'profile+trend',
      generatedAt: new Date(NOW).toISOString(),
      horizonMinutes: 60,
    });
    const points = res.body.points as Array<{ t: string; occupancy: number }>;
    expect(points.map((p) => Date.parse(p.t) - NOW)).toEqual(
      Array.from({ length: 13 }, (_, i) => i * 5 * MIN),
    );
    expect(points[0]!.occupancy).toBe(90);
    // The usual 12:00-13:00 is 50 (today's 90 is in the profile's last week too, a little).
    expect(points[12]!.occupancy).toBeGreaterThan(50);
    expect(points[12]!.occupancy).toBeLessThan(points[0]!.occupancy);
  });

  it('says trend-only and has no points for a site with no data at all', async () => {
    const res = await d.api(`/api/sites/${busK1.id}/forecast`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ basis: 'trend-only', points: [] });
  });

  it('serves one site from cache for a minute, then fits again', async () => {
    const first = await d.api(`/api/sites/${pasarTos.id}/forecast`, { token });
    await seed(pasarTos.id);
    clock.t += 30_000;
    const cached = await d.api(`/api/sites/${pasarTos.id}/forecast`, { token });
    expect(cached.body).toEqual(first.body);
    clock.t += 30_000;
    const fresh = await d.api(`/api/sites/${pasarTos.id}/forecast`, { token });
    expect(fresh.body.generatedAt).toBe(new Date(NOW + MIN).toISOString());
    expect(fresh.body.basis).toBe('profile+trend');
  });

  it('answers 404 for an unknown site and for a site a venue manager may not see', async () => {
    expect((await d.api('/api/sites/tidak-ada/forecast', { token })).status).toBe(404);
    await d.api('/api/users', {
      body: { username: 'upt-tos', password: 'pasar-tos-manager', role: 'manager', sites: [pasarTos.id] },
      token,
    });
    const manager = await d.login('upt-tos', 'pasar-tos-manager');
    expect((await d.api(`/api/sites/${busK1.id}/forecast`, { token: manager })).status).toBe(404);
    expect((await d.api(`/api/sites/${pasarTos.id}/forecast`, { token: manager })).status).toBe(200);
    expect((await d.api(`/api/sites/${pasarTos.id}/forecast`)).status).toBe(401);
  });
});
