import { describe, expect, it } from 'vitest';
import { isFlagged, markerLabel, placeOf } from './map-marker.ts';
import { site } from './site-fixture.ts';

describe('map markers', () => {
  it('places a bus at its live GPS position and a venue at its registered location', () => {
    const bus = site('bus-k1-07', {
      kind: 'bus',
      location: { lat: 1.12, lon: 103.93 },
      position: { lat: 1.13, lon: 104.05, ts: 1 },
    });
    expect(placeOf(bus)).toEqual({ lat: 1.13, lon: 104.05 });
    expect(placeOf(site('pasar', { location: { lat: 1.14, lon: 104.01 } }))).toEqual({
      lat: 1.14,
      lon: 104.01,
    });
    expect(placeOf(site('nowhere'))).toBeUndefined();
  });

  it('labels a bus with its corridor and a critical venue with its name, others not at all', () => {
    expect(markerLabel(site('bus-k1-07', { kind: 'bus', route: 'K1' }))).toBe('K1');
    expect(markerLabel(site('bus-x', { kind: 'bus' }))).toBe('BUS');
    expect(markerLabel(site('pasar', { name: 'Pasar Tos 3000', level: 'critical' }))).toBe('Pasar Tos 3000');
    expect(markerLabel(site('pasar', { level: 'ok' }))).toBe('');
  });

  it('puts only flagged sites in the tab order', () => {
    expect(['critical', 'warning', 'unknown', 'ok'].map((l) => isFlagged(l as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
