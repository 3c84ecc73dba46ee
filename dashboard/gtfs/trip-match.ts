/**
 * Which static trip a bus is serving, from its position and heading: the corridor segment nearest
 * to it gives how far along the corridor it is, the heading against that segment's bearing gives
 * the direction, and the trip pattern's times give when this trip instance started. GTFS-Realtime
 * needs that start for frequency-based trips (TripDescriptor `start_time` / `start_date`).
 */
import type { CorridorDef } from '../../shared/corridors.ts';
import { angleBetween, bearingDeg, distanceM } from '../../shared/geo.ts';
import type { LatLon } from '../../shared/registry-schemas.ts';
import { gtfsTime, type TripPattern, tripPatterns } from './trip-patterns.ts';

/** A bus this close to a terminal is standing at it (GPS error plus the bay's size). */
export const AT_STOP_M = 60;

/** Asia/Jakarta (WIB) is UTC+7 all year: Indonesia keeps no daylight saving time. */
export const WIB_OFFSET_MS = 7 * 3_600_000;

export interface TripMatch {
  tripId: string;
  routeId: string;
  directionId: 0 | 1;
  /** `HH:MM:SS`, local time (WIB) the trip instance left its first stop. */
  startTime: string;
  /** `YYYYMMDD`, local service date of the start. */
  startDate: string;
  /** Seconds since the trip started (estimated). */
  elapsedS: number;
}

/** Nearest point of the stop-to-stop path, as (segment index, fraction along it), in stop order. */
function nearestSegment(stops: LatLon[], p: LatLon): { index: number; fraction: number } {
  // Equirectangular projection around the point: metres-accurate over a city.
  const kx = Math.cos((p.lat * Math.PI) / 180);
  const xy = (q: LatLon) => [(q.lon - p.lon) * kx, q.lat - p.lat] as const;
  let best = { index: 0, fraction: 0, d2: Number.POSITIVE_INFINITY };
  for (let i = 0; i < stops.length - 1; i++) {
    const [ax, ay] = xy(stops[i]!);
    const [bx, by] = xy(stops[i + 1]!);
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const f = len2 === 0 ? 0 : Math.min(1, Math.max(0, -(ax * dx + ay * dy) / len2));
    const cx = ax + f * dx;
    const cy = ay + f * dy;
    const d2 = cx * cx + cy * cy;
    if (d2 < best.d2) best = { index: i, fraction: f, d2 };
  }
  return best;
}

function elapsedOn(p: TripPattern, index: number, fraction: number): number {
  const leave = p.departures[index]!;
  const arrive = p.arrivals[index + 1] ?? leave;
  return leave + fraction * (arrive - leave);
}

/**
 * @example matchTrip(findCorridor('K1')!, { lat: 1.1168, lon: 103.95, heading: 100 }, Date.now())
 *   // { tripId: 'K1-0', directionId: 0, startTime: '08:14:05', startDate: '20261128', ... }
 */
export function matchTrip(
  corridor: CorridorDef,
  position: LatLon & { heading?: number | undefined },
  atMs: number,
): TripMatch {
  const [out, back] = tripPatterns(corridor);
  const n = corridor.stops.length;
  const { index, fraction } = nearestSegment(corridor.stops, position);
  const a = corridor.stops[index]!;
  const b = corridor.stops[index + 1] ?? a;
  let inbound: boolean;
  let elapsedS: number;
  if (distanceM(position, corridor.stops[0]!) <= AT_STOP_M) {
    // At a terminal a bus waits for the trip that leaves it (it turns there, bus-model.ts), whatever
    // heading it arrived with.
    inbound = false;
    elapsedS = 0;
  } else if (distanceM(position, corridor.stops[n - 1]!) <= AT_STOP_M) {
    inbound = true;
    elapsedS = 0;
  } else {
    // Without a heading (a bus that never moved) the outbound trip is the honest guess.
    inbound = position.heading !== undefined && angleBetween(position.heading, bearingDeg(a, b)) > 90;
    elapsedS = inbound ? elapsedOn(back, n - 2 - index, 1 - fraction) : elapsedOn(out, index, fraction);
  }
  const pattern = inbound ? back : out;
  const startLocal = new Date(atMs - Math.round(elapsedS) * 1000 + WIB_OFFSET_MS);
  const secondsOfDay =
    startLocal.getUTCHours() * 3600 + startLocal.getUTCMinutes() * 60 + startLocal.getUTCSeconds();
  const startDate = startLocal.toISOString().slice(0, 10).replaceAll('-', '');
  return {
    tripId: pattern.tripId,
    routeId: corridor.id,
    directionId: pattern.directionId,
    startTime: gtfsTime(secondsOfDay),
    startDate,
    elapsedS: Math.round(elapsedS),
  };
}
