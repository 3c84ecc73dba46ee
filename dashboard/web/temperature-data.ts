/**
 * Chart data for the site detail's temperature chart: `GET /api/sites/:id/temperature` buckets
 * turned into points (body: the highest reading per bucket, since one feverish person is what a
 * door scanner is for; ambient: the mean), and the fever thresholds as horizontal lines. Pure,
 * unit-tested.
 *
 * The thresholds mirror shared/alarms.ts DEFAULT_ALARM_SETTINGS.fever (kept here so the bundle
 * pulls in no zod): >= 37.3 °C refused entry and re-measured after 5 minutes (KMK
 * HK.01.07/MENKES/382/2020), > 38.0 °C refused on transport (Permenhub PM 18/2020).
 */
import type { TemperatureBucket } from './api.ts';
import type { Point } from './history-data.ts';

export const FEVER_WARN_C = 37.3;
export const FEVER_CRIT_C = 38.0;

export interface TemperatureSeries {
  body: Point[];
  ambient: Point[];
}

/**
 * @example bucketsToPoints([{ t: '2025-11-28T07:00:00Z', max: 37.9, mean: 36.8, count: 12 }], 'max') // [{ x: 1764313200000, y: 37.9 }]
 */
export function bucketsToPoints(buckets: readonly TemperatureBucket[], pick: 'max' | 'mean'): Point[] {
  const points: Point[] = [];
  for (const b of buckets) {
    const x = Date.parse(b.t);
    const y = b[pick];
    if (Number.isNaN(x) || y === null || b.count === 0 || !Number.isFinite(y)) continue;
    points.push({ x, y });
  }
  return points.sort((a, b) => a.x - b.x);
}

/** A threshold drawn across the whole window. */
export function thresholdLine(celsius: number, fromMs: number, toMs: number): Point[] {
  return [
    { x: fromMs, y: celsius },
    { x: toMs, y: celsius },
  ];
}

/** The highest body reading in the window and the latest room reading, for the chart's text. */
export function summarizeTemperature(series: TemperatureSeries): {
  bodyMax: number | null;
  ambientLast: number | null;
} {
  let bodyMax: number | null = null;
  for (const p of series.body) bodyMax = bodyMax === null ? p.y : Math.max(bodyMax, p.y);
  const last = series.ambient[series.ambient.length - 1];
  return { bodyMax, ambientLast: last ? last.y : null };
}
