import { describe, expect, it } from 'vitest';
import {
  FORECAST_SLOT_MS,
  firstAbove,
  fitForecastModel,
  forecastOccupancy,
  type OccupancySample,
  peakWithin,
  profileAt,
} from './forecast.ts';

const MIN = 60_000;
const DAY = 86_400_000;
/** Monday 2 November 2026, 00:00 WIB. */
const MONDAY = Date.UTC(2026, 10, 1, 17, 0);

/** One sample per 15-minute slot for `days` days from MONDAY, valued by `f(t)`. */
function history(days: number, f: (t: number) => number, from = MONDAY): OccupancySample[] {
  const out: OccupancySample[] = [];
  for (let t = from; t < from + days * DAY; t += FORECAST_SLOT_MS) out.push({ t, occupancy: f(t) });
  return out;
}

const isMonday = (t: number) => Math.floor((t - MONDAY) / DAY) % 7 === 0;

describe('fitForecastModel and profileAt', () => {
  it('keeps each weekday apart once it has been seen on two days', () => {
    const model = fitForecastModel(history(14, (t) => (isMonday(t) ? 10 : 20)));
    expect(model.days).toBe(14);
    expect(profileAt(model, MONDAY + 14 * DAY + 12 * 3_600_000)).toBe(10);
    expect(profileAt(model, MONDAY + 15 * DAY + 12 * 3_600_000)).toBe(20);
  });

  it('falls back to the all-days slot for a weekday seen only once', () => {
    // 8 days: Monday twice, every other weekday once.
    const model = fitForecastModel(history(8, (t) => (isMonday(t) ? 10 : 24)));
    // Tuesday (seen once): mean of the slot over all 8 days = (2 * 10 + 6 * 24) / 8.
    expect(profileAt(model, MONDAY + 8 * DAY + 1 * DAY + 6 * 3_600_000)).toBe(20.5);
    expect(profileAt(model, MONDAY + 7 * DAY + 6 * 3_600_000)).toBe(10);
  });

  it('interpolates linearly between slot centres in WIB', () => {
    // Slot 09:00-09:15 WIB holds 40, 09:15-09:30 holds 80, on every day.
    const at = (t: number) => {
      const minute = ((t - MONDAY) % DAY) / MIN;
      return minute >= 555 ? 80 : 40;
    };
    const model = fitForecastModel(history(7, at));
    const day = MONDAY + 7 * DAY;
    expect(profileAt(model, day + 547.5 * MIN)).toBe(40); // 09:07:30, a slot centre
    expect(profileAt(model, day + 562.5 * MIN)).toBe(80); // 09:22:30
    expect(profileAt(model, day + 555 * MIN)).toBe(60); // half way
  });

  it('carries a value over a gap of up to two hours (state is stored on change) but not longer', () => {
    const samples = [];
    for (let d = 0; d < 3; d++) {
      const day = MONDAY + d * DAY;
      samples.push({ t: day + 8 * 3_600_000, occupancy: 50 }, { t: day + 9 * 3_600_000, occupancy: 70 });
      samples.push({ t: day + 14 * 3_600_000, occupancy: 5 });
    }
    const model = fitForecastModel(samples);
    expect(model.allDays[8 * 4 + 2]).toBe(50); // 08:30, carried from 08:00
    expect(model.allDays[11 * 4]).toBeNull(); // 11:00, five hours after 09:00
  });
});

describe('forecastOccupancy', () => {
  const flat = fitForecastModel(history(7, () => 100));
  const now = MONDAY + 7 * DAY + 12 * 3_600_000;

  it("starts at the current value and lets today's deviation decay into the profile", () => {
    const f = forecastOccupancy(flat, [{ t: now, occupancy: 160 }], now);
    expect(f.basis).toBe('profile+trend');
    expect(f.points).toHaveLength(13);
    expect(f.points[0]).toEqual({ t: now, occupancy: 160 });
    expect(f.points[12]!.t).toBe(now + 60 * MIN);
    expect(f.points[12]!.occupancy).toBeCloseTo(100 + 60 * Math.exp(-1), 9);
    expect(f.points[6]!.occupancy).toBeCloseTo(100 + 60 * Math.exp(-0.5), 9);
  });

  it('adds the damped slope of the deviation', () => {
    const recent = [
      { t: now - 10 * MIN, occupancy: 100 },
      { t: now, occupancy: 110 },
    ];
    const f = forecastOccupancy(flat, recent, now, { horizonMs: 30 * MIN, stepMs: 30 * MIN });
    const trend = 1 * 3 * (1 - Math.exp(-10)); // 1 person/min, damped over 3 min
    expect(f.points[1]!.occupancy).toBeCloseTo(100 + 10 * Math.exp(-0.5) + trend, 9);
  });

  it('says trend-only and persists with the trend when there are fewer than three days of history', () => {
    const young = fitForecastModel(history(2, () => 500));
    const recent = [
      { t: now - 10 * MIN, occupancy: 10 },
      { t: now, occupancy: 20 },
    ];
    const f = forecastOccupancy(young, recent, now);
    expect(f.basis).toBe('trend-only');
    expect(f.points[12]!.occupancy).toBeCloseTo(20 + 3 * (1 - Math.exp(-20)), 9);
    expect(forecastOccupancy(undefined, [{ t: now, occupancy: 7 }], now).points[12]!.occupancy).toBe(7);
  });

  it('never forecasts fewer than zero people, and nothing at all without any data', () => {
    const falling = [
      { t: now - 10 * MIN, occupancy: 100 },
      { t: now, occupancy: 2 },
    ];
    const f = forecastOccupancy(undefined, falling, now);
    expect(Math.min(...f.points.map((p) => p.occupancy))).toBe(0);
    expect(forecastOccupancy(undefined, [], now).points).toEqual([]);
  });

  it('finds the first point above a threshold and the peak within a horizon', () => {
    const f = forecastOccupancy(flat, [{ t: now, occupancy: 40 }], now);
    expect(firstAbove(f, 80, 30 * MIN)).toBeUndefined();
    // 100 - 60 * exp(-h / 60 min) passes 75 at h = 60 * ln(2.4) = 52.5 min: the 55-minute point.
    expect(firstAbove(f, 75, 60 * MIN)?.t).toBe(now + 55 * MIN);
    expect(peakWithin(f, 60 * MIN)?.t).toBe(now + 60 * MIN);
  });
});
