import { describe, expect, it } from 'vitest';
import { formatLocal, localTime, modelStartMs, parseStart } from './sim-time.ts';

describe('model time (WIB)', () => {
  it('reads the local hour and weekday in WIB (UTC+7)', () => {
    // Sunday 7 June 2020 23:30 UTC is Monday 06:30 WIB.
    expect(localTime(Date.UTC(2020, 5, 7, 23, 30))).toEqual({ hour: 6.5, weekday: 1, weekend: false });
    expect(localTime(Date.UTC(2020, 5, 13, 12, 0)).weekend).toBe(true);
  });

  it('parses HH:MM with an optional weekday and rejects anything else', () => {
    expect(parseStart('05:30')).toEqual({ minuteOfDay: 330, weekday: undefined });
    expect(parseStart('Saturday 19:05')).toEqual({ minuteOfDay: 1145, weekday: 'sat' });
    for (const bad of ['24:00', '5', '05:60', 'noon', 'xyz 05:00'])
      expect(parseStart(bad), bad).toBeUndefined();
  });

  it('starts the model today at the given WIB time, or on the next given weekday', () => {
    const wall = Date.UTC(2020, 5, 8, 10, 0); // Monday 17:00 WIB
    expect(formatLocal(modelStartMs(wall, parseStart('05:30')))).toBe('2020-06-08 05:30 WIB (mon)');
    expect(formatLocal(modelStartMs(wall, parseStart('sat 18:00')))).toBe('2020-06-13 18:00 WIB (sat)');
    expect(formatLocal(modelStartMs(wall, parseStart('mon 07:00')))).toBe('2020-06-08 07:00 WIB (mon)');
    expect(modelStartMs(wall, undefined)).toBe(wall);
  });
});
