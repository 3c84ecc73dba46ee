import { describe, expect, it } from 'vitest';
import { DEFAULT_ALARM_SETTINGS } from '../../shared/alarms.ts';
import {
  bucketsToPoints,
  FEVER_CRIT_C,
  FEVER_WARN_C,
  summarizeTemperature,
  thresholdLine,
} from './temperature-data.ts';

const T0 = Date.UTC(2025, 10, 28, 7, 0);

describe('temperature chart data', () => {
  it('draws the same fever thresholds the alarms use (KMK 382/2020, PM 18/2020)', () => {
    expect(FEVER_WARN_C).toBe(DEFAULT_ALARM_SETTINGS.fever.warnC);
    expect(FEVER_CRIT_C).toBe(DEFAULT_ALARM_SETTINGS.fever.critC);
    expect(thresholdLine(37.3, 1, 2)).toEqual([
      { x: 1, y: 37.3 },
      { x: 2, y: 37.3 },
    ]);
  });

  it('takes the highest body reading and the mean room reading per bucket, oldest first, skipping empty buckets', () => {
    const buckets = [
      { t: new Date(T0 + 60_000).toISOString(), max: 38.1, mean: 36.9, count: 4 },
      { t: new Date(T0).toISOString(), max: 36.8, mean: 36.5, count: 2 },
      { t: new Date(T0 + 120_000).toISOString(), max: null, mean: null, count: 0 },
      { t: 'not a time', max: 40, mean: 40, count: 1 },
    ];
    expect(bucketsToPoints(buckets, 'max')).toEqual([
      { x: T0, y: 36.8 },
      { x: T0 + 60_000, y: 38.1 },
    ]);
    expect(bucketsToPoints(buckets, 'mean').map((p) => p.y)).toEqual([36.5, 36.9]);
  });

  it('summarises the highest body reading and the latest room reading', () => {
    expect(
      summarizeTemperature({
        body: [
          { x: 1, y: 36.9 },
          { x: 2, y: 38.2 },
          { x: 3, y: 37 },
        ],
        ambient: [
          { x: 1, y: 29 },
          { x: 3, y: 31.5 },
        ],
      }),
    ).toEqual({ bodyMax: 38.2, ambientLast: 31.5 });
    expect(summarizeTemperature({ body: [], ambient: [] })).toEqual({ bodyMax: null, ambientLast: null });
  });
});
