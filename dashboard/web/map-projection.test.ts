import { describe, expect, it } from 'vitest';
import {
  clampZoom,
  fitBounds,
  fromScreen,
  MAX_ZOOM,
  MIN_ZOOM,
  panBy,
  project,
  TILE_SIZE,
  toScreen,
  unproject,
  viewBox,
  visibleTiles,
  zoomAround,
} from './map-projection.ts';

const BATAM = { lat: 1.1283, lon: 104.0537 };
const SIZE = { width: 800, height: 600 };

describe('Web Mercator', () => {
  it('puts 0°, 0° in the middle of the zoom-0 world and round-trips Batam', () => {
    expect(project({ lat: 0, lon: 0 })).toEqual({ x: TILE_SIZE / 2, y: TILE_SIZE / 2 });
    const back = unproject(project(BATAM));
    expect(back.lat).toBeCloseTo(BATAM.lat, 9);
    expect(back.lon).toBeCloseTo(BATAM.lon, 9);
  });

  it('puts north above south and east right of west', () => {
    const north = project({ lat: 1.2, lon: 104 });
    const south = project({ lat: 0.6, lon: 104 });
    expect(north.y).toBeLessThan(south.y);
    expect(project({ lat: 1, lon: 104.3 }).x).toBeGreaterThan(project({ lat: 1, lon: 103.9 }).x);
  });

  it('lands Batam Centre in the OpenStreetMap tile that shows it (z 12: 3231/2035)', () => {
    const w = project(BATAM);
    const n = 2 ** 12;
    expect([Math.floor((w.x / TILE_SIZE) * n), Math.floor((w.y / TILE_SIZE) * n)]).toEqual([3231, 2035]);
  });
});

describe('views', () => {
  it('maps a screen pixel to the world and back', () => {
    const view = { center: project(BATAM), zoom: 11.5 };
    const w = fromScreen(view, SIZE, 123, 456);
    const s = toScreen(view, SIZE, w);
    expect(s.left).toBeCloseTo(123, 6);
    expect(s.top).toBeCloseTo(456, 6);
    expect(toScreen(view, SIZE, view.center)).toEqual({ left: 400, top: 300 });
  });

  it('fits Batam to Galang Baru on a tablet screen with every corner inside', () => {
    const bounds = { south: 0.5, west: 103.9, north: 1.2, east: 104.31 };
    const view = fitBounds(bounds, SIZE, 24);
    for (const corner of [
      { lat: bounds.north, lon: bounds.west },
      { lat: bounds.south, lon: bounds.east },
    ]) {
      const s = toScreen(view, SIZE, project(corner));
      expect(s.left).toBeGreaterThanOrEqual(23.9);
      expect(s.left).toBeLessThanOrEqual(SIZE.width - 23.9);
      expect(s.top).toBeGreaterThanOrEqual(23.9);
      expect(s.top).toBeLessThanOrEqual(SIZE.height - 23.9);
    }
    expect(view.zoom).toBeGreaterThan(9);
    expect(view.zoom).toBeLessThan(11);
  });

  it('keeps the point under the pointer still while zooming, within the zoom limits', () => {
    const view = { center: project(BATAM), zoom: 12 };
    const under = fromScreen(view, SIZE, 100, 500);
    const zoomed = zoomAround(view, SIZE, 100, 500, 14);
    const s = toScreen(zoomed, SIZE, under);
    expect(s.left).toBeCloseTo(100, 6);
    expect(s.top).toBeCloseTo(500, 6);
    expect(zoomAround(view, SIZE, 0, 0, 40).zoom).toBe(MAX_ZOOM);
    expect(clampZoom(2)).toBe(MIN_ZOOM);
  });

  it('moves the map with a drag', () => {
    const view = { center: project(BATAM), zoom: 12 };
    const before = toScreen(view, SIZE, project(BATAM));
    const after = toScreen(panBy(view, 30, -20), SIZE, project(BATAM));
    expect(after.left - before.left).toBeCloseTo(30, 6);
    expect(after.top - before.top).toBeCloseTo(-20, 6);
  });

  it('gives the SVG the viewBox of exactly what the screen shows', () => {
    const view = { center: { x: 100, y: 50 }, zoom: 2 };
    expect(viewBox(view, { width: 400, height: 200 })).toBe('50 25 100 50');
  });
});

describe('tiles', () => {
  it('covers the screen with tiles of the integer zoom below, no gaps, positions on screen', () => {
    const view = { center: project(BATAM), zoom: 11.5 };
    const tiles = visibleTiles(view, SIZE);
    expect(new Set(tiles.map((t) => t.z))).toEqual(new Set([11]));
    const size = tiles[0]!.size;
    expect(size).toBeCloseTo(256 * 2 ** 0.5, 6);
    const minLeft = Math.min(...tiles.map((t) => t.left));
    const maxRight = Math.max(...tiles.map((t) => t.left + t.size));
    const minTop = Math.min(...tiles.map((t) => t.top));
    const maxBottom = Math.max(...tiles.map((t) => t.top + t.size));
    expect(minLeft).toBeLessThanOrEqual(0);
    expect(minTop).toBeLessThanOrEqual(0);
    expect(maxRight).toBeGreaterThanOrEqual(SIZE.width);
    expect(maxBottom).toBeGreaterThanOrEqual(SIZE.height);
    const cols = new Set(tiles.map((t) => t.x)).size;
    const rows = new Set(tiles.map((t) => t.y)).size;
    expect(tiles).toHaveLength(cols * rows);
  });
});
