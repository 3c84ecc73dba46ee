/**
 * The schedule model of a corridor shared by the static GTFS (trips, stop_times, frequencies,
 * shapes) and GTFS-Realtime (which trip a bus serves and when it started): each corridor runs two
 * frequency-based trips, `<route>-0` from its first terminal to its second (direction_id 0) and
 * `<route>-1` back, at the corridor's cruising speed with a fixed dwell at every stop, straight
 * from stop to stop (as the simulated buses drive). Times are seconds from the trip's start.
 */
import type { CorridorDef, CorridorStop } from '../../shared/corridors.ts';
import { distanceM } from '../../shared/geo.ts';

/** Average stop time: doors, boarding and pulling out (the simulator's 12 s base plus boarding). */
export const DWELL_S = 30;
/** Pause at each terminal before the trip back. */
export const LAYOVER_S = 300;

export interface TripPattern {
  routeId: string;
  directionId: 0 | 1;
  tripId: string;
  shapeId: string;
  stops: CorridorStop[];
  /** Seconds from the trip's start, per stop. */
  arrivals: number[];
  departures: number[];
  /** Metres from the first stop along the path, per stop. */
  distances: number[];
}

/** @example tripId('K1', 1) // 'K1-1' */
export const tripId = (routeId: string, directionId: 0 | 1) => `${routeId}-${directionId}`;

function pattern(corridor: CorridorDef, directionId: 0 | 1): TripPattern {
  const stops = directionId === 0 ? [...corridor.stops] : [...corridor.stops].reverse();
  const speedMs = corridor.cruiseKmh / 3.6;
  const arrivals: number[] = [];
  const departures: number[] = [];
  const distances: number[] = [];
  let t = 0;
  let d = 0;
  stops.forEach((stop, i) => {
    if (i > 0) {
      const leg = distanceM(stops[i - 1]!, stop);
      d += leg;
      t += Math.round(leg / speedMs);
    }
    arrivals.push(t);
    distances.push(Math.round(d));
    // No dwell at the last stop: the trip ends on arrival.
    if (i > 0 && i < stops.length - 1) t += DWELL_S;
    departures.push(t);
  });
  const id = tripId(corridor.id, directionId);
  return {
    routeId: corridor.id,
    directionId,
    tripId: id,
    shapeId: id,
    stops,
    arrivals,
    departures,
    distances,
  };
}

/** Both directions of a corridor: [outbound, inbound]. */
export function tripPatterns(corridor: CorridorDef): [TripPattern, TripPattern] {
  return [pattern(corridor, 0), pattern(corridor, 1)];
}

/**
 * Seconds between buses on a corridor: one round trip (both directions and two layovers) shared
 * by the buses that serve it, to the whole minute, at least one minute.
 *
 * @example headwaySeconds(findCorridor('K1')!, 3) // 1 round trip / 3 buses, e.g. 1260
 */
export function headwaySeconds(corridor: CorridorDef, buses: number): number {
  const [out, back] = tripPatterns(corridor);
  const round = out.arrivals.at(-1)! + back.arrivals.at(-1)! + 2 * LAYOVER_S;
  return Math.max(60, Math.round(round / Math.max(1, buses) / 60) * 60);
}

/** `HH:MM:SS` of seconds since midnight (GTFS allows hours past 24 for after-midnight times). */
export function gtfsTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
