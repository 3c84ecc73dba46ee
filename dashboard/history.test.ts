import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { createInfluxStore } from '../shared/store/influx-store.ts';
import { createMemoryStore } from '../shared/store/memory-store.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { testDatabase } from '../test/helpers/influxd.ts';
import { busK1, pasarTos, type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

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

/** A bare broker, a started store and a dashboard whose clock stands an hour after T0, with `sites` created. */
async function startWithStore(makeStore: () => HistoryStore, sites: object[]) {
  const broker = await startBareBroker();
  const data = tempDataDir();
  const store = makeStore();
  await store.start();
  const d = await startDashboard({
    brokerUrl: broker.url,
    dataDir: data.dir,
    store,
    clock: { now: () => T0 + 3_600_000 },
  });
  const token = await d.login();
  for (const site of sites) await d.api('/api/sites', { body: site, token });
  return { broker, data, store, d, token };
}

async function stopWithStore(started: {
  broker: BareBroker;
  data: { dispose(): void };
  store: HistoryStore;
  d: RunningDashboard;
}) {
  await started.d.dashboard.stop();
  await started.store.close();
  await started.broker.close();
  started.data.dispose();
}

describe.each(stores)('GET /api/sites/:id/history with the %s', (_name, makeStore) => {
  let broker: BareBroker;
  let data: { dir: string; dispose(): void };
  let store: HistoryStore;
  let d: RunningDashboard;
  let token: string;

  beforeEach(async () => {
    ({ broker, data, store, d, token } = await startWithStore(makeStore, [pasarTos]));
  });

  afterEach(() => stopWithStore({ broker, data, store, d }));

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

  it('downsamples a week at 1 h steps and a day at the default 5 min steps', async () => {
    const now = T0 + 3_600_000;
    // A state every 10 minutes for the 7 days up to now.
    for (let ts = now - 7 * 86_400_000; ts < now; ts += 600_000)
      store.write({
        measurement: 'site_state',
        tags: { site: pasarTos.id, kind: 'market' },
        fields: { occupancy: 40, safeCapacity: 200, load: 0.2, level: 'ok' },
        ts,
      });
    await store.flush();
    const week = await d.api(`/api/sites/${pasarTos.id}/history?from=${now - 7 * 86_400_000}&step=1h`, {
      token,
    });
    expect(week.status).toBe(200);
    expect(week.body.stepMs).toBe(3_600_000);
    expect(week.body.buckets).toHaveLength(7 * 24);
    expect(week.body.buckets[0]).toEqual({
      t: new Date(now - 7 * 86_400_000).toISOString(),
      occupancy: 40,
      occupancyMean: 40,
      safeCapacity: 200,
    });
    const day = await d.api(`/api/sites/${pasarTos.id}/history?from=${now - 86_400_000}`, { token });
    expect(day.body.stepMs).toBe(300_000);
    // One state per 10 minutes: every other 5 min bucket is empty and left out.
    expect(day.body.buckets).toHaveLength(24 * 6);
  });
});

describe.each(stores)('GET /api/sites/:id/temperature with the %s', (_name, makeStore) => {
  let broker: BareBroker;
  let data: { dir: string; dispose(): void };
  let store: HistoryStore;
  let d: RunningDashboard;
  let token: string;

  const reading = (
    device: string,
    type: 'body' | 'ambient',
    minute: number,
    celsius: number,
    site = pasarTos.id,
  ) =>
    store.write({
      measurement: 'temperature',
      tags: { site, device, kind: 'market', type },
      fields: { celsius, seq: minute },
      ts: T0 + minute * 60_000,
    });

  beforeEach(async () => {
    ({ broker, data, store, d, token } = await startWithStore(makeStore, [pasarTos, busK1]));
    reading('tos-scan-1', 'body', 0, 36.6);
    reading('tos-scan-2', 'body', 2, 38.2);
    reading('tos-scan-1', 'body', 7, 37.0);
    reading('tos-scan-1', 'ambient', 1, 31.5);
    reading('bus-scan', 'body', 1, 39.9, busK1.id);
    await store.flush();
  });

  afterEach(() => stopWithStore({ broker, data, store, d }));

  it('returns max, mean and count of body temperature over all the site scanners per step', async () => {
    const res = await d.api(`/api/sites/${pasarTos.id}/temperature?from=${T0}&to=${T0 + 600_000}&step=5m`, {
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      siteId: pasarTos.id,
      kind: 'body',
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 600_000).toISOString(),
      stepMs: 300_000,
    });
    expect(res.body.buckets).toEqual([
      { t: new Date(T0).toISOString(), max: 38.2, mean: expect.closeTo(37.4, 9), count: 2 },
      { t: new Date(T0 + 300_000).toISOString(), max: 37, mean: 37, count: 1 },
    ]);
  });

  it('returns ambient temperature apart from body temperature, over the last hour by default', async () => {
    const res = await d.api(`/api/sites/${pasarTos.id}/temperature?kind=ambient`, { token });
    expect(res.body).toMatchObject({ kind: 'ambient', from: new Date(T0).toISOString(), stepMs: 10_000 });
    expect(res.body.buckets).toEqual([
      { t: new Date(T0 + 60_000).toISOString(), max: 31.5, mean: 31.5, count: 1 },
    ]);
  });

  it('answers 400 for bad parameters and 404 for an unknown site or another venue of a manager', async () => {
    const bad = await d.api(`/api/sites/${pasarTos.id}/temperature?kind=skin&step=0`, { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/step .*; kind /);
    expect((await d.api('/api/sites/nowhere/temperature', { token })).status).toBe(404);

    const manager = {
      username: 'upt-tos',
      password: 'pasar-tos-manager',
      role: 'manager',
      sites: [pasarTos.id],
    };
    expect((await d.api('/api/users', { body: manager, token })).status).toBe(201);
    const managerToken = await d.login(manager.username, manager.password);
    const own = await d.api(`/api/sites/${pasarTos.id}/temperature?from=${T0}`, { token: managerToken });
    expect(own.body.buckets.length).toBeGreaterThan(0);
    const other = await d.api(`/api/sites/${busK1.id}/temperature?from=${T0}`, { token: managerToken });
    expect(other).toMatchObject({ status: 404, body: { error: `site '${busK1.id}' not found` } });
  });
});
