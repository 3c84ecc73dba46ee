import { describe, expect, it } from 'vitest';
import { batamScenario } from './batam-scenario.ts';
import { venueShare } from './demand-profiles.ts';
import { filterScenario } from './scenario.ts';
import { createWorld } from './world-model.ts';

/** Monday 8 June 2020 and Saturday 13 June 2020, 00:00 WIB. */
const MONDAY = Date.UTC(2020, 5, 7, 17, 0);
const SATURDAY = Date.UTC(2020, 5, 12, 17, 0);

/** Mean modelled occupancy per site for each hour of one day (1-minute steps, no demo incidents). */
function day(startMs: number): Map<string, number[]> {
  const scenario = filterScenario(batamScenario, { incidents: false, maxBuses: 0 });
  const world = createWorld(scenario, { seed: 2020, startMs });
  const sums = new Map<string, number[]>();
  for (let minute = 0; minute < 24 * 60; minute++) {
    world.step(60_000, startMs + minute * 60_000);
    for (const site of world.sites()) {
      const hours = sums.get(site.id) ?? Array.from({ length: 24 }, () => 0);
      hours[Math.floor(minute / 60)]! += site.occupancy / 60;
      sums.set(site.id, hours);
    }
  }
  return sums;
}

const mean = (xs: number[], from: number, to: number) =>
  xs.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
const peakHour = (xs: number[]) => xs.indexOf(Math.max(...xs));

describe('demand profiles', () => {
  const monday = day(MONDAY);
  const saturday = day(SATURDAY);

  it('peaks traditional markets in the early morning (05:00-09:00 WIB)', () => {
    for (const id of [
      'pasar-tos-3000',
      'pasar-botania',
      'pasar-fanindo',
      'pasar-aviari',
      'pasar-induk-jodoh',
    ]) {
      const hours = monday.get(id)!;
      expect(peakHour(hours), id).toBeGreaterThanOrEqual(4);
      expect(peakHour(hours), id).toBeLessThanOrEqual(9);
      expect(mean(hours, 5, 9), id).toBeGreaterThan(2 * mean(hours, 14, 22));
    }
  });

  it('peaks attractions in the evening, higher on weekends', () => {
    for (const id of ['jembatan-barelang', 'pantai-nongsa', 'harbour-bay', 'welcome-to-batam']) {
      const weekday = monday.get(id)!;
      expect(peakHour(weekday), id).toBeGreaterThanOrEqual(17);
      expect(peakHour(weekday), id).toBeLessThanOrEqual(21);
      expect(mean(saturday.get(id)!, 17, 21), id).toBeGreaterThan(1.3 * mean(weekday, 17, 21));
    }
  });

  it('fills MPP Batam in office hours on weekdays only', () => {
    const weekday = monday.get('mpp-batam')!;
    expect(mean(weekday, 9, 15)).toBeGreaterThan(150);
    expect(mean(weekday, 19, 24)).toBeLessThan(5);
    expect(Math.max(...saturday.get('mpp-batam')!)).toBeLessThan(5);
  });

  it('interpolates between hours', () => {
    const t = (hour: number) => ({ hour, weekday: 1, weekend: false });
    expect(venueShare('market', t(6.5))).toBeCloseTo((0.62 + 0.7) / 2, 6);
    expect(venueShare('office', t(23.5))).toBe(0);
  });
});
