import { afterEach, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ALARM_SETTINGS } from '../../shared/alarms.ts';
import type { HistoryStore, StorePoint } from '../../shared/store/history-store.ts';
import { createInfluxStore } from '../../shared/store/influx-store.ts';
import { createMemoryStore } from '../../shared/store/memory-store.ts';
import { testDatabase } from '../../test/helpers/influxd.ts';
import { buildComplianceReport, readAllPoints } from './report-data.ts';
import { reportDays, wibDayStart } from './report-days.ts';
import { alarmId, body, D0, D1, MIN, NOW, SEED, state, TOS } from './report-fixture.ts';

const stores: Array<[string, () => HistoryStore]> = [
  ['memory store', () => createMemoryStore()],
  [
    'InfluxDB 1.6 (real influxd)',
    () =>
      createInfluxStore(
        {
          url: inject('influxUrl'),
          token: undefined,
          org: 'jagajarak',
          bucket: 'jagajarak',
          database: testDatabase('report'),
          retentionPolicy: undefined,
          api: 'v1',
        },
        { queue: { flushIntervalMs: 20 } },
      ),
  ],
];

describe.each(stores)('compliance report on the %s', (_name, make) => {
  let store: HistoryStore;
  afterEach(() => store.close());

  async function seeded(points: StorePoint[]) {
    store = make();
    await store.start();
    for (const p of points) store.write(p);
    await store.flush();
    return store;
  }

  const days = () => {
    const r = reportDays('2026-11-20', '2026-11-21', NOW);
    if (!r.ok) throw new Error(r.error);
    return r.days;
  };
  const settings = DEFAULT_ALARM_SETTINGS;

  it('integrates the site_state step series per WIB day, carrying state across midnight', async () => {
    await seeded(SEED);
    const report = await buildComplianceReport(store, [{ site: TOS, settings }], days(), NOW);
    const [d, next] = report.rows;
    expect(d).toMatchObject({
      siteId: TOS.id,
      date: '2026-11-20',
      peakOccupancy: 300,
      peakAt: D0 + 6 * MIN,
      safeCapacityAtPeak: 200,
      // carried 250 [0,3) + 300 [6,10) + 210 [60,65) + 260 [23:59,24:00)
      minutesOverCapacity: 13,
      minutesCritical: 13,
      minutesWarning: 3,
      // covered: 3 + 3 + 4 + 5 (100 until stale) + 5 + 1 = 21
      minutesNoData: 1440 - 21,
      minutesElapsed: 1440,
    });
    expect(next).toMatchObject({
      date: '2026-11-21',
      peakOccupancy: 260,
      peakAt: D1,
      minutesOverCapacity: 4,
      minutesCritical: 4,
      minutesWarning: 0,
      // 4 carried + 5 of the 00:30 state; today has run 120 minutes
      minutesNoData: 120 - 9,
      minutesElapsed: 120,
    });
    expect(report.totals[0]).toMatchObject({ days: 2, peakOccupancy: 300, minutesOverCapacity: 17 });
  });

  it('counts no minutes without data before the site was created', async () => {
    await seeded([state(TOS.id, D1 + 30 * MIN, 10, 'ok')]);
    const created = { ...TOS, createdAt: new Date(D1 + 30 * MIN).toISOString() };
    const report = await buildComplianceReport(store, [{ site: created, settings }], days(), NOW);
    const [before, first] = report.rows;
    expect(before).toMatchObject({ date: '2026-11-20', minutesNoData: 0, minutesElapsed: 0 });
    // From 00:30: one reading, fresh for 5 minutes, then nothing until now (02:00).
    expect(first).toMatchObject({ date: '2026-11-21', minutesNoData: 90 - 5, minutesElapsed: 90 });
    // Readings from before createdAt (a site re-created under its id) still count in full.
    const recreated = { ...TOS, createdAt: new Date(NOW).toISOString() };
    const again = await buildComplianceReport(store, [{ site: recreated, settings }], days(), NOW);
    expect(again.rows[1]).toMatchObject({ minutesNoData: 90 - 5, minutesElapsed: 90 });
  });

  it('lists alarms raised in the range with their acknowledgement, clearing and highest severity', async () => {
    await seeded(SEED);
    const report = await buildComplianceReport(store, [{ site: TOS, settings }], days(), NOW);
    expect(report.alarms).toEqual([
      {
        siteId: TOS.id,
        date: '2026-11-20',
        alarmId,
        type: 'capacity',
        severity: 'critical',
        raisedAt: D0 + 6 * MIN,
        acknowledgedAt: D0 + 20 * MIN,
        acknowledgedBy: 'operator-1',
        clearedAt: D1 + 10 * MIN,
        clearedBy: 'system',
      },
    ]);
    expect(report.rows.map((r) => [r.alarmsRaised, r.alarmsAcknowledged])).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });

  it('counts body-temperature readings at or above the site fever threshold, never ambient ones', async () => {
    await seeded(SEED);
    const report = await buildComplianceReport(store, [{ site: TOS, settings }], days(), NOW);
    expect(report.rows[0]).toMatchObject({
      feverThresholdC: 37.3,
      feverReadings: 2,
      feverMaxC: 38.4,
      fevers: [
        { ts: D0 + 31 * MIN, celsius: 37.3 },
        { ts: D0 + 40 * MIN, celsius: 38.4 },
      ],
    });
    const strict = { ...settings, fever: { warnC: 38, critC: 38.5 } };
    const stricter = await buildComplianceReport(store, [{ site: TOS, settings: strict }], days(), NOW);
    expect(stricter.rows[0]?.feverReadings).toBe(1);
  });

  it('reads every point of a range through pages, including points sharing a millisecond', async () => {
    const points = Array.from({ length: 25 }, (_, i) => [
      body(TOS.id, 'a', D0 + i * 1000, 36 + i / 10),
      ...(i % 5 === 0 ? [body(TOS.id, 'b', D0 + i * 1000, 40)] : []),
    ]).flat();
    await seeded(points);
    const all = await readAllPoints(
      store,
      { measurement: 'temperature', tags: { site: TOS.id }, fromMs: D0, toMs: D1 },
      1000,
      4,
    );
    expect(all).toHaveLength(30);
    expect(new Set(all.map((p) => `${p.ts}|${p.tags.device}`)).size).toBe(30);
    await expect(
      readAllPoints(
        store,
        { measurement: 'temperature', tags: { site: TOS.id }, fromMs: D0, toMs: D1 },
        10,
        4,
      ),
    ).rejects.toThrow(/more than 10 temperature points/);
  });
});

describe('report days', () => {
  it('are WIB days, both ends included, leaving out days not yet begun', () => {
    const r = reportDays('2026-11-20', '2026-11-25', NOW);
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.days.map((d) => d.date)).toEqual(['2026-11-20', '2026-11-21']);
    expect(wibDayStart('2026-11-20')).toBe(Date.parse('2026-11-19T17:00:00Z'));
  });

  it('refuse bad dates, reversed ranges, ranges over 92 days and the future', () => {
    expect(reportDays('2026-02-30', '2026-11-20', NOW)).toEqual({
      ok: false,
      error: 'from must be a date YYYY-MM-DD',
    });
    expect(reportDays('2026-11-21', '2026-11-20', NOW)).toMatchObject({ ok: false, error: /before from/ });
    expect(reportDays('2026-01-01', '2026-11-20', NOW)).toMatchObject({
      ok: false,
      error: /at most 92 days/,
    });
    expect(reportDays('2026-12-01', '2026-12-02', NOW)).toMatchObject({ ok: false, error: /future/ });
  });
});
