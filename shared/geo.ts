/**
 * Great-circle helpers on WGS 84 coordinates (spherical Earth, mean radius 6,371 km): good to a
 * few metres over a city, which is all the public guide ("nearby") and the GTFS feeds (shape
 * distances, bus bearing) need.
 */
import type { LatLon } from './registry-schemas.ts';

const EARTH_RADIUS_M = 6_371_000;
const RAD = Math.PI / 180;

/**
 * Haversine distance in metres.
 *
 * @example distanceM({ lat: 1.1466, lon: 104.0066 }, { lat: 1.1282, lon: 104.0532 }) // ≈ 5570
 */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Initial bearing from a to b in degrees clockwise from north, 0 <= bearing < 360.
 *
 * @example bearingDeg({ lat: 0, lon: 0 }, { lat: 0, lon: 1 }) // 90
 */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const y = Math.sin((b.lon - a.lon) * RAD) * Math.cos(b.lat * RAD);
  const x =
    Math.cos(a.lat * RAD) * Math.sin(b.lat * RAD) -
    Math.sin(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  const deg = (((Math.atan2(y, x) / RAD) % 360) + 360) % 360;
  return deg >= 360 ? 0 : deg;
}

/** Smallest angle between two bearings, 0..180. */
export function angleBetween(a: number, b: number): number {
  const d = Math.abs((((a - b) % 360) + 360) % 360);
  return d > 180 ? 360 - d : d;
}
