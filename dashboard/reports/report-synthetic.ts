/**
 * Realistic, seeded report history for the report cache's tests and its timing script
 * (report-timing.ts): per site and WIB day, `site_state` steps as ingest stores them (a state
 * every few seconds to minutes, denser while the site is busy, with the level ingest's state
 * machine would give), a policy change halfway through the range (safe capacity steps up), quiet
 * nights with gaps longer than the deadman, and body-temperature scans at the door with a few
 * fevers. Same seed, same points. Not a test file.
 */
import { seededRandom } from '../../shared/clock.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { StorePoint } from '../../shared/store/history-store.ts';
import type { ReportDay } from './report-days.ts';

export interface SyntheticOptions {
  /** Mean seconds between stored states while the site is open (busier hours are denser). */
  everyS: number;
  /** Body-temperature scans per day. */
  scansPerDay: number;
  seed: number;
}

const HOUR = 3_600_000;

/** @example syntheticSites(60).length // 60 markets `site-000` .. `site-059` */
export function syntheticSites(count: number): Site[] {
  return Array.from(
    { length: count },
    (_, i) =>
      ({
        id: `site-${String(i).padStart(3, '0')}`,
        name: `Pasar Uji ${i}`,
        kind: 'market',
        designCapacity: 400,
        createdAt: '2026-01-01T00:00:00.000Z',
      }) as unknown as Site,
  );
}

/** Opening hours 06:00-22:00 WIB; a lunch and an evening peak. */
function crowd(hourOfDay: number): number {
  if (hourOfDay < 6 || hourOfDay >= 22) return 0;
  const peak = (h: number, w: number) => Math.exp(-(((hourOfDay - h) / w) ** 2));
  return 0.35 + 0.55 * peak(12, 2) + 0.75 * peak(19, 1.5);
}

/**
 * The points of one site on one day, oldest first. `policyChangeMs`: from then on the safe
 * capacity is 300 instead of 200 (a city policy change, e.g. PPKM level 3 -> 2).
 *
 * @example for (const p of syntheticSiteDay(site, day, 3, { everyS: 60, scansPerDay: 150, seed: 1 }, mid)) store.write(p);
 */
export function syntheticSiteDay(
  site: Site,
  day: ReportDay,
  siteIndex: number,
  options: SyntheticOptions,
  policyChangeMs: number,
): StorePoint[] {
  const random = seededRandom(options.seed * 1_000_003 + siteIndex * 7919 + Math.floor(day.startMs / HOUR));
  const tags = { site: site.id, kind: site.kind };
  const scale = 0.6 + 0.9 * random();
  const points: StorePoint[] = [];
  let t = day.startMs + Math.floor(random() * 60_000);
  let level = 'ok';
  while (t < day.endMs) {
    const hour = (t - day.startMs) / HOUR;
    const busy = crowd(hour);
    const cap = t >= policyChangeMs ? 300 : 200;
    const occupancy = Math.max(0, Math.round(busy * scale * 200 + (random() - 0.5) * 30));
    const load = occupancy / cap;
    // The hysteresis of DOMAIN.md "Alarms" (no pending times: close enough for a load shape).
    if (load >= 1) level = 'critical';
    else if (level === 'critical' && load < 0.9) level = 'warning';
    else if (level === 'ok' && load >= 0.8) level = 'warning';
    else if (level === 'warning' && load < 0.7) level = 'ok';
    points.push({
      measurement: 'site_state',
      tags,
      fields: { occupancy, safeCapacity: cap, load, level },
      ts: t,
    });
    // Closed hours: a heartbeat now and then, sometimes a silence past the deadman.
    const gapS =
      busy > 0 ? options.everyS * (0.2 + 1.6 * random()) * (1.2 - Math.min(1, busy)) : 240 + 480 * random();
    t += Math.max(1000, Math.round(gapS * 1000));
  }
  for (let i = 0; i < options.scansPerDay; i++) {
    const ts = day.startMs + 6 * HOUR + Math.floor(random() * 16 * HOUR);
    const fever = random() < 0.01;
    const celsius = Math.round((fever ? 37.3 + random() * 2 : 35.8 + random() * 1.4) * 10) / 10;
    points.push({
      measurement: 'temperature',
      tags: { ...tags, device: `${site.id}-scan-${i % 2}`, type: 'body' },
      fields: { celsius, seq: i },
      ts,
    });
  }
  return points;
}
