/**
 * Contract tests every HistoryStore passes (STYLE.md rule 6: the same tests against the real
 * implementation and the in-process one). Run by memory-store.test.ts and influx-store.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryQueryError, type HistoryStore, type StorePoint } from './history-store.ts';

const T0 = Date.UTC(2025, 10, 28, 7, 0, 0); // 2025-11-28 14:00 WIB
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const state = (site: string, ts: number, occupancy: number, safeCapacity: number): StorePoint => ({
  measurement: 'site_state',
  tags: { site, kind: 'market' },
  fields: { occupancy, safeCapacity, load: occupancy / safeCapacity, level: 'ok' },
  ts,
});

const temperature = (
  site: string,
  device: string,
  type: 'body' | 'ambient',
  ts: number,
  celsius: number,
): StorePoint => ({
  measurement: 'temperature',
  tags: { site, device, kind: 'market', type },
  fields: { celsius, seq: ts % 1000 },
  ts,
});

/**
 * @example
 * describeHistoryStoreContract('memory store', async () => createMemoryStore());
 */
export function describeHistoryStoreContract(name: string, makeStore: () => Promise<HistoryStore>): void {
  describe(`${name} (HistoryStore contract)`, () => {
    let open: HistoryStore[] = [];
    const store = async () => {
      const s = await makeStore();
      open.push(s);
      await s.start();
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.map((s) => s.close()));
      open = [];
    });

    it('buckets site history by step: max, mean and last, oldest first, empty buckets omitted', async () => {
      const s = await store();
      // Written out of order on purpose: a device replays its buffer after reconnecting.
      s.write(state('pasar-tos-3000', T0 + 5 * MIN + 30_000, 30, 95));
      s.write(state('pasar-tos-3000', T0 + 10_000, 10, 100));
      s.write(state('pasar-tos-3000', T0 + 40_000, 20, 90));
      s.write(state('pasar-tos-3000', T0 + 5 * MIN + 10_000, 50, 95));
      s.write(state('pasar-botania', T0 + 20_000, 999, 1));
      await s.flush();
      const buckets = await s.siteHistory({
        siteId: 'pasar-tos-3000',
        fromMs: T0,
        toMs: T0 + 10 * MIN,
        stepMs: MIN,
      });
      expect(buckets.map((b) => b.t)).toEqual([
        new Date(T0).toISOString(),
        new Date(T0 + 5 * MIN).toISOString(),
      ]);
      expect(buckets[0]).toMatchObject({ occupancy: 20, safeCapacity: 90 });
      expect(buckets[0]!.occupancyMean).toBeCloseTo(15);
      expect(buckets[1]).toMatchObject({ occupancy: 50, safeCapacity: 95 });
      expect(buckets[1]!.occupancyMean).toBeCloseTo(40);
    });

    it('reads the range half-open and aligns buckets to epoch multiples of the step', async () => {
      const s = await store();
      for (const [offset, occ] of [
        [-1, 1],
        [0, 2],
        [2 * MIN - 1, 3],
        [2 * MIN, 4],
      ] as const)
        s.write(state('mpp-batam', T0 + offset, occ, 100));
      await s.flush();
      const buckets = await s.siteHistory({
        siteId: 'mpp-batam',
        fromMs: T0 + 30_000 - 30_000,
        toMs: T0 + 2 * MIN,
        stepMs: 5 * MIN,
      });
      // T0 is a multiple of 5 min, so one bucket [T0, T0+5min) holds the points at 0 and 2min-1.
      expect(buckets).toHaveLength(1);
      expect(buckets[0]).toMatchObject({ t: new Date(T0).toISOString(), occupancy: 3 });
      expect(buckets[0]!.occupancyMean).toBeCloseTo(2.5);
      const offset = await s.siteHistory({
        siteId: 'mpp-batam',
        fromMs: T0 + MIN,
        toMs: T0 + 3 * MIN,
        stepMs: 2 * MIN,
      });
      expect(offset.map((b) => [b.t, b.occupancy])).toEqual([
        [new Date(T0).toISOString(), 3],
        [new Date(T0 + 2 * MIN).toISOString(), 4],
      ]);
    });

    it('refuses a history query it cannot answer', async () => {
      const s = await store();
      await expect(s.siteHistory({ siteId: 'a', fromMs: T0, toMs: T0, stepMs: MIN })).rejects.toThrow(
        HistoryQueryError,
      );
      await expect(s.siteHistory({ siteId: 'a', fromMs: T0, toMs: T0, stepMs: MIN })).rejects.toThrow(/toMs/);
      await expect(s.siteHistory({ siteId: 'a', fromMs: 0, toMs: T0, stepMs: 1 })).rejects.toThrow(/buckets/);
    });

    it('keeps tag values with spaces, commas, equals signs and quotes apart and intact', async () => {
      const s = await store();
      const odd = ['Pasar Induk, Jodoh=1 "x" \'y\'', 'Pasar Induk', 'back\\slash'];
      odd.forEach((site, i) => {
        s.write(state(site, T0 + i, 10 + i, 100));
      });
      await s.flush();
      for (const [i, site] of odd.entries()) {
        const buckets = await s.siteHistory({ siteId: site, fromMs: T0, toMs: T0 + MIN, stepMs: MIN });
        expect(buckets.map((b) => b.occupancy)).toEqual([10 + i]);
        const pts = await s.points({ measurement: 'site_state', tags: { site }, fromMs: T0, toMs: T0 + MIN });
        expect(pts.map((p) => p.tags.site)).toEqual([site]);
      }
    });

    it('stores string and boolean fields (dead letters keep quotes and newlines)', async () => {
      const s = await store();
      const payload = '{"ts":"soon",\n "in": "1,532"} \\ end';
      s.write({
        measurement: 'rejected',
        tags: { reason: 'schema', device: 'bus-k1-07' },
        fields: { topic: 'crowd/v1/devices/bus-k1-07/counts', payload, error: 'ts Expected number' },
        ts: T0,
      });
      s.write({
        measurement: 'status',
        tags: { device: 'bus-k1-07' },
        fields: { online: true, fw: '1.4.2' },
        ts: T0,
      });
      await s.flush();
      const dead = await s.points({
        measurement: 'rejected',
        tags: { reason: 'schema' },
        fromMs: T0,
        toMs: T0 + 1,
      });
      expect(dead).toEqual([
        {
          measurement: 'rejected',
          tags: { reason: 'schema', device: 'bus-k1-07' },
          fields: { topic: 'crowd/v1/devices/bus-k1-07/counts', payload, error: 'ts Expected number' },
          ts: T0,
        },
      ]);
      const status = await s.points({ measurement: 'status', fromMs: T0, toMs: T0 + 1 });
      expect(status[0]?.fields).toEqual({ online: true, fw: '1.4.2' });
    });

    it('overwrites a point written twice with the same series and time (QoS 1 duplicate)', async () => {
      const s = await store();
      s.write(state('bus-k1-07', T0, 12, 50));
      s.write(state('bus-k1-07', T0, 12, 50));
      await s.flush();
      expect(
        await s.points({ measurement: 'site_state', tags: { site: 'bus-k1-07' }, fromMs: T0, toMs: T0 + 1 }),
      ).toHaveLength(1);
    });

    it('counts a point with no storable field as failed instead of storing or throwing', async () => {
      const s = await store();
      s.write({ measurement: 'occupancy', tags: { device: 'x' }, fields: { count: Number.NaN }, ts: T0 });
      await s.flush();
      expect(s.stats().failed).toBe(1);
      expect(await s.points({ measurement: 'occupancy', fromMs: T0 - 1, toMs: T0 + 1 })).toEqual([]);
    });

    it('stores every point of a 20,000-point burst', async () => {
      const s = await store();
      for (let i = 0; i < 20_000; i++)
        s.write({
          measurement: 'counts',
          tags: { site: 'bus-k1-07', device: `door-${i % 20}`, kind: 'bus' },
          fields: { in: i, out: i - 1, seq: i },
          ts: T0 + Math.floor(i / 20) * 1000,
        });
      await s.flush();
      expect(s.stats()).toMatchObject({ pending: 0, written: 20_000, failed: 0 });
      let total = 0;
      for (let d = 0; d < 20; d++)
        total += (
          await s.points({
            measurement: 'counts',
            tags: { device: `door-${d}` },
            fromMs: T0,
            toMs: T0 + 1_000_000,
            limit: 10_000,
          })
        ).length;
      expect(total).toBe(20_000);
    });

    it('stores what was written before close() (close flushes)', async () => {
      const s = await store();
      s.write(state('harbour-bay', T0, 7, 70));
      await s.close();
      expect(s.stats()).toMatchObject({ pending: 0, written: 1, failed: 0 });
    });

    it('aggregates one field over every matching series: max, mean and count per step, empty buckets omitted', async () => {
      const s = await store();
      s.write(temperature('mpp-batam', 'scan-a', 'body', T0 + 10_000, 36.5));
      s.write(temperature('mpp-batam', 'scan-b', 'body', T0 + 20_000, 38.1));
      s.write(temperature('mpp-batam', 'scan-a', 'body', T0 + 50_000, 36.9));
      s.write(temperature('mpp-batam', 'scan-a', 'body', T0 + 3 * MIN, 37.0));
      // Not counted: another kind of reading, another site, outside the half-open range.
      s.write(temperature('mpp-batam', 'scan-a', 'ambient', T0 + 10_000, 31));
      s.write(temperature('harbour-bay', 'scan-z', 'body', T0 + 10_000, 40));
      s.write(temperature('mpp-batam', 'scan-a', 'body', T0 - 1, 41));
      s.write(temperature('mpp-batam', 'scan-a', 'body', T0 + 4 * MIN, 42));
      await s.flush();
      const buckets = await s.aggregate({
        measurement: 'temperature',
        field: 'celsius',
        tags: { site: 'mpp-batam', type: 'body' },
        fromMs: T0,
        toMs: T0 + 4 * MIN,
        stepMs: MIN,
      });
      expect(buckets.map(({ t, max, count }) => ({ t, max, count }))).toEqual([
        { t: new Date(T0).toISOString(), max: 38.1, count: 3 },
        { t: new Date(T0 + 3 * MIN).toISOString(), max: 37, count: 1 },
      ]);
      expect(buckets[0]!.mean).toBeCloseTo((36.5 + 38.1 + 36.9) / 3, 9);
      expect(buckets[1]!.mean).toBeCloseTo(37, 9);
      const ambient = await s.aggregate({
        measurement: 'temperature',
        field: 'celsius',
        tags: { site: 'mpp-batam', type: 'ambient' },
        fromMs: T0,
        toMs: T0 + HOUR,
        stepMs: HOUR,
      });
      expect(ambient).toEqual([{ t: new Date(T0).toISOString(), max: 31, mean: 31, count: 1 }]);
      expect(
        await s.aggregate({
          measurement: 'temperature',
          field: 'celsius',
          tags: { site: 'nowhere' },
          fromMs: T0,
          toMs: T0 + HOUR,
          stepMs: MIN,
        }),
      ).toEqual([]);
    });

    it('refuses an aggregate query it cannot answer', async () => {
      const s = await store();
      const q = {
        measurement: 'temperature',
        field: 'celsius',
        fromMs: T0,
        toMs: T0 + HOUR,
        stepMs: MIN,
      } as const;
      await expect(s.aggregate({ ...q, toMs: T0 })).rejects.toThrow(HistoryQueryError);
      await expect(s.aggregate({ ...q, field: '' })).rejects.toThrow(/field/);
      await expect(s.aggregate({ ...q, fromMs: 0, stepMs: 1 })).rejects.toThrow(/buckets/);
    });

    it('downsamples 7 days into 1 h buckets and 24 hours into 5 min buckets', async () => {
      const s = await store();
      // A reading every 150 s for a week: 24 per hour, 2 per 5 minutes (4,032 per series).
      const every = 150_000;
      const n = (7 * DAY) / every;
      for (let i = 0; i < n; i++) {
        const ts = T0 + i * every;
        s.write(state('pasar-induk-jodoh', ts, i % 24, 100 + Math.floor(i / 24)));
        s.write(temperature('pasar-induk-jodoh', 'scan-1', 'body', ts, 36 + (i % 24) / 10));
      }
      await s.flush();
      const week = { fromMs: T0, toMs: T0 + 7 * DAY, stepMs: HOUR };
      const hourly = await s.siteHistory({ siteId: 'pasar-induk-jodoh', ...week });
      expect(hourly).toHaveLength(7 * 24);
      expect(hourly[0]).toEqual({
        t: new Date(T0).toISOString(),
        occupancy: 23,
        occupancyMean: 11.5,
        safeCapacity: 100,
      });
      expect(hourly.at(-1)).toEqual({
        t: new Date(T0 + 7 * DAY - HOUR).toISOString(),
        occupancy: 23,
        occupancyMean: 11.5,
        safeCapacity: 100 + 7 * 24 - 1,
      });
      const hourlyTemp = await s.aggregate({
        measurement: 'temperature',
        field: 'celsius',
        tags: { site: 'pasar-induk-jodoh', type: 'body' },
        ...week,
      });
      expect(hourlyTemp).toHaveLength(7 * 24);
      expect(hourlyTemp.every((b) => b.count === 24 && b.max === 38.3)).toBe(true);

      const day = { fromMs: T0 + 6 * DAY, toMs: T0 + 7 * DAY, stepMs: 5 * MIN };
      const fiveMin = await s.siteHistory({ siteId: 'pasar-induk-jodoh', ...day });
      expect(fiveMin).toHaveLength(24 * 12);
      expect(fiveMin.slice(0, 2).map((b) => [b.occupancy, b.occupancyMean])).toEqual([
        [1, 0.5],
        [3, 2.5],
      ]);
      const fiveMinTemp = await s.aggregate({
        measurement: 'temperature',
        field: 'celsius',
        tags: { site: 'pasar-induk-jodoh', type: 'body' },
        ...day,
      });
      expect(fiveMinTemp).toHaveLength(24 * 12);
      expect(fiveMinTemp[1]).toMatchObject({
        t: new Date(T0 + 6 * DAY + 5 * MIN).toISOString(),
        count: 2,
        max: 36.3,
      });
      expect(fiveMinTemp[1]!.mean).toBeCloseTo(36.25, 9);
    });

    it('describes itself in one line without credentials', async () => {
      const s = await store();
      expect(s.describe()).toMatch(/^[^\n]+$/);
      expect(s.describe()).not.toMatch(/secret|password|token/i);
    });
  });
}
