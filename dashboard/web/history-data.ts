/**
 * Chart data for the site detail: history buckets from `GET /api/sites/:id/history` turned into
 * chart points, and live readings merged in the same way the server buckets them (peak
 * occupancy per bucket: the peak is what matters for safety), so a live point never makes the
 * line jump between resolutions. Pure, unit-tested.
 */
import type { HistoryBucket } from '../../shared/site-state.ts';

export type RangeId = '1h' | '24h' | '7d';

export interface RangeSpec {
  spanMs: number;
  /** The `step` query parameter; chosen so a range has roughly 120-300 points. */
  step: string;
  stepMs: number;
}

export const RANGES: Record<RangeId, RangeSpec> = {
  '1h': { spanMs: 3_600_000, step: '30s', stepMs: 30_000 },
  '24h': { spanMs: 86_400_000, step: '5m', stepMs: 300_000 },
  '7d': { spanMs: 7 * 86_400_000, step: '1h', stepMs: 3_600_000 },
};

export const RANGE_IDS = Object.keys(RANGES) as RangeId[];

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  occupancy: Point[];
  safeCapacity: Point[];
}

/** Buckets (oldest first, empty ones omitted by the server) to two point lists. */
export function seriesFromBuckets(buckets: readonly HistoryBucket[]): Series {
  const occupancy: Point[] = [];
  const safeCapacity: Point[] = [];
  for (const b of buckets) {
    const x = Date.parse(b.t);
    if (Number.isNaN(x)) continue;
    if (b.occupancy !== null) occupancy.push({ x, y: b.occupancy });
    if (b.safeCapacity !== null) safeCapacity.push({ x, y: b.safeCapacity });
  }
  return { occupancy, safeCapacity };
}

/** Start of the bucket `t` falls in (buckets are aligned to multiples of stepMs since epoch). */
export function bucketStart(t: number, stepMs: number): number {
  return Math.floor(t / stepMs) * stepMs;
}

/**
 * Adds one reading: the bucket it falls in keeps its peak (occupancy) or latest value
 * (safe capacity, which changes only with policy); readings older than the last bucket are
 * ignored (the history already has them).
 *
 * @example mergePoint(points, { x: Date.now(), y: 37 }, 30_000, 'max')
 */
export function mergePoint(points: Point[], reading: Point, stepMs: number, mode: 'max' | 'last'): void {
  const x = bucketStart(reading.x, stepMs);
  const last = points[points.length - 1];
  if (last && last.x > x) return;
  if (last && last.x === x) {
    last.y = mode === 'max' ? Math.max(last.y, reading.y) : reading.y;
    return;
  }
  points.push({ x, y: reading.y });
}

/** Drops points that slid out of the window on the left. */
export function trimBefore(points: Point[], fromMs: number): void {
  let drop = 0;
  while (drop < points.length && points[drop]!.x < fromMs) drop++;
  if (drop > 0) points.splice(0, drop);
}

/** The peak occupancy and the latest safe capacity in the window, for the chart's text summary. */
export function summarize(series: Series): { peak: number | null; safeCapacity: number | null } {
  let peak: number | null = null;
  for (const p of series.occupancy) peak = peak === null ? p.y : Math.max(peak, p.y);
  const cap = series.safeCapacity[series.safeCapacity.length - 1];
  return { peak, safeCapacity: cap ? cap.y : null };
}
