import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createStore } from './create-store.ts';
import { describeHistoryStoreContract } from './history-store.contract.ts';
import { createMemoryStore } from './memory-store.ts';

describeHistoryStoreContract('memory store', async () => createMemoryStore());

const T0 = Date.UTC(2025, 10, 28, 7, 0, 0);

describe('memory store bounds', () => {
  it('keeps only the newest maxPointsPerSeries points of a series', async () => {
    const store = createMemoryStore({ maxPointsPerSeries: 3 });
    for (let i = 0; i < 10; i++)
      store.write({ measurement: 'occupancy', tags: { device: 'cam-1' }, fields: { count: i }, ts: T0 + i });
    const pts = await store.points({ measurement: 'occupancy', fromMs: T0, toMs: T0 + 100 });
    expect(pts.map((p) => p.fields.count)).toEqual([7, 8, 9]);
  });

  it('forgets the least recently written series past maxSeries', async () => {
    const store = createMemoryStore({ maxSeries: 2 });
    for (const device of ['a', 'b', 'a', 'c'])
      store.write({ measurement: 'rejected', tags: { device }, fields: { error: 'x' }, ts: T0 });
    const pts = await store.points({ measurement: 'rejected', fromMs: T0, toMs: T0 + 1 });
    expect(pts.map((p) => p.tags.device).sort()).toEqual(['a', 'c']);
  });

  it('counts written points on a shared registry without double registration', async () => {
    const registry = new Registry();
    const a = createMemoryStore({ metrics: registry });
    const b = createMemoryStore({ metrics: registry });
    a.write({ measurement: 'status', tags: { device: 'x' }, fields: { online: true }, ts: T0 });
    b.write({ measurement: 'status', tags: { device: 'y' }, fields: { online: true }, ts: T0 });
    expect(await registry.getSingleMetricAsString('jagajarak_store_points_written_total')).toMatch(/ 2$/m);
  });
});

describe('createStore', () => {
  it('uses the embedded store when no InfluxDB is configured and says so', () => {
    const store = createStore(undefined);
    expect(store.kind).toBe('memory');
    expect(store.describe()).toMatch(/in-memory.*INFLUX_URL/);
  });

  it('uses InfluxDB when configured, describing it without credentials', async () => {
    const store = createStore({
      url: 'http://admin:hunter2@127.0.0.1:8086/',
      token: 'admin:hunter2',
      org: 'jagajarak',
      bucket: 'jagajarak',
      database: 'jagajarak',
      retentionPolicy: undefined,
      api: 'v1',
    });
    expect(store.kind).toBe('influx');
    expect(store.describe()).toBe('InfluxDB (v1 API) at http://127.0.0.1:8086, database jagajarak');
    await store.close();
  });
});
