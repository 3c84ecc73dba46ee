/**
 * The offline base layer: a SCHEMATIC outline of Batam, the Barelang bridge chain and Rempang,
 * Galang and Galang Baru, as GeoJSON drawn by hand from approximate coordinates of well-known
 * places on each coast (Sekupang, Batu Ampar, Teluk Tering, Nongsa, Punggur, Kabil, Tanjung
 * Piayu, Tembesi, Sagulung, Tanjung Uncang; the six Barelang bridges; Kampung Vietnam on Galang).
 * It is meant to let an operator tell north from south and Batam Centre from Galang without any
 * internet connection (issue: "no required external tiles or CDN"), not to navigate by: the map
 * says so on screen, and real tiles are one toggle away when online.
 *
 * Coordinates are [lon, lat] as GeoJSON (RFC 7946 §3.1.1) requires, rings closed.
 */

export type Position = [lon: number, lat: number];

export interface IslandFeature {
  type: 'Feature';
  properties: { name: string; kind: 'island' };
  geometry: { type: 'Polygon'; coordinates: Position[][] };
}

export interface BridgeFeature {
  type: 'Feature';
  properties: { name: string; kind: 'bridge' };
  geometry: { type: 'LineString'; coordinates: Position[] };
}

export type OutlineFeature = IslandFeature | BridgeFeature;

export interface OutlineCollection {
  type: 'FeatureCollection';
  features: OutlineFeature[];
}

/** Writes [lat, lon] pairs (the order places are usually quoted in) as a closed GeoJSON ring. */
function ring(latLon: Array<[number, number]>): Position[] {
  const positions = latLon.map(([lat, lon]): Position => [lon, lat]);
  const first = positions[0]!;
  return [...positions, [first[0], first[1]]];
}

/** One bridge between two [lat, lon] points on facing coasts. */
const bridge = (from: [number, number], to: [number, number]): BridgeFeature => ({
  type: 'Feature',
  properties: { name: 'Jembatan Barelang', kind: 'bridge' },
  geometry: {
    type: 'LineString',
    coordinates: [
      [from[1], from[0]],
      [to[1], to[0]],
    ],
  },
});

const island = (name: string, latLon: Array<[number, number]>): IslandFeature => ({
  type: 'Feature',
  properties: { name, kind: 'island' },
  geometry: { type: 'Polygon', coordinates: [ring(latLon)] },
});

export const BATAM_OUTLINE: OutlineCollection = {
  type: 'FeatureCollection',
  features: [
    island('Batam', [
      [1.16, 103.935], // Sekupang
      [1.175, 103.965],
      [1.178, 104.0], // Batu Ampar
      [1.165, 104.03],
      [1.158, 104.055], // Teluk Tering (Batam Centre)
      [1.178, 104.075],
      [1.195, 104.1], // Nongsa
      [1.2, 104.125],
      [1.18, 104.145],
      [1.14, 104.15],
      [1.1, 104.148],
      [1.065, 104.14], // Punggur
      [1.04, 104.115], // Kabil
      [1.03, 104.085],
      [1.015, 104.06], // Tanjung Piayu
      [1.0, 104.035], // Tembesi
      [1.01, 104.0],
      [1.02, 103.965], // Sagulung
      [1.035, 103.935], // Tanjung Uncang
      [1.06, 103.915],
      [1.1, 103.915],
      [1.13, 103.92],
    ]),
    island('Tonton', [
      [0.992, 104.034],
      [0.99, 104.046],
      [0.98, 104.048],
      [0.978, 104.037],
    ]),
    island('Setokok', [
      [0.966, 104.05],
      [0.962, 104.064],
      [0.952, 104.066],
      [0.95, 104.054],
    ]),
    island('Rempang', [
      [0.945, 104.065],
      [0.93, 104.11],
      [0.9, 104.16],
      [0.86, 104.2],
      [0.82, 104.215],
      [0.79, 104.195],
      [0.77, 104.15],
      [0.79, 104.1],
      [0.83, 104.06],
      [0.88, 104.045],
      [0.92, 104.05],
    ]),
    island('Galang', [
      [0.785, 104.215],
      [0.77, 104.27],
      [0.72, 104.3],
      [0.67, 104.29],
      [0.64, 104.25],
      [0.66, 104.2],
      [0.71, 104.18],
      [0.76, 104.19],
    ]),
    island('Galang Baru', [
      [0.625, 104.24],
      [0.6, 104.3],
      [0.54, 104.31],
      [0.5, 104.27],
      [0.53, 104.22],
      [0.59, 104.215],
    ]),
    // The six Barelang bridges, each from coast to coast (the roads across the islands are not drawn).
    bridge([1.0, 104.035], [0.99, 104.038]), // 1 Tengku Fisabilillah: Batam (Tembesi) - Tonton
    bridge([0.98, 104.046], [0.966, 104.052]), // 2-3 Tonton - Nipah - Setokok
    bridge([0.952, 104.062], [0.945, 104.066]), // 4 Setokok - Rempang
    bridge([0.79, 104.196], [0.785, 104.214]), // 5 Rempang - Galang
    bridge([0.64, 104.245], [0.625, 104.242]), // 6 Galang - Galang Baru
  ],
};

/** Labels of the islands, at a point inside each (for the map's own text, not in the GeoJSON). */
export const ISLAND_LABELS: Array<{ name: string; lat: number; lon: number }> = [
  { name: 'Batam', lat: 1.09, lon: 104.03 },
  { name: 'Rempang', lat: 0.86, lon: 104.12 },
  { name: 'Galang', lat: 0.68, lon: 104.25 },
  { name: 'Galang Baru', lat: 0.56, lon: 104.265 },
];

/** The area the map opens on when no site has a location: the islands above. */
export function outlineBounds(outline: OutlineCollection = BATAM_OUTLINE) {
  let south = Number.POSITIVE_INFINITY;
  let west = Number.POSITIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  for (const feature of outline.features) {
    const positions =
      feature.geometry.type === 'Polygon'
        ? feature.geometry.coordinates.flat()
        : feature.geometry.coordinates;
    for (const [lon, lat] of positions) {
      south = Math.min(south, lat);
      north = Math.max(north, lat);
      west = Math.min(west, lon);
      east = Math.max(east, lon);
    }
  }
  return { south, west, north, east };
}
