import { describe, expect, it } from 'vitest';
import { BATAM_OUTLINE, ISLAND_LABELS, outlineBounds, type Position } from './batam-outline.ts';

/** Ray casting, good enough for these simple rings. */
function inside(point: { lat: number; lon: number }, ring: Position[]): boolean {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > point.lat !== yj > point.lat && point.lon < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi)
      hit = !hit;
  }
  return hit;
}

const islands = BATAM_OUTLINE.features.flatMap((f) =>
  f.geometry.type === 'Polygon' ? [{ name: f.properties.name, ring: f.geometry.coordinates[0]! }] : [],
);
const ringOf = (name: string) => islands.find((i) => i.name === name)!.ring;

describe('the schematic outline of Batam', () => {
  it('is GeoJSON with closed [lon, lat] rings around the Riau Islands near Batam', () => {
    expect(BATAM_OUTLINE.type).toBe('FeatureCollection');
    for (const { ring } of islands) {
      expect(ring.length).toBeGreaterThanOrEqual(5);
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      for (const [lon, lat] of ring) {
        expect(lon).toBeGreaterThan(103.8);
        expect(lon).toBeLessThan(104.4);
        expect(lat).toBeGreaterThan(0.4);
        expect(lat).toBeLessThan(1.3);
      }
    }
  });

  it('includes Batam, Rempang and Galang, linked by the Barelang bridges', () => {
    expect(islands.map((i) => i.name)).toEqual(expect.arrayContaining(['Batam', 'Rempang', 'Galang']));
    expect(
      BATAM_OUTLINE.features.filter((f) => f.properties.kind === 'bridge').length,
    ).toBeGreaterThanOrEqual(5);
  });

  it('has well-known places on the right island', () => {
    expect(inside({ lat: 1.1283, lon: 104.0537 }, ringOf('Batam'))).toBe(true); // MPP, Batam Centre
    expect(inside({ lat: 1.1436, lon: 104.0138 }, ringOf('Batam'))).toBe(true); // Jodoh
    expect(inside({ lat: 0.7386, lon: 104.2355 }, ringOf('Galang'))).toBe(true); // Kampung Vietnam
    expect(inside({ lat: 0.86, lon: 104.12 }, ringOf('Rempang'))).toBe(true);
    expect(inside({ lat: 0.86, lon: 104.12 }, ringOf('Batam'))).toBe(false);
  });

  it('labels each main island inside it', () => {
    for (const label of ISLAND_LABELS) expect(inside(label, ringOf(label.name)), label.name).toBe(true);
  });

  it('bounds everything it draws', () => {
    const b = outlineBounds();
    expect(b.north).toBeCloseTo(1.2, 5);
    expect(b.south).toBeCloseTo(0.5, 5);
    expect(b.west).toBeLessThan(b.east);
  });
});
