import { describe, expect, it } from 'vitest';
import {
  bucketStart,
  mergePoint,
  type Point,
  RANGES,
  seriesFromBuckets,
  summarize,
  trimBefore,
} from './history-data.ts';

const T0 = Date.UTC(2025, 10, 28, 7, 0, 0);

describe('history chart data', () => {
  it('turns history buckets into occupancy and safe-capacity points, skipping empty values', () => {
    const series = seriesFromBuckets([
      { t: new Date(T0).toISOString(), occupancy: 30, occupancyMean: 25, safeCapacity: 40 },
      { t: new Date(T0 + 30_000).toISOString(), occupancy: null, occupancyMean: null, safeCapacity: 40 },
      { t: 'garbage', occupancy: 1, occupancyMean: 1, safeCapacity: 1 },
    ]);
    expect(series.occupancy).toEqual([{ x: T0, y: 30 }]);
    expect(series.safeCapacity).toEqual([
      { x: T0, y: 40 },
      { x: T0 + 30_000, y: 40 },
    ]);
  });

  it('keeps the peak of live readings within one bucket, as the server does', () => {
    const points: Point[] = [{ x: T0, y: 30 }];
    mergePoint(points, { x: T0 + 5_000, y: 42 }, 30_000, 'max');
    mergePoint(points, { x: T0 + 9_000, y: 35 }, 30_000, 'max');
    expect(points).toEqual([{ x: T0, y: 42 }]);
  });

  it('keeps the latest safe capacity within a bucket (a policy change applies at once)', () => {
    const points: Point[] = [{ x: T0, y: 40 }];
    mergePoint(points, { x: T0 + 5_000, y: 25 }, 30_000, 'last');
    expect(points).toEqual([{ x: T0, y: 25 }]);
  });

  it('starts a new bucket aligned to the step for a reading in the next interval', () => {
    const points: Point[] = [{ x: T0, y: 30 }];
    mergePoint(points, { x: T0 + 31_000, y: 12 }, 30_000, 'max');
    expect(points).toEqual([
      { x: T0, y: 30 },
      { x: T0 + 30_000, y: 12 },
    ]);
    expect(bucketStart(T0 + 3_599_999, RANGES['1h'].stepMs)).toBe(T0 + 3_570_000);
  });

  it('ignores a live reading older than the last bucket (history already covers it)', () => {
    const points: Point[] = [{ x: T0 + 60_000, y: 30 }];
    mergePoint(points, { x: T0, y: 99 }, 30_000, 'max');
    expect(points).toEqual([{ x: T0 + 60_000, y: 30 }]);
  });

  it('drops points that slid out of the window', () => {
    const points: Point[] = [
      { x: T0, y: 1 },
      { x: T0 + 30_000, y: 2 },
      { x: T0 + 60_000, y: 3 },
    ];
    trimBefore(points, T0 + 30_000);
    expect(points.map((p) => p.y)).toEqual([2, 3]);
  });

  it('summarises the peak and the latest safe capacity for the chart text alternative', () => {
    expect(
      summarize({
        occupancy: [
          { x: 1, y: 3 },
          { x: 2, y: 9 },
        ],
        safeCapacity: [
          { x: 1, y: 40 },
          { x: 2, y: 25 },
        ],
      }),
    ).toEqual({ peak: 9, safeCapacity: 25 });
    expect(summarize({ occupancy: [], safeCapacity: [] })).toEqual({ peak: null, safeCapacity: null });
  });

  it('asks for about 120-300 points per range', () => {
    for (const r of Object.values(RANGES)) {
      const points = r.spanMs / r.stepMs;
      expect(points).toBeGreaterThanOrEqual(100);
      expect(points).toBeLessThanOrEqual(300);
    }
  });
});
