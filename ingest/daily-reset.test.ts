import { describe, expect, it } from 'vitest';
import { DailySchedule, isTimeZone, localTime, nextDailyAt } from './daily-reset.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('daily reset time', () => {
  it('is 04:00 WIB, i.e. 21:00 UTC of the day before', () => {
    expect(iso(nextDailyAt(Date.UTC(2026, 10, 27, 20, 0), 4, 'Asia/Jakarta'))).toBe(
      '2026-11-27T21:00:00.000Z',
    );
    expect(localTime(Date.UTC(2026, 10, 27, 21, 0), 'Asia/Jakarta')).toMatchObject({
      day: 28,
      hour: 4,
      minute: 0,
    });
  });

  it('is tomorrow once today’s hour has passed, and strictly after now', () => {
    const atReset = Date.UTC(2026, 10, 27, 21, 0);
    expect(iso(nextDailyAt(atReset, 4, 'Asia/Jakarta'))).toBe('2026-11-28T21:00:00.000Z');
    expect(iso(nextDailyAt(Date.UTC(2026, 10, 28, 3, 0), 4, 'Asia/Jakarta'))).toBe(
      '2026-11-28T21:00:00.000Z',
    );
  });

  it('rolls over month and year ends and honours other zones', () => {
    expect(iso(nextDailyAt(Date.UTC(2026, 11, 31, 22, 0), 4, 'Asia/Jakarta'))).toBe(
      '2027-01-01T21:00:00.000Z',
    );
    expect(iso(nextDailyAt(Date.UTC(2026, 10, 27, 0, 0), 4, 'Asia/Makassar'))).toBe(
      '2026-11-27T20:00:00.000Z',
    );
    expect(iso(nextDailyAt(Date.UTC(2026, 10, 27, 0, 0), 0, 'UTC'))).toBe('2026-11-28T00:00:00.000Z');
  });

  it('accepts IANA zones only', () => {
    expect(isTimeZone('Asia/Jakarta')).toBe(true);
    expect(isTimeZone('Asia/Batam')).toBe(false);
  });
});

describe('DailySchedule', () => {
  it('fires once at the hour, not at a mid-day start, and then again the next day', () => {
    const start = Date.UTC(2026, 10, 28, 3, 0); // 10:00 WIB
    const daily = new DailySchedule(4, 'Asia/Jakarta', start);
    expect(daily.due(start)).toBe(false);
    const reset = Date.UTC(2026, 10, 28, 21, 0); // 04:00 WIB on the 29th
    expect(daily.due(reset - 1)).toBe(false);
    expect(daily.due(reset)).toBe(true);
    expect(daily.due(reset + 1000)).toBe(false);
    expect(daily.due(reset + 86_400_000)).toBe(true);
  });

  it('fires once, not once per missed day, after a long pause', () => {
    const daily = new DailySchedule(4, 'Asia/Jakarta', Date.UTC(2026, 10, 28, 3, 0));
    const later = Date.UTC(2026, 11, 2, 5, 0);
    expect(daily.due(later)).toBe(true);
    expect(daily.due(later + 1)).toBe(false);
  });
});
