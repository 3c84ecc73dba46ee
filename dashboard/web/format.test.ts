import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatAxisTick,
  formatCelsius,
  formatDateTimeWib,
  formatLoad,
  formatNumber,
  formatTimeWib,
  isStale,
  readingAgeMs,
  STALE_AFTER_MS,
} from './format.ts';

// 2025-11-28 07:05:09 UTC = 14:05:09 WIB (UTC+7).
const T = Date.UTC(2025, 10, 28, 7, 5, 9);

describe('numbers', () => {
  it('groups thousands the Indonesian way in Bahasa Indonesia and the English way in English', () => {
    expect(formatNumber(1234567, 'id')).toBe('1.234.567');
    expect(formatNumber(1234567, 'en')).toBe('1,234,567');
    expect(formatNumber(32.5, 'id', 1)).toBe('32,5');
  });

  it('shows load as a whole percentage, overload above 100%', () => {
    expect(formatLoad(0.856, 'id')).toBe('86%');
    expect(formatLoad(1.5, 'en')).toBe('150%');
  });

  it('shows an occupied site with safe capacity 0 as infinitely loaded and an unknown load as a dash', () => {
    expect(formatLoad(null, 'id', 3, 0)).toBe('∞');
    expect(formatLoad(null, 'id', null, 40)).toBe('—');
    expect(formatLoad(null, 'id', 0, 0)).toBe('—');
  });

  it('formats temperatures with one decimal and the local decimal separator', () => {
    expect(formatCelsius(37.85, 'id')).toBe('37,9 °C');
    expect(formatCelsius(37, 'en')).toBe('37.0 °C');
  });
});

describe('times in WIB', () => {
  it('shows clock times in Asia/Jakarta whatever the machine time zone is', () => {
    expect(formatTimeWib(T, 'id')).toBe('14.05.09 WIB');
    expect(formatTimeWib(T, 'en')).toBe('14:05:09 WIB');
    expect(formatTimeWib(T, 'id', false)).toBe('14.05 WIB');
  });

  it('uses a 24-hour clock that starts at 00, not 24', () => {
    expect(formatTimeWib(Date.UTC(2025, 0, 1, 17, 0, 0), 'id')).toBe('00.00.00 WIB');
  });

  it('rolls the date over at midnight WIB, not UTC', () => {
    expect(formatDateTimeWib(Date.UTC(2025, 10, 28, 17, 30), 'id')).toBe('29 Nov, 00.30 WIB');
    expect(formatDateTimeWib(Date.UTC(2025, 10, 28, 17, 30), 'en')).toBe('29 Nov, 00:30 WIB');
  });

  it('labels chart ticks with the time for short ranges and the date for a week', () => {
    expect(formatAxisTick(T, 'id', 3_600_000)).toBe('14.05');
    expect(formatAxisTick(T, 'en', 7 * 86_400_000)).toBe('28 Nov');
  });
});

describe('reading age', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it('counts seconds, minutes, hours and days since the reading', () => {
    expect(formatAge(readingAgeMs(iso(T - 12_400), T), 'id')).toBe('12 dtk lalu');
    expect(formatAge(readingAgeMs(iso(T - 12_400), T), 'en')).toBe('12 s ago');
    expect(formatAge(3 * 60_000 + 5_000, 'id')).toBe('3 mnt lalu');
    expect(formatAge(2 * 3_600_000, 'id')).toBe('2 jam lalu');
    expect(formatAge(26 * 3_600_000, 'en')).toBe('1 d ago');
  });

  it('says "just now" for a fresh reading and never shows a negative age for a device clock ahead of ours', () => {
    expect(readingAgeMs(iso(T + 5_000), T)).toBe(0);
    expect(formatAge(0, 'id')).toBe('baru saja');
    expect(formatAge(1_999, 'en')).toBe('just now');
  });

  it('says there is no data yet when the site never reported', () => {
    expect(readingAgeMs(null, T)).toBeNull();
    expect(formatAge(null, 'id')).toBe('belum ada data');
    expect(formatAge(null, 'en')).toBe('no data yet');
  });

  it('marks a site stale after more than 2 minutes without a reading, and one that never reported', () => {
    expect(isStale(iso(T - STALE_AFTER_MS), T)).toBe(false);
    expect(isStale(iso(T - STALE_AFTER_MS - 1), T)).toBe(true);
    expect(isStale(iso(T - 10_000), T)).toBe(false);
    expect(isStale(null, T)).toBe(true);
  });
});
