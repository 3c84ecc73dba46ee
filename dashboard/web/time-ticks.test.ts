import { describe, expect, it } from 'vitest';
import { timeTicks } from './time-ticks.ts';

const wib = (iso: string) => Date.parse(`${iso}+07:00`);
const clock = (ms: number) =>
  new Intl.DateTimeFormat('id-ID', {
    timeZone: 'Asia/Jakarta',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
    .format(ms)
    .replace(':', '.');

describe('time axis ticks', () => {
  it('falls on round minutes of Batam time for the last hour', () => {
    const ticks = timeTicks(wib('2026-11-29T08:07'), wib('2026-11-29T09:07'), 6);
    expect(ticks.map(clock)).toEqual(['08.10', '08.20', '08.30', '08.40', '08.50', '09.00']);
    expect(timeTicks(wib('2026-11-29T08:07'), wib('2026-11-29T09:07'), 4).map(clock)).toEqual([
      '08.15',
      '08.30',
      '08.45',
      '09.00',
    ]);
  });

  it('falls on whole WIB hours over 24 hours and on WIB midnights over 7 days', () => {
    const day = timeTicks(wib('2026-11-28T10:29'), wib('2026-11-29T10:29'), 8);
    expect(day.map(clock)).toEqual(['12.00', '15.00', '18.00', '21.00', '00.00', '03.00', '06.00', '09.00']);
    const week = timeTicks(wib('2026-11-22T10:29'), wib('2026-11-29T10:29'), 8);
    expect(week.map(clock)).toEqual(Array(7).fill('00.00'));
    expect(week[0]).toBe(wib('2026-11-23T00:00'));
  });

  it('never gives more than asked, and nothing for an empty window', () => {
    for (const max of [1, 2, 5, 10]) {
      const ticks = timeTicks(wib('2026-11-29T00:00'), wib('2026-11-29T23:59'), max);
      expect(ticks.length).toBeLessThanOrEqual(max);
      expect(ticks.length).toBeGreaterThan(0);
    }
    expect(timeTicks(5, 5, 6)).toEqual([]);
  });
});
