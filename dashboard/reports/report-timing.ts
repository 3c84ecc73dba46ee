/**
 * Times the compliance report on a real InfluxDB 1.x (Debian's influxd, started here on free
 * ports in a temp dir, or INFLUX_URL if set): seeds `--sites` x `--days` of realistic history
 * (report-synthetic.ts) through the HistoryStore, then times the report for all sites over the
 * whole range uncached, cached cold and warm, the quarter before today warm, after a late point,
 * and once every day is final. Run with `node --expose-gc` (tsx passes it on) to measure the heap per entry.
 * Prints one JSON line (`REPORT_TIMING {...}`) and a short table.
 *
 *   npx tsx --expose-gc dashboard/reports/report-timing.ts [--sites 60] [--days 92] [--every 60] [--scans 150] [--skip-uncached]
 */
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { DEFAULT_ALARM_SETTINGS } from '../../shared/alarms.ts';
import { createInfluxStore } from '../../shared/store/influx-store.ts';
import { startInfluxd } from '../../test/helpers/influxd.ts';
import { createReportCache } from './report-cache.ts';
import { buildComplianceReport, type ComplianceReport } from './report-data.ts';
import { reportDays, wibDate, wibDayStart } from './report-days.ts';
import { syntheticSiteDay, syntheticSites } from './report-synthetic.ts';

const { values: args } = parseArgs({
  options: {
    sites: { type: 'string', default: '60' },
    days: { type: 'string', default: '92' },
    every: { type: 'string', default: '60' },
    scans: { type: 'string', default: '150' },
    'skip-uncached': { type: 'boolean', default: false },
  },
});
const SITES = Number(args.sites);
const DAYS = Number(args.days);

const influxd = process.env.INFLUX_URL ? undefined : await startInfluxd();
const url = process.env.INFLUX_URL ?? influxd!.url;
const store = createInfluxStore(
  {
    url,
    token: undefined,
    org: 'jagajarak',
    bucket: 'jagajarak',
    database: `report_timing_${process.pid}`,
    retentionPolicy: undefined,
    api: 'v1',
  },
  { requestTimeoutMs: 120_000 },
);

const first = wibDayStart('2026-06-01')!;
const lastDay = first + (DAYS - 1) * 86_400_000;
/** Noon of the last day: 91 finished days and today. */
const now = lastDay + 12 * 3_600_000;
const range = reportDays(wibDate(first), wibDate(lastDay), now);
if (!range.ok) throw new Error(range.error);
const sites = syntheticSites(SITES);
const withSettings = sites.map((site) => ({ site, settings: DEFAULT_ALARM_SETTINGS }));
const options = { everyS: Number(args.every), scansPerDay: Number(args.scans), seed: 7 };
const policyChange = first + Math.floor(DAYS / 2) * 86_400_000 + 9 * 3_600_000;

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const out = await fn();
  return [out, Math.round(performance.now() - t0)];
};

/** The report without generatedAt, for comparing results. */
const comparable = (r: ComplianceReport) => JSON.stringify({ ...r, generatedAt: 0 });

try {
  await store.start();
  let points = 0;
  const [, seedMs] = await timed(async () => {
    for (const day of range.days)
      for (const [i, site] of sites.entries()) {
        for (const p of syntheticSiteDay(site, day, i, options, policyChange)) {
          if (p.ts > now) continue;
          store.write(p);
          points++;
        }
        // Stay under the writer's in-memory bound (200,000 points) so nothing is dropped.
        if (store.stats().pending > 100_000) await store.flush();
      }
    await store.flush();
  });
  const stats = store.stats();
  if (stats.failed) throw new Error(`seeding lost ${stats.failed} points`);
  process.stderr.write(`seeded ${points} points in ${seedMs} ms\n`);

  const result: Record<string, unknown> = { sites: SITES, days: DAYS, points, seedMs };
  let reference: string | undefined;
  if (!args['skip-uncached']) {
    const [report, ms] = await timed(() => buildComplianceReport(store, withSettings, range.days, now));
    result.uncachedMs = ms;
    result.rows = report.rows.length;
    reference = comparable(report);
    process.stderr.write(`uncached: ${ms} ms\n`);
  }

  const metrics = new Registry();
  const cache = createReportCache({ store, metrics });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const [cold, coldMs] = await timed(() => cache.report(withSettings, range.days, now));
  const [warm, warmMs] = await timed(() => cache.report(withSettings, range.days, now));
  gc?.();
  const entries = cache.stats().entries;
  result.cache = cache.stats();
  if (gc) result.heapBytesPerEntry = Math.round((process.memoryUsage().heapUsed - heapBefore) / entries);
  result.coldMs = coldMs;
  result.warmMs = warmMs;
  result.identical =
    reference === undefined ? null : reference === comparable(cold) && reference === comparable(warm);
  // The quarter before today: 88 final days and 3 still settling (checked against the store).
  const past = range.days.slice(0, -1);
  result.warmPastMs = (await timed(() => cache.report(withSettings, past, now)))[1];

  // A late point (a spool replayed after an outage) in yesterday, now settling: recomputed.
  const lateDay = range.days[range.days.length - 2]!;
  store.write({
    measurement: 'site_state',
    tags: { site: sites[0]!.id, kind: 'market' },
    fields: { occupancy: 999, safeCapacity: 200, load: 999 / 200, level: 'critical' },
    ts: lateDay.startMs + 3 * 3_600_000 + 17,
  });
  await store.flush();
  const [late, lateMs] = await timed(() => cache.report(withSettings, past, now));
  const row = late.rows.find((r) => r.siteId === sites[0]!.id && r.date === lateDay.date);
  result.afterLatePointMs = lateMs;
  result.latePointSeen = row?.peakOccupancy === 999;

  // Three days on, every day is final: one last check of the settling ones, then no store reads
  // but the alarms.
  const later = lastDay + 86_400_000 + 72 * 3_600_000 + 60_000;
  result.finalFirstMs = (await timed(() => cache.report(withSettings, past, later)))[1];
  result.finalWarmMs = (await timed(() => cache.report(withSettings, past, later)))[1];
  result.metrics = Object.fromEntries(
    (await metrics.getMetricsAsJSON())
      .filter((m) => m.name.startsWith('jagajarak_report_') && m.name.endsWith('_total'))
      .map((m) => [m.name, m.values[0]?.value ?? 0]),
  );

  process.stdout.write(
    `${Object.entries(result)
      .map(([k, v]) => `${k.padEnd(18)} ${JSON.stringify(v)}`)
      .join('\n')}\n`,
  );
  process.stdout.write(`REPORT_TIMING ${JSON.stringify(result)}\n`);
} finally {
  await store.close();
  await influxd?.dispose();
}
