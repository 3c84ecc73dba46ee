import { describe, expect, it } from 'vitest';
import { BATAM_CORRIDORS, BATAM_STOPS, findCorridor } from './corridors.ts';
import { angleBetween, bearingDeg, distanceM } from './geo.ts';

describe('Trans Batam corridors', () => {
  it('are K1 to K8, each with distinct known stops a bus can drive between', () => {
    expect(BATAM_CORRIDORS.map((c) => c.id)).toEqual(['K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7', 'K8']);
    const known = new Set(Object.values(BATAM_STOPS).map((s) => s.id));
    expect(known.size).toBe(Object.keys(BATAM_STOPS).length);
    for (const corridor of BATAM_CORRIDORS) {
      expect(new Set(corridor.stops.map((s) => s.id)).size).toBe(corridor.stops.length);
      for (const stop of corridor.stops) expect(known.has(stop.id)).toBe(true);
      for (let i = 1; i < corridor.stops.length; i++)
        expect(distanceM(corridor.stops[i - 1]!, corridor.stops[i]!)).toBeGreaterThan(300);
    }
    expect(findCorridor('K5')?.name).toBe('Batam Centre - Jodoh');
    expect(findCorridor('K9')).toBeUndefined();
  });
});

describe('geo', () => {
  it('measures great-circle distance and bearing', () => {
    // One degree of longitude on the equator is 111.2 km on a 6,371 km sphere.
    expect(distanceM({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo(111_195, -1);
    expect(bearingDeg({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo(90, 6);
    expect(bearingDeg({ lat: 0, lon: 0 }, { lat: -1, lon: 0 })).toBeCloseTo(180, 6);
    expect(bearingDeg({ lat: 0, lon: 0 }, { lat: 0, lon: -1 })).toBeCloseTo(270, 6);
  });

  it('compares headings the short way round', () => {
    expect(angleBetween(350, 10)).toBe(20);
    expect(angleBetween(10, 350)).toBe(20);
    expect(angleBetween(90, 270)).toBe(180);
  });
});
