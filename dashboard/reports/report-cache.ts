/**
 * The compliance report with every finished site-day's summary kept in memory, so a 92-day
 * report over all sites reads only what is new (measured in README "Compliance reports").
 *
 * A day (WIB, report-days.ts) goes through three phases:
 * - open, until GRACE after its end (default 10 min): always computed fresh, never cached. Today
 *   is open. The grace covers what normally reaches the store late: ingest's trailing state write
 *   (stamped with the last change, up to SITE_STATE_STORE_MS = at most 60 s earlier), the
 *   writer's 1 s batches and retries, the disk spool's 5 s probe and replay after an InfluxDB
 *   restart of a few minutes, and buses replaying a dead zone's buffered scans.
 * - settling, until SETTLE after its end (default 72 h): cached, and checked before every use
 *   against the store's hourly counts and means of the day (report-fingerprint.ts); a day that
 *   changed (a spool replayed after a long outage, a scanner offline over a long weekend
 *   replaying its buffer) is recomputed. The check is two small aggregate queries per site.
 * - final, after SETTLE: cached and trusted as is. History written later still (restoring a
 *   backup, a backfill) needs `DELETE /api/reports/cache` or a restart.
 *
 * What else could change a past day's numbers, and how the key covers it:
 * - safe capacity and the city policy: compliance.ts compares each point's occupancy with the
 *   safe capacity stored IN that point (what was in force then), so a later policy change does
 *   not touch a past day; the key needs no capacity.
 * - the site's alarm settings: the deadman (`offlineAfterMs`, how long a state holds) and the
 *   fever threshold are applied when the report is made, so both are in the key.
 * - a site removed and re-created under the same id: its `createdAt` is in the key.
 * - the site's name: not cached, taken from the registry on every report; alarms (which can be
 *   acknowledged long after their day) are read fresh on every report too.
 *
 * Bounded by entries and by an estimate of the bytes they hold, least recently used evicted
 * first. Identical reports asked for at once share one computation.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AlarmSettings } from '../../shared/alarms.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { HistoryStore } from '../../shared/store/history-store.ts';
import {
  assembleReport,
  type ComplianceReport,
  type DaySummary,
  forEachConcurrent,
  SITE_CONCURRENCY,
  type SiteDayRow,
  siteAlarms,
  siteDayRow,
  summarizeDays,
} from './report-data.ts';
import type { ReportDay } from './report-days.ts';
import { dayFingerprints } from './report-fingerprint.ts';

export interface ReportCacheOptions {
  /** A day is cached once it ended this long ago. */
  graceMs: number;
  /** Until a day ended this long ago, its cached summary is checked against the store before use. */
  settleMs: number;
  /** Most site-days kept; 0 turns the cache off (identical reports are still shared). */
  maxEntries: number;
  /** Most bytes the kept summaries may take (an estimate, see entryBytes). */
  maxBytes: number;
}

export const DEFAULT_REPORT_CACHE_OPTIONS: ReportCacheOptions = {
  graceMs: 10 * 60_000,
  settleMs: 72 * 3_600_000,
  maxEntries: 40_000,
  maxBytes: 64 * 2 ** 20,
};

export interface ReportCacheDeps {
  store: HistoryStore;
  /** The dashboard's registry (metrics `jagajarak_report_*`). */
  metrics: Registry;
}

export interface ReportCacheStats {
  entries: number;
  bytes: number;
  maxEntries: number;
  maxBytes: number;
}

type Phase = 'open' | 'settling' | 'final';

interface Entry {
  summary: DaySummary;
  bytes: number;
  /** What the day was computed from while settling; undefined once final. */
  fingerprint: string | undefined;
}

/**
 * Heap bytes of one entry: report-timing.ts measured 1,410 B per site-day (60 sites x 92 days,
 * ~1.5 fever readings a day, key and Map slot included); each fever reading adds an object of
 * two numbers in an array.
 */
export const entryBytes = (key: string, s: DaySummary) =>
  1300 + 2 * key.length + 64 * s.fever.readings.length;

function metricOf<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function cacheMetrics(registry: Registry) {
  const counter = (name: string, help: string) =>
    metricOf(registry, name, () => new Counter({ name, help, registers: [registry] }));
  const gauge = (name: string, help: string) =>
    metricOf(registry, name, () => new Gauge({ name, help, registers: [registry] }));
  const duration = 'jagajarak_report_duration_seconds';
  return {
    hits: counter(
      'jagajarak_report_cache_hits_total',
      'Finished site-days of compliance reports answered from the cache',
    ),
    misses: counter(
      'jagajarak_report_cache_misses_total',
      'Finished site-days of compliance reports computed from the store (not cached yet, or changed)',
    ),
    invalidated: counter(
      'jagajarak_report_cache_invalidated_total',
      'Cached site-days found changed in the store (late data) and recomputed',
    ),
    evicted: counter(
      'jagajarak_report_cache_evictions_total',
      'Cached site-days dropped to stay within REPORT_CACHE_MAX_ENTRIES / _MAX_BYTES',
    ),
    fresh: counter(
      'jagajarak_report_days_fresh_total',
      'Site-days not finished yet (today, or within the grace), always computed fresh',
    ),
    shared: counter(
      'jagajarak_report_shared_total',
      'Compliance reports answered by joining an identical one already being computed',
    ),
    entries: gauge('jagajarak_report_cache_entries', 'Site-days in the compliance report cache'),
    bytes: gauge('jagajarak_report_cache_bytes', 'Estimated heap bytes of the compliance report cache'),
    duration: metricOf(
      registry,
      duration,
      () =>
        new Histogram({
          name: duration,
          help: 'Time to compute a compliance report',
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
          registers: [registry],
        }),
    ),
  };
}

export interface ReportCache {
  /**
   * The report of the sites over the days, as buildComplianceReport computes it, reading only the
   * site-days not cached (or changed). Throws what buildComplianceReport throws.
   */
  report(
    sites: Array<{ site: Site; settings: AlarmSettings }>,
    days: ReportDay[],
    now: number,
  ): Promise<ComplianceReport>;
  /** Drops every entry; answers how many there were. */
  clear(): number;
  stats(): ReportCacheStats;
}

/**
 * @example
 * const cache = createReportCache({ store, metrics: promRegistry }, { graceMs: 600_000 });
 * const report = await cache.report([{ site, settings }], days, clock.now());
 */
export function createReportCache(
  deps: ReportCacheDeps,
  options: Partial<ReportCacheOptions> = {},
): ReportCache {
  const { store } = deps;
  const opts = { ...DEFAULT_REPORT_CACHE_OPTIONS, ...options };
  const metrics = cacheMetrics(deps.metrics);
  /** Map order is the LRU order: a hit moves its entry to the end. */
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<ComplianceReport>>();
  let bytes = 0;

  const publish = () => {
    metrics.entries.set(entries.size);
    metrics.bytes.set(bytes);
  };
  const remove = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    bytes -= e.bytes;
  };
  const put = (key: string, summary: DaySummary, fingerprint: string | undefined) => {
    const size = entryBytes(key, summary);
    // One site-day may not crowd out the rest (a scanner stuck above the fever threshold).
    if (opts.maxEntries === 0 || size > opts.maxBytes / 8) return;
    remove(key);
    entries.set(key, { summary, bytes: size, fingerprint });
    bytes += size;
    for (const [oldest, e] of entries) {
      if (entries.size <= opts.maxEntries && bytes <= opts.maxBytes) break;
      entries.delete(oldest);
      bytes -= e.bytes;
      metrics.evicted.inc();
    }
  };
  const take = (key: string) => {
    const e = entries.get(key);
    if (e) {
      entries.delete(key);
      entries.set(key, e);
    }
    return e;
  };

  const phaseOf = (day: ReportDay, now: number): Phase =>
    now < day.endMs + opts.graceMs ? 'open' : now < day.endMs + opts.settleMs ? 'settling' : 'final';

  const keyOf = (site: Site, settings: AlarmSettings, day: ReportDay) =>
    JSON.stringify([site.id, site.createdAt, settings.offlineAfterMs, settings.fever.warnC, day.date]);

  async function siteReport(site: Site, settings: AlarmSettings, days: ReportDay[], now: number) {
    const alarms = await siteAlarms(store, site, days, now);
    const phases = days.map((d) => phaseOf(d, now));
    const keys = days.map((d) => keyOf(site, settings, d));
    const found = keys.map((k, i) => (phases[i] === 'open' ? undefined : take(k)));
    // Fingerprints are read BEFORE any day is read: a point landing in between then makes the
    // next check recompute, instead of being missed for good.
    const check = days.filter(
      (_, i) => phases[i] === 'settling' || (phases[i] === 'final' && found[i]?.fingerprint !== undefined),
    );
    const prints = check.length
      ? await dayFingerprints(store, site.id, check, settings.offlineAfterMs)
      : new Map<string, string>();

    const summaries: Array<DaySummary | undefined> = days.map((day, i) => {
      const e = found[i];
      if (!e) return undefined;
      if (e.fingerprint !== undefined && e.fingerprint !== prints.get(day.date)) {
        remove(keys[i]!);
        metrics.invalidated.inc();
        return undefined;
      }
      if (phases[i] === 'final') e.fingerprint = undefined;
      metrics.hits.inc();
      return e.summary;
    });

    // Compute each run of missing days in one pass, carrying the state across its midnights.
    for (let i = 0; i < days.length; ) {
      if (summaries[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < days.length && !summaries[j + 1]) j++;
      const before = i > 0 ? { state: summaries[i - 1]!.carriedOut } : undefined;
      const run = await summarizeDays(store, site, settings, days.slice(i, j + 1), now, before);
      run.forEach((summary, k) => {
        const at = i + k;
        summaries[at] = summary;
        if (phases[at] === 'open') {
          metrics.fresh.inc();
          return;
        }
        metrics.misses.inc();
        const print = phases[at] === 'settling' ? prints.get(days[at]!.date) : undefined;
        // A settling day is kept only with what it was computed from, so it can be checked.
        if (phases[at] === 'final' || print !== undefined) put(keys[at]!, summary, print);
      });
      i = j + 1;
    }
    const rows: SiteDayRow[] = days.map((day, i) => siteDayRow(site, settings, day, summaries[i]!, alarms));
    return { rows, alarms };
  }

  async function compute(
    sites: Array<{ site: Site; settings: AlarmSettings }>,
    days: ReportDay[],
    now: number,
  ): Promise<ComplianceReport> {
    const stop = metrics.duration.startTimer();
    try {
      const out: Array<Awaited<ReturnType<typeof siteReport>>> = new Array(sites.length);
      if (days.length)
        await forEachConcurrent(sites.length, SITE_CONCURRENCY, async (i) => {
          const { site, settings } = sites[i]!;
          out[i] = await siteReport(site, settings, days, now);
        });
      return assembleReport(sites, out, days, now);
    } finally {
      stop();
      publish();
    }
  }

  return {
    report(sites, days, now) {
      const key = JSON.stringify([
        days.map((d) => d.date),
        days.map((d) => phaseOf(d, now)),
        sites.map(({ site, settings }) => [
          site.id,
          site.name,
          site.kind,
          site.createdAt,
          settings.offlineAfterMs,
          settings.fever.warnC,
        ]),
      ]);
      const running = inFlight.get(key);
      if (running) {
        metrics.shared.inc();
        return running;
      }
      const p = compute(sites, days, now).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
    clear() {
      const n = entries.size;
      entries.clear();
      bytes = 0;
      publish();
      return n;
    },
    stats: () => ({ entries: entries.size, bytes, maxEntries: opts.maxEntries, maxBytes: opts.maxBytes }),
  };
}
