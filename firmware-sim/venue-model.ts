/**
 * One venue: visitors arrive at a rate set by the venue's time-of-day profile and leave after an
 * exponentially distributed stay, so occupancy tracks design capacity x profile share (Little's
 * law) with a lag of about one mean stay. Arrivals and departures are split over the entrances.
 * Pure: all randomness comes from the venue's own Rng.
 */
import { venueShare } from './demand-profiles.ts';
import { binomial, poisson, type Rng } from './sampling.ts';
import type { VenueSpec } from './scenario.ts';
import type { LocalTime } from './sim-time.ts';

/** The main entrance takes most of the traffic. */
const MAIN_DOOR_SHARE = 0.6;

export interface VenueState {
  readonly spec: VenueSpec;
  occupancy: number;
  /** Extra arrivals per minute from a demo incident, for `surgeLeftMs` more of model time. */
  surgePerMin: number;
  surgeLeftMs: number;
}

export interface VenueFlow {
  /** Per door, index 0 = door 1. */
  in: number[];
  out: number[];
  entrants: number;
}

export function createVenue(spec: VenueSpec, occupancy: number): VenueState {
  return { spec, occupancy, surgePerMin: 0, surgeLeftMs: 0 };
}

/** Expected occupancy at a local time (the profile's share of design capacity). */
export function expectedOccupancy(spec: VenueSpec, t: LocalTime): number {
  return spec.site.designCapacity * venueShare(spec.profile, t);
}

function split(rng: Rng, total: number, doors: number): number[] {
  if (doors === 1) return [total];
  const main = binomial(rng, total, MAIN_DOOR_SHARE);
  return [main, total - main];
}

/**
 * Advances the venue by `dtMs` of model time.
 *
 * @example stepVenue(venue, 1000, rng, localTime(Date.now())) // { in: [1, 0], out: [0, 1], entrants: 1 }
 */
export function stepVenue(venue: VenueState, dtMs: number, rng: Rng, t: LocalTime): VenueFlow {
  const { spec } = venue;
  const dtMin = dtMs / 60_000;
  const ratePerMin = expectedOccupancy(spec, t) / spec.meanStayMin;
  const surgeMin = Math.min(dtMs, venue.surgeLeftMs) / 60_000;
  venue.surgeLeftMs = Math.max(0, venue.surgeLeftMs - dtMs);
  const arrivals = poisson(rng, ratePerMin * dtMin + venue.surgePerMin * surgeMin);
  const departures = binomial(rng, venue.occupancy, 1 - Math.exp(-dtMin / spec.meanStayMin));
  venue.occupancy += arrivals - departures;
  return {
    in: split(rng, arrivals, spec.doors),
    out: split(rng, departures, spec.doors),
    entrants: arrivals,
  };
}
