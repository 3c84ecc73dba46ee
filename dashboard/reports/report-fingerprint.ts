/**
 * What a cached site-day was computed from, cheaply enough to check before trusting it: per hour,
 * the count and mean of the `site_state` occupancy and of the body temperatures, computed by the
 * store (`aggregate`, InfluxQL `count()`/`mean()` with `GROUP BY time(1h)`), so only a few
 * hundred numbers cross the wire instead of thousands of points.
 *
 * A point written late into the day (a disk spool replayed after an InfluxDB outage, a device
 * replaying its offline buffer with the original `ts`) changes a count; one overwriting a point
 * with another value (same series and time) changes a mean. The state hours reach back
 * `staleMs` before midnight because the state carried across midnight is part of the day's
 * numbers (compliance.ts). WIB midnights are whole hours in UTC, so hourly buckets (aligned to
 * the epoch) split exactly at them.
 */
import type { HistoryStore } from '../../shared/store/history-store.ts';
import type { ReportDay } from './report-days.ts';

const HOUR = 3_600_000;
const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;

/** `hourMs -> "count:mean"`, the buckets that hold points. */
type Hours = Map<number, string>;

async function hourly(
  store: HistoryStore,
  measurement: 'site_state' | 'temperature',
  field: string,
  tags: Record<string, string>,
  fromMs: number,
  toMs: number,
): Promise<Hours> {
  const buckets = await store.aggregate({ measurement, field, tags, fromMs, toMs, stepMs: HOUR });
  const hours: Hours = new Map();
  // 12 significant digits: a mean summed in another order must not look like new data.
  for (const b of buckets) hours.set(Date.parse(b.t), `${b.count}:${b.mean?.toPrecision(12) ?? '-'}`);
  return hours;
}

function slice(hours: Hours, fromMs: number, toMs: number): string {
  const parts: string[] = [];
  for (let h = floorHour(fromMs); h < toMs; h += HOUR) {
    const v = hours.get(h);
    if (v !== undefined) parts.push(`${h}=${v}`);
  }
  return parts.join(',');
}

/**
 * The fingerprint of each day (by date) of one site, from two store queries over the days' span.
 *
 * @example
 * const before = await dayFingerprints(store, 'pasar-tos-3000', [day], 300_000);
 * // ... later: a different string means the day's data changed
 * (await dayFingerprints(store, 'pasar-tos-3000', [day], 300_000)).get(day.date) === before.get(day.date)
 */
export async function dayFingerprints(
  store: HistoryStore,
  siteId: string,
  days: ReportDay[],
  staleMs: number,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!days.length) return out;
  const fromMs = Math.min(...days.map((d) => d.startMs));
  const toMs = Math.max(...days.map((d) => d.endMs));
  const stateFrom = floorHour(fromMs - staleMs);
  const [states, temperatures] = await Promise.all([
    hourly(store, 'site_state', 'occupancy', { site: siteId }, stateFrom, toMs),
    hourly(store, 'temperature', 'celsius', { site: siteId, type: 'body' }, fromMs, toMs),
  ]);
  for (const day of days)
    out.set(
      day.date,
      `s:${slice(states, day.startMs - staleMs, day.endMs)};t:${slice(temperatures, day.startMs, day.endMs)}`,
    );
  return out;
}
