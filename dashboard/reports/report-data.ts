/**
 * Builds the compliance report from the HistoryStore through its read contract (`points`), so it
 * works the same on InfluxDB and the embedded store. Occupancy is read one site-day at a time:
 * a busy site writes tens of thousands of `site_state` points a day, and a 92-day report must not
 * hold them all at once.
 */
import type { AlarmSettings } from '../../shared/alarms.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { HistoryStore, PointsQuery, StorePoint } from '../../shared/store/history-store.ts';
import { MAX_POINTS_LIMIT } from '../../shared/store/influxql.ts';
import {
  type AlarmRow,
  alarmRows,
  type FeverSummary,
  type OccupancySummary,
  type StateSample,
  stateSample,
  summarizeFever,
  summarizeOccupancy,
} from './compliance.ts';
import { REPORT_TIME_ZONE, type ReportDay, wibDate } from './report-days.ts';

/** Points one site-day may hold before the report gives up (about 1 point every 0.3 s). */
export const MAX_POINTS_PER_READ = 300_000;
/** Alarm events are read this far past the range, so an alarm raised on its last day shows its ack. */
const ALARM_FOLLOW_UP_MS = 30 * 86_400_000;
/** Sites computed at once: enough to overlap store round trips, few enough not to crowd InfluxDB. */
export const SITE_CONCURRENCY = 4;

/** A range holding more points than MAX_POINTS_PER_READ; a 413 at the HTTP boundary. */
export class ReportTooLargeError extends Error {
  override name = 'ReportTooLargeError';
}

export interface SiteDayRow extends OccupancySummary {
  siteId: string;
  siteName: string;
  date: string;
  alarmsRaised: number;
  alarmsAcknowledged: number;
  feverThresholdC: number;
  feverReadings: number;
  feverMaxC: number | null;
  /** Each fever reading (epoch ms, Celsius), oldest first. */
  fevers: Array<{ ts: number; celsius: number }>;
}

export interface ReportTotals {
  days: number;
  peakOccupancy: number | null;
  peakAt: number | null;
  minutesOverCapacity: number;
  minutesCritical: number;
  minutesWarning: number;
  minutesNoData: number;
  minutesElapsed: number;
  alarmsRaised: number;
  alarmsAcknowledged: number;
  feverReadings: number;
  feverMaxC: number | null;
}

export interface ComplianceReport {
  from: string;
  to: string;
  timeZone: typeof REPORT_TIME_ZONE;
  generatedAt: number;
  sites: Array<{ id: string; name: string; kind: string }>;
  /** One row per site per day, by site then date. */
  rows: SiteDayRow[];
  alarms: AlarmRow[];
  totals: Array<ReportTotals & { siteId: string; siteName: string }>;
  total: ReportTotals;
}

/**
 * Every point of the query, oldest first, however many: `points()` answers the newest `limit`, so
 * pages walk backwards in time. A page's oldest millisecond is asked again (other series may have
 * points at it beyond the limit) and duplicates are dropped.
 *
 * @example const all = await readAllPoints(store, { measurement: 'temperature', tags: { site }, fromMs, toMs });
 */
export async function readAllPoints(
  store: HistoryStore,
  q: Omit<PointsQuery, 'limit'>,
  maxPoints = MAX_POINTS_PER_READ,
  pageSize = MAX_POINTS_LIMIT,
): Promise<StorePoint[]> {
  const out: StorePoint[] = [];
  const seen = new Set<string>();
  let toMs = q.toMs;
  while (toMs > q.fromMs) {
    const page = await store.points({ ...q, toMs, limit: pageSize });
    let fresh = 0;
    for (const p of page) {
      const key = `${p.ts}|${JSON.stringify(p.tags)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(p);
      fresh++;
    }
    if (out.length > maxPoints)
      throw new ReportTooLargeError(
        `more than ${maxPoints} ${q.measurement} points in one day of the range; ask for fewer sites or days`,
      );
    if (page.length < pageSize) break;
    const oldest = page[0]!.ts;
    // No progress means pageSize points share one millisecond: step past it.
    toMs = fresh === 0 ? oldest : oldest + 1;
  }
  return out.sort((a, b) => a.ts - b.ts);
}

const emptyTotals = (): ReportTotals => ({
  days: 0,
  peakOccupancy: null,
  peakAt: null,
  minutesOverCapacity: 0,
  minutesCritical: 0,
  minutesWarning: 0,
  minutesNoData: 0,
  minutesElapsed: 0,
  alarmsRaised: 0,
  alarmsAcknowledged: 0,
  feverReadings: 0,
  feverMaxC: null,
});

const round1 = (n: number) => Math.round(n * 10) / 10;

function addTo(t: ReportTotals, r: Omit<ReportTotals, 'days'>): void {
  t.days++;
  if (r.peakOccupancy !== null && (t.peakOccupancy === null || r.peakOccupancy > t.peakOccupancy)) {
    t.peakOccupancy = r.peakOccupancy;
    t.peakAt = r.peakAt;
  }
  t.minutesOverCapacity = round1(t.minutesOverCapacity + r.minutesOverCapacity);
  t.minutesCritical = round1(t.minutesCritical + r.minutesCritical);
  t.minutesWarning = round1(t.minutesWarning + r.minutesWarning);
  t.minutesNoData = round1(t.minutesNoData + r.minutesNoData);
  t.minutesElapsed = round1(t.minutesElapsed + r.minutesElapsed);
  t.alarmsRaised += r.alarmsRaised;
  t.alarmsAcknowledged += r.alarmsAcknowledged;
  t.feverReadings += r.feverReadings;
  if (r.feverMaxC !== null && (t.feverMaxC === null || r.feverMaxC > t.feverMaxC)) t.feverMaxC = r.feverMaxC;
}

/** One site-day's occupancy and fever numbers: what the report cache keeps (report-cache.ts). */
export interface DaySummary {
  occupancy: OccupancySummary;
  fever: FeverSummary;
  /** The state carried into the next day: the day's last point, else the one carried into it. */
  carriedOut: StateSample | undefined;
}

/**
 * Alarms raised in the days, read this far past them that a late acknowledgement shows. Never
 * cached: an alarm of a past day can still be acknowledged or cleared today.
 *
 * @example const alarms = await siteAlarms(store, site, days, Date.now());
 */
export async function siteAlarms(
  store: HistoryStore,
  site: Site,
  days: ReportDay[],
  now: number,
): Promise<AlarmRow[]> {
  const first = days[0]!;
  const last = days[days.length - 1]!;
  const alarmPoints = await readAllPoints(store, {
    measurement: 'alarm_event',
    tags: { site: site.id },
    fromMs: first.startMs,
    toMs: Math.min(last.endMs + ALARM_FOLLOW_UP_MS, now + 1),
  });
  return alarmRows(site.id, alarmPoints, first.startMs, last.endMs, wibDate);
}

/** The newest state in the `staleMs` before the day's first midnight (older ones are stale there). */
export async function stateBefore(
  store: HistoryStore,
  siteId: string,
  day: ReportDay,
  staleMs: number,
): Promise<StateSample | undefined> {
  const before = await store.points({
    measurement: 'site_state',
    tags: { site: siteId },
    fromMs: day.startMs - staleMs,
    toMs: day.startMs,
    limit: 1,
  });
  return before[0] ? stateSample(before[0]) : undefined;
}

/**
 * Summaries of consecutive days of one site, each read on its own (see the file header); each
 * later midnight carries the previous day's last point. `carried` is the state in force at the
 * first midnight when the caller knows it (a cached previous day); otherwise it is read.
 *
 * @example const [d1, d2] = await summarizeDays(store, site, settings, [day1, day2], Date.now());
 */
export async function summarizeDays(
  store: HistoryStore,
  site: Site,
  settings: AlarmSettings,
  days: ReportDay[],
  now: number,
  carried?: { state: StateSample | undefined },
): Promise<DaySummary[]> {
  if (!days.length) return [];
  const staleMs = settings.offlineAfterMs;
  const tags = { site: site.id };
  let state = carried ? carried.state : await stateBefore(store, site.id, days[0]!, staleMs);
  const out: DaySummary[] = [];
  for (const day of days) {
    const range = { tags, fromMs: day.startMs, toMs: Math.min(day.endMs, now + 1) };
    const [states, temperatures] = await Promise.all([
      readAllPoints(store, { measurement: 'site_state', ...range }),
      readAllPoints(store, { measurement: 'temperature', ...range, tags: { ...tags, type: 'body' } }),
    ]);
    const samples = states.map(stateSample);
    const createdMs = Date.parse(site.createdAt);
    const occupancy = summarizeOccupancy(
      day,
      state,
      samples,
      now,
      staleMs,
      Number.isFinite(createdMs) ? createdMs : day.startMs,
    );
    if (samples.length) state = samples[samples.length - 1];
    const readings = temperatures.flatMap((p) =>
      typeof p.fields.celsius === 'number' ? [{ ts: p.ts, celsius: p.fields.celsius }] : [],
    );
    out.push({ occupancy, fever: summarizeFever(readings, settings.fever.warnC), carriedOut: state });
  }
  return out;
}

/**
 * The report row of one site-day: its summary plus the alarms raised that day.
 *
 * @example siteDayRow(site, settings, day, summary, alarms).minutesOverCapacity // 42.5
 */
export function siteDayRow(
  site: Site,
  settings: AlarmSettings,
  day: ReportDay,
  summary: DaySummary,
  alarms: AlarmRow[],
): SiteDayRow {
  const raised = alarms.filter((a) => a.date === day.date);
  return {
    siteId: site.id,
    siteName: site.name,
    date: day.date,
    ...summary.occupancy,
    alarmsRaised: raised.length,
    alarmsAcknowledged: raised.filter((a) => a.acknowledgedAt !== null).length,
    feverThresholdC: settings.fever.warnC,
    feverReadings: summary.fever.count,
    feverMaxC: summary.fever.maxC,
    fevers: summary.fever.readings,
  };
}

async function siteReport(
  store: HistoryStore,
  site: Site,
  settings: AlarmSettings,
  days: ReportDay[],
  now: number,
): Promise<{ rows: SiteDayRow[]; alarms: AlarmRow[] }> {
  const alarms = await siteAlarms(store, site, days, now);
  const summaries = await summarizeDays(store, site, settings, days, now);
  return { rows: days.map((day, i) => siteDayRow(site, settings, day, summaries[i]!, alarms)), alarms };
}

/**
 * Runs `task` for every index with at most `concurrency` at once.
 *
 * @example await forEachConcurrent(sites.length, 4, async (i) => { results[i] = await work(sites[i]); });
 */
export async function forEachConcurrent(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * The report from each site's rows and alarms (in the order of `sites`), with totals.
 *
 * @example assembleReport(sites, results, days, Date.now()).total.minutesOverCapacity // 120.5
 */
export function assembleReport(
  sites: Array<{ site: Site }>,
  results: Array<{ rows: SiteDayRow[]; alarms: AlarmRow[] } | undefined>,
  days: ReportDay[],
  now: number,
): ComplianceReport {
  const total = emptyTotals();
  const totals = sites.map(({ site }, i) => {
    const t = emptyTotals();
    for (const row of results[i]?.rows ?? []) {
      addTo(t, row);
      addTo(total, row);
    }
    return { siteId: site.id, siteName: site.name, ...t };
  });
  return {
    from: days[0]?.date ?? '',
    to: days[days.length - 1]?.date ?? '',
    timeZone: REPORT_TIME_ZONE,
    generatedAt: now,
    sites: sites.map(({ site }) => ({ id: site.id, name: site.name, kind: site.kind })),
    rows: results.flatMap((r) => r?.rows ?? []),
    alarms: results.flatMap((r) => r?.alarms ?? []),
    totals,
    total,
  };
}

/**
 * @example
 * const report = await buildComplianceReport(store, [{ site, settings }], days, Date.now());
 * report.rows[0].minutesOverCapacity // 42.5
 */
export async function buildComplianceReport(
  store: HistoryStore,
  sites: Array<{ site: Site; settings: AlarmSettings }>,
  days: ReportDay[],
  now: number,
): Promise<ComplianceReport> {
  const results: Array<{ rows: SiteDayRow[]; alarms: AlarmRow[] }> = new Array(sites.length);
  if (days.length)
    await forEachConcurrent(sites.length, SITE_CONCURRENCY, async (i) => {
      const { site, settings } = sites[i]!;
      results[i] = await siteReport(store, site, settings, days, now);
    });
  return assembleReport(sites, results, days, now);
}
