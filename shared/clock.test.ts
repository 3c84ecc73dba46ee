import { describe, expect, it } from 'vitest';
import { seededRandom, systemClock } from './clock.ts';

const take = (next: () => number, n: number) => Array.from({ length: n }, next);

describe('seededRandom', () => {
  it('replays the same sequence for the same seed', () => {
    expect(take(seededRandom(2020), 100)).toEqual(take(seededRandom(2020), 100));
  });

  it('gives different sequences for different seeds', () => {
    expect(take(seededRandom(1), 10)).not.toEqual(take(seededRandom(2), 10));
    expect(take(seededRandom(0), 10)).not.toEqual(take(seededRandom(1), 10));
  });

  it('stays in [0, 1) and spreads over the range', () => {
    const values = take(seededRandom(42), 10_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    const deciles = new Array(10).fill(0);
    for (const v of values) deciles[Math.floor(v * 10)]++;
    expect(Math.min(...deciles)).toBeGreaterThan(900);
  });

  it('treats seeds as 32-bit unsigned integers', () => {
    expect(take(seededRandom(-1), 5)).toEqual(take(seededRandom(2 ** 32 - 1), 5));
    expect(take(seededRandom(2 ** 32 + 7), 5)).toEqual(take(seededRandom(7), 5));
  });

  it('keeps generators independent of each other', () => {
    const a = seededRandom(9);
    const b = seededRandom(9);
    const first = a();
    a();
    expect(b()).toBe(first);
  });
});

describe('systemClock', () => {
  it('reads the wall clock in epoch milliseconds', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
