/**
 * The map's geometry: Web Mercator (EPSG:3857), the projection of OpenStreetMap's tiles, so the
 * offline outline and the optional online tiles line up exactly. "World" coordinates are pixels
 * of the whole world at zoom 0 (256 px wide, the slippy-map convention); at zoom z one world
 * unit is 2^z screen pixels. Pure functions, unit-tested without a DOM.
 */

export const TILE_SIZE = 256;
/** Web Mercator is undefined at the poles; OSM cuts it at ±85.0511°. */
const MAX_LAT = 85.0511287798;

export interface LatLon {
  lat: number;
  lon: number;
}

export interface WorldPoint {
  x: number;
  y: number;
}

/** What the map shows: the world point at the centre of the screen and the zoom. */
export interface MapViewState {
  center: WorldPoint;
  zoom: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Bounds {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** Zoom limits: a whole province at 8, a single bus stop at 18 (OSM's deepest standard tiles are 19). */
export const MIN_ZOOM = 8;
export const MAX_ZOOM = 18;

export const clampZoom = (zoom: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));

/**
 * @example project({ lat: 0, lon: 0 }) // { x: 128, y: 128 }
 */
export function project(p: LatLon): WorldPoint {
  const lat = Math.max(-MAX_LAT, Math.min(MAX_LAT, p.lat));
  const sin = Math.sin((lat * Math.PI) / 180);
  return {
    x: ((p.lon + 180) / 360) * TILE_SIZE,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * TILE_SIZE,
  };
}

/** The inverse of project(). */
export function unproject(w: WorldPoint): LatLon {
  const n = Math.PI - (2 * Math.PI * w.y) / TILE_SIZE;
  return {
    lat: (180 / Math.PI) * Math.atan(Math.sinh(n)),
    lon: (w.x / TILE_SIZE) * 360 - 180,
  };
}

/** Screen pixel (from the map's top left corner) of a world point. */
export function toScreen(view: MapViewState, size: Size, w: WorldPoint): { left: number; top: number } {
  const scale = 2 ** view.zoom;
  return {
    left: (w.x - view.center.x) * scale + size.width / 2,
    top: (w.y - view.center.y) * scale + size.height / 2,
  };
}

/** World point under a screen pixel. */
export function fromScreen(view: MapViewState, size: Size, left: number, top: number): WorldPoint {
  const scale = 2 ** view.zoom;
  return {
    x: view.center.x + (left - size.width / 2) / scale,
    y: view.center.y + (top - size.height / 2) / scale,
  };
}

/**
 * The view that shows `bounds` whole, with `padding` screen pixels around it.
 *
 * @example fitBounds({ south: 0.5, west: 103.8, north: 1.25, east: 104.35 }, { width: 800, height: 600 })
 */
export function fitBounds(bounds: Bounds, size: Size, padding = 24): MapViewState {
  const nw = project({ lat: bounds.north, lon: bounds.west });
  const se = project({ lat: bounds.south, lon: bounds.east });
  const spanX = Math.max(se.x - nw.x, 1e-9);
  const spanY = Math.max(se.y - nw.y, 1e-9);
  const usableW = Math.max(size.width - 2 * padding, 1);
  const usableH = Math.max(size.height - 2 * padding, 1);
  const zoom = clampZoom(Math.log2(Math.min(usableW / spanX, usableH / spanY)));
  return { center: { x: (nw.x + se.x) / 2, y: (nw.y + se.y) / 2 }, zoom };
}

/** Zooms to `zoom` keeping the world point under the screen pixel (left, top) where it is. */
export function zoomAround(
  view: MapViewState,
  size: Size,
  left: number,
  top: number,
  zoom: number,
): MapViewState {
  const next = clampZoom(zoom);
  const anchor = fromScreen(view, size, left, top);
  const scale = 2 ** next;
  return {
    zoom: next,
    center: {
      x: anchor.x - (left - size.width / 2) / scale,
      y: anchor.y - (top - size.height / 2) / scale,
    },
  };
}

/** Moves the view by a screen offset (a drag of dx, dy pixels moves the map with the pointer). */
export function panBy(view: MapViewState, dx: number, dy: number): MapViewState {
  const scale = 2 ** view.zoom;
  return { zoom: view.zoom, center: { x: view.center.x - dx / scale, y: view.center.y - dy / scale } };
}

/** The SVG viewBox (in world units) that shows exactly what the screen shows. */
export function viewBox(view: MapViewState, size: Size): string {
  const scale = 2 ** view.zoom;
  const w = size.width / scale;
  const h = size.height / scale;
  return `${view.center.x - w / 2} ${view.center.y - h / 2} ${w} ${h}`;
}

export interface Tile {
  z: number;
  x: number;
  y: number;
  left: number;
  top: number;
  /** On-screen edge length in pixels (256 at an integer zoom, up to 512 between zooms). */
  size: number;
}

/**
 * The slippy-map tiles that cover the screen at the integer zoom at or below the view's, with
 * their screen positions.
 *
 * @example visibleTiles({ center: project({ lat: 1.1, lon: 104 }), zoom: 11 }, { width: 800, height: 600 }).length // 12 or so
 */
export function visibleTiles(view: MapViewState, size: Size): Tile[] {
  const z = Math.max(0, Math.floor(view.zoom));
  const tilesAcross = 2 ** z;
  const tileWorld = TILE_SIZE / tilesAcross;
  const topLeft = fromScreen(view, size, 0, 0);
  const bottomRight = fromScreen(view, size, size.width, size.height);
  const x0 = Math.max(0, Math.floor(topLeft.x / tileWorld));
  const y0 = Math.max(0, Math.floor(topLeft.y / tileWorld));
  const x1 = Math.min(tilesAcross - 1, Math.floor(bottomRight.x / tileWorld));
  const y1 = Math.min(tilesAcross - 1, Math.floor(bottomRight.y / tileWorld));
  const scale = 2 ** view.zoom;
  const tiles: Tile[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const { left, top } = toScreen(view, size, { x: x * tileWorld, y: y * tileWorld });
      tiles.push({ z, x, y, left, top, size: tileWorld * scale });
    }
  }
  return tiles;
}
