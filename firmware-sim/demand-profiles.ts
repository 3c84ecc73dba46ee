/**
 * Time-of-day and weekday demand. Each venue profile is the expected occupancy as a share of
 * design capacity at each hour (WIB), linearly interpolated between hours; the venue model turns
 * it into an arrival rate (occupancy = arrival rate x mean stay, Little's law).
 *
 * Shapes follow how these places are used in Batam: traditional markets are busiest from dawn to
 * mid-morning (the wholesale Pasar Induk from about 02:00); attractions in the late afternoon and
 * evening and on weekends; the MPP on weekday office hours; malls in the evening and on weekends;
 * buses at the industrial shift changes (Batamindo, Tanjung Uncang shipyards) around 06-08 and
 * 16-18. Markets peak above their 50% policy share, which is the crowding the product exists for.
 */
import type { ProfileId } from './scenario.ts';
import type { LocalTime } from './sim-time.ts';

type Hourly = readonly number[];

function hourly(points: Record<number, number>): Hourly {
  const out: number[] = [];
  let last = 0;
  for (let h = 0; h < 24; h++) {
    last = points[h] ?? last;
    out.push(last);
  }
  return out;
}

const PROFILES: Record<ProfileId, { hours: Hourly; weekendFactor: number }> = {
  market: {
    hours: hourly({
      0: 0.01,
      4: 0.08,
      5: 0.35,
      6: 0.62,
      7: 0.7,
      8: 0.6,
      9: 0.42,
      10: 0.3,
      12: 0.2,
      15: 0.15,
      17: 0.12,
      19: 0.05,
      21: 0.01,
    }),
    weekendFactor: 1.15,
  },
  'market-wholesale': {
    hours: hourly({
      0: 0.05,
      2: 0.3,
      3: 0.5,
      4: 0.62,
      5: 0.7,
      6: 0.72,
      7: 0.65,
      8: 0.5,
      9: 0.35,
      11: 0.2,
      14: 0.12,
      18: 0.06,
      21: 0.03,
    }),
    weekendFactor: 1.1,
  },
  attraction: {
    hours: hourly({
      0: 0.03,
      2: 0.01,
      6: 0.06,
      8: 0.1,
      10: 0.15,
      13: 0.2,
      15: 0.28,
      16: 0.38,
      17: 0.5,
      18: 0.58,
      19: 0.6,
      20: 0.5,
      21: 0.35,
      22: 0.15,
      23: 0.06,
    }),
    weekendFactor: 1.6,
  },
  'attraction-daytime': {
    hours: hourly({ 0: 0, 8: 0.1, 9: 0.2, 10: 0.3, 13: 0.35, 15: 0.4, 16: 0.45, 17: 0.3, 18: 0 }),
    weekendFactor: 1.8,
  },
  office: {
    hours: hourly({ 0: 0, 8: 0.3, 9: 0.6, 10: 0.7, 11: 0.65, 12: 0.4, 13: 0.55, 14: 0.6, 15: 0.45, 16: 0 }),
    weekendFactor: 0,
  },
  mall: {
    hours: hourly({
      0: 0,
      10: 0.1,
      11: 0.18,
      12: 0.25,
      14: 0.22,
      16: 0.28,
      17: 0.35,
      18: 0.42,
      19: 0.48,
      20: 0.42,
      21: 0.25,
      22: 0,
    }),
    weekendFactor: 1.4,
  },
};

/** Bus boarding intensity by hour: 1 at the shift-change peaks. */
const BUS: { hours: Hourly; weekendFactor: number } = {
  hours: hourly({
    0: 0.02,
    5: 0.25,
    6: 0.8,
    7: 1,
    8: 0.7,
    9: 0.4,
    11: 0.35,
    13: 0.4,
    15: 0.55,
    16: 0.85,
    17: 1,
    18: 0.8,
    19: 0.5,
    21: 0.25,
    22: 0.05,
  }),
  weekendFactor: 0.7,
};

function interpolate(hours: Hourly, hour: number): number {
  const h0 = Math.floor(hour) % 24;
  const h1 = (h0 + 1) % 24;
  const f = hour - Math.floor(hour);
  return hours[h0]! * (1 - f) + hours[h1]! * f;
}

/**
 * Expected occupancy share of design capacity for a venue profile at a local time.
 *
 * @example venueShare('market', { hour: 7, weekday: 1, weekend: false }) // 0.7
 */
export function venueShare(profile: ProfileId, t: LocalTime): number {
  const p = PROFILES[profile];
  return interpolate(p.hours, t.hour) * (t.weekend ? p.weekendFactor : 1);
}

/** Relative boarding demand on buses (0..1, 1 at weekday shift-change peaks). */
export function busDemand(t: LocalTime): number {
  return interpolate(BUS.hours, t.hour) * (t.weekend ? BUS.weekendFactor : 1);
}

/** Daytime outdoor temperature in Batam: ~25 C before dawn to ~32 C mid-afternoon. */
export function outdoorCelsius(t: LocalTime): number {
  return 28.5 - 3.5 * Math.cos(((t.hour - 3) / 24) * 2 * Math.PI);
}
