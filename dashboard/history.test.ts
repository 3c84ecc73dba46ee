import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { createInfluxStore } from '../shared/store/influx-store.ts';
import { createMemoryStore } from '../shared/store/memory-store.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { testDatabase } from '../test/helpers/influxd.ts';
import { pasarTos, type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);

const stores: Array<[string, () => HistoryStore]> = [
  ['memory store', () => createMemoryStore()],
  [
    'InfluxDB store',
    () =>
      createInfluxStore({
        url: inject('influxUrl'),
        token: undefined,
        org: 'jagajarak',
        bucket: 'jagajarak',
        database: testDatabase('dashboard'),
        retentionPolicy: undefined,
        api: 'auto',
      }),
  ],
];

describe.each(stores)('GET /api/sites/:id/history with the %s', (_name, makeStore) => {
  let broker: BareBroker;
  let data: { dir: string; dispose(): void };
  let store: HistoryStore;
  let d: RunningDashboard;
  let token: string;

  beforeEach(async () => {
    broker = await startBareBroker();
    data = tempDataDir();
    store = makeStore();
    await store.start();
    d = await startDashboard({
      brokerUrl: broker.url,
      dataDir: data.dir,
      store,
      clock: { now: () => T0 + 3_600_000 },
    });
    token = await d.login();
    await d.api('/api/sites', { body: pasarTos, token });
  });

  afterEach(async () => {
    await d.dashboard.stop();
    await store.close();
    await broker.close();
    data.dispose();
  });

  it('returns the buckets the store holds for the site', async () => {
    for (const [minute, occupancy] of [
      [0, 10],
      [1, 30],
      [5, 50],
    ] as const) {
      store.write({
        measurement: 'site_state',
        tags: { site: pasarTos.id, kind: 'market' },
        fields: { occupancy, safeCapacity: 200, load: occupancy / 200, level: 'ok' },
        ts: T0 + minute * 60_000,
      });
    }
    await store.flush();
    const res = await d.api(`/api/sites/${pasarTos.id}/history?from=${T0}&to=2026-11-28T01:10:00Z&step=5m`, {
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      siteId: pasarTos.id,
      from: new Date(T0).toISOString(),
      to: '2026-11-28T01:10:00.000Z',
      stepMs: 300_000,
    });
    expect(res.body.buckets).toEqual([
      { t: new Date(T0).toISOString(), occupancy: 30, occupancyMean: 20, safeCapacity: 200 },
      { t: new Date(T0 + 300_000).toISOString(), occupancy: 50, occupancyMean: 50, safeCapacity: 200 },
    ]);

    // Defaults: the last hour before the injected clock's now.
    const defaults = await d.api(`/api/sites/${pasarTos.id}/history`, { token });
    expect(defaults.body).toMatchObject({ from: new Date(T0).toISOString(), stepMs: 10_000 });
  });

  it('answers 400 for bad parameters and 404 for an unknown site', async () => {
    const bad = await d.api(`/api/sites/${pasarTos.id}/history?from=soon&step=-5`, { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^from .*; step /);
    const reversed = await d.api(`/api/sites/${pasarTos.id}/history?from=${T0}&to=${T0 - 1}`, { token });
    expect(reversed.body).toEqual({ error: 'from must be before to' });
    expect((await d.api(`/api/sites/nowhere/history`, { token })).status).toBe(404);
  });
});
