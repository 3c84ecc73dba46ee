import { Registry } from 'prom-client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type AlarmSettings, DEFAULT_ALARM_SETTINGS } from '../../shared/alarms.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { HistoryStore, StorePoint } from '../../shared/store/history-store.ts';
import { createInfluxStore } from '../../shared/store/influx-store.ts';
import { createMemoryStore } from '../../shared/store/memory-store.ts';
import { testDatabase } from '../../test/helpers/influxd.ts';
import { parseMetrics } from '../../test/helpers/prom-text.ts';
import { createReportCache, type ReportCacheOptions } from './report-cache.ts';
import { buildComplianceReport, type ComplianceReport } from './report-data.ts';
import { type ReportDay, reportDays, wibDayStart } from './report-days.ts';
import { syntheticSiteDay, syntheticSites } from './report-synthetic.ts';

const HOUR = 3_600_000;
const MIN = 60_000;
const FIRST = wibDayStart('2026-03-01')!;
const DAYS = 8;
/** Noon of the last day: 4 final days, 3 settling (72 h), today open. */
const NOW = FIRST + (DAYS - 1) * 24 * HOUR + 12 * HOUR;
const SITES = syntheticSites(3);
const SYNTHETIC = { everyS: 240, scansPerDay: 40, seed: 3 };

const stores: Array<[string, () => HistoryStore]> = [
  [
    'InfluxDB 1.6 (real influxd)',
    () =>
      createInfluxStore(
        {
          url: inject('influxUrl'),
          token: undefined,
          org: 'jagajarak',
          bucket: 'jagajarak',
          database: testDatabase('report_cache'),
          retentionPolicy: undefined,
          api: 'v1',
        },
        { queue: { flushIntervalMs: 20 } },
      ),
  ],
  ['memory store', () => createMemoryStore()],
];

const daysTo = (now: number, from = '2026-03-01', to = '2026-03-08'): ReportDay[] => {
  const r = reportDays(from, to, now);
  if (!r.ok) throw new Error(r.error);
  return r.days;
};
const withSettings = (sites: Site[], settings: AlarmSettings = DEFAULT_ALARM_SETTINGS) =>
  sites.map((site) => ({ site, settings }));
/** The report as JSON without generatedAt, the one field that differs between two computations. */
const same = (r: ComplianceReport) => JSON.parse(JSON.stringify({ ...r, generatedAt: 0 }));
const counters = async (metrics: Registry) => {
  const m = parseMetrics(await metrics.metrics());
  return {
    hits: m.get('jagajarak_report_cache_hits_total') ?? 0,
    misses: m.get('jagajarak_report_cache_misses_total') ?? 0,
    invalidated: m.get('jagajarak_report_cache_invalidated_total') ?? 0,
    fresh: m.get('jagajarak_report_days_fresh_total') ?? 0,
    shared: m.get('jagajarak_report_shared_total') ?? 0,
    evicted: m.get('jagajarak_report_cache_evictions_total') ?? 0,
    entries: m.get('jagajarak_report_cache_entries') ?? 0,
  };
};
const state = (site: Site, ts: number, occupancy: number, level: string): StorePoint => ({
  measurement: 'site_state',
  tags: { site: site.id, kind: site.kind },
  fields: { occupancy, safeCapacity: 200, load: occupancy / 200, level },
  ts,
});

describe.each(stores)('the report cache on the %s', (_name, make) => {
  let store: HistoryStore;
  afterEach(() => store.close());

  async function seeded(extra: StorePoint[] = []) {
    store = make();
    await store.start();
    for (const day of daysTo(NOW))
      SITES.forEach((site, i) => {
        for (const p of syntheticSiteDay(site, day, i, SYNTHETIC, FIRST + 3 * 24 * HOUR))
          if (p.ts <= NOW) store.write(p);
      });
    for (const p of extra) store.write(p);
    await store.flush();
  }
  const cacheOf = (options: Partial<ReportCacheOptions> = {}) => {
    const metrics = new Registry();
    return { metrics, cache: createReportCache({ store, metrics }, options) };
  };
  const write = async (...points: StorePoint[]) => {
    for (const p of points) store.write(p);
    await store.flush();
  };

  it('answers exactly what the uncached report answers, cold, warm and for sub-ranges and other settings', async () => {
    await seeded();
    const { cache, metrics } = cacheOf();
    const days = daysTo(NOW);
    const uncached = same(await buildComplianceReport(store, withSettings(SITES), days, NOW));
    expect(uncached.rows).toHaveLength(SITES.length * DAYS);
    expect(uncached.total.minutesOverCapacity).toBeGreaterThan(0);
    expect(uncached.total.feverReadings).toBeGreaterThan(0);
    expect(same(await cache.report(withSettings(SITES), days, NOW))).toEqual(uncached);
    expect(await counters(metrics)).toMatchObject({ hits: 0, misses: 21, fresh: 3, entries: 21 });
    expect(same(await cache.report(withSettings(SITES), days, NOW))).toEqual(uncached);
    expect(await counters(metrics)).toMatchObject({ hits: 21, misses: 21, fresh: 6 });

    // A range starting mid-way uses the cached day before it for the state carried over midnight.
    const tail = daysTo(NOW, '2026-03-04', '2026-03-08');
    const one = [SITES[1]!];
    expect(same(await cache.report(withSettings(one), tail, NOW))).toEqual(
      same(await buildComplianceReport(store, withSettings(one), tail, NOW)),
    );
    // Other deadman and fever settings are other numbers, never an entry made under the old ones.
    const strict: AlarmSettings = {
      ...DEFAULT_ALARM_SETTINGS,
      offlineAfterMs: 20 * MIN,
      fever: { warnC: 38, critC: 39 },
    };
    const expected = same(await buildComplianceReport(store, withSettings(SITES, strict), days, NOW));
    expect(expected.total.minutesNoData).not.toBe(uncached.total.minutesNoData);
    expect(same(await cache.report(withSettings(SITES, strict), days, NOW))).toEqual(expected);
  });

  it('reflects a late point in a finished day: fresh within the grace, rechecked while settling', async () => {
    const [site] = SITES as [Site];
    await seeded();
    const { cache, metrics } = cacheOf({ graceMs: 10 * MIN, settleMs: 72 * HOUR });
    const days = daysTo(NOW);
    const yesterday = days[DAYS - 2]!;
    const dayBefore = days[DAYS - 3]!;
    const peakOn = (r: ComplianceReport, date: string) =>
      r.rows.find((row) => row.date === date)?.peakOccupancy;

    // 5 minutes after midnight the day just ended is within the grace: ingest's trailing write lands.
    const justAfter = yesterday.endMs + 5 * MIN;
    const lateDays = daysTo(justAfter, '2026-03-06', '2026-03-07');
    await cache.report(withSettings([site]), lateDays, justAfter);
    await write(state(site, yesterday.endMs - 30_000, 777, 'critical'));
    expect(peakOn(await cache.report(withSettings([site]), lateDays, justAfter), yesterday.date)).toBe(777);
    const graceOver = yesterday.endMs + 11 * MIN;
    expect(peakOn(await cache.report(withSettings([site]), lateDays, graceOver), yesterday.date)).toBe(777);
    expect(cache.stats().entries).toBe(2);

    // Settling days: an outage's spooled states and a scanner's buffered fever arrive a day late.
    await cache.report(withSettings([site]), days, NOW);
    const before = await counters(metrics);
    await write(
      state(site, dayBefore.startMs + 3 * HOUR + 17, 901, 'critical'),
      state(site, dayBefore.endMs - MIN, 950, 'critical'),
      {
        measurement: 'temperature',
        tags: { site: site.id, kind: site.kind, device: 'late-scanner', type: 'body' },
        fields: { celsius: 39.9, seq: 1 },
        ts: days[DAYS - 4]!.startMs + 10 * HOUR,
      },
    );
    const after = await cache.report(withSettings([site]), days, NOW);
    expect(same(after)).toEqual(same(await buildComplianceReport(store, withSettings([site]), days, NOW)));
    expect(peakOn(after, dayBefore.date)).toBe(950);
    // 950 at 23:59 carries into the next day: yesterday changed too, though nothing was written in it.
    expect(peakOn(after, yesterday.date)).toBe(950);
    expect(after.rows.find((r) => r.date === days[DAYS - 4]!.date)?.feverMaxC).toBe(39.9);
    expect((await counters(metrics)).invalidated - before.invalidated).toBe(3);
  });

  it('trusts a settled day after one last check, and keeps it across requests without rereading it', async () => {
    await seeded();
    const { cache, metrics } = cacheOf({ settleMs: 72 * HOUR });
    const days = daysTo(NOW).slice(0, -1);
    const reference = same(await cache.report(withSettings(SITES), days, NOW));
    const later = NOW + 5 * 24 * HOUR;
    expect(same(await cache.report(withSettings(SITES), days, later))).toEqual(reference);
    const settled = await counters(metrics);
    expect(settled).toMatchObject({ hits: 21, misses: 21, invalidated: 0 });
    // A backfill older than the settle window is not looked for; DELETE /api/reports/cache is.
    await write(state(SITES[0]!, days[1]!.startMs + 6 * HOUR, 4321, 'critical'));
    const trusted = await cache.report(withSettings(SITES), days, later);
    expect(
      trusted.rows.find((r) => r.siteId === SITES[0]!.id && r.date === days[1]!.date)?.peakOccupancy,
    ).not.toBe(4321);
    expect(cache.clear()).toBe(21);
    const cleared = await cache.report(withSettings(SITES), days, later);
    expect(
      cleared.rows.find((r) => r.siteId === SITES[0]!.id && r.date === days[1]!.date)?.peakOccupancy,
    ).toBe(4321);
  });

  it('stays within its entry and byte bounds, evicting the least recently used, and still answers right', async () => {
    await seeded();
    const days = daysTo(NOW);
    const uncached = same(await buildComplianceReport(store, withSettings(SITES), days, NOW));
    const byEntries = cacheOf({ maxEntries: 5 });
    expect(same(await byEntries.cache.report(withSettings(SITES), days, NOW))).toEqual(uncached);
    expect(byEntries.cache.stats().entries).toBe(5);
    expect(await counters(byEntries.metrics)).toMatchObject({ entries: 5, evicted: 16 });
    expect(same(await byEntries.cache.report(withSettings(SITES), days, NOW))).toEqual(uncached);

    const byBytes = cacheOf({ maxBytes: 20_000 });
    expect(same(await byBytes.cache.report(withSettings(SITES), days, NOW))).toEqual(uncached);
    const { bytes, entries } = byBytes.cache.stats();
    expect(bytes).toBeLessThanOrEqual(20_000);
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(21);

    const off = cacheOf({ maxEntries: 0 });
    expect(same(await off.cache.report(withSettings(SITES), days, NOW))).toEqual(uncached);
    expect(off.cache.stats().entries).toBe(0);
  });

  it('computes identical reports asked for at the same time once, and shares the result', async () => {
    await seeded();
    const { cache, metrics } = cacheOf();
    const days = daysTo(NOW);
    const [a, b, c] = await Promise.all([
      cache.report(withSettings(SITES), days, NOW),
      cache.report(withSettings(SITES), days, NOW + 1),
      cache.report(withSettings(SITES.slice(0, 1)), days, NOW + 2),
    ]);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const m = await counters(metrics);
    expect(m.shared).toBe(1);
    // 21 finished site-days for the first two together (42 if each had computed), 7 for the third.
    expect(m.misses + m.hits).toBe(28);
  });
});
