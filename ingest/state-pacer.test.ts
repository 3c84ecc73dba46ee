import { describe, expect, it } from 'vitest';
import { StatePacer } from './state-pacer.ts';

describe('StatePacer', () => {
  it('stores the first state and every level change at once', () => {
    const h = new StatePacer(1000);
    expect(h.offer('a', 'ok', 0)).toBe(true);
    expect(h.offer('a', 'warning', 10)).toBe(true);
    expect(h.offer('a', 'critical', 20)).toBe(true);
    expect(h.offer('b', 'ok', 20)).toBe(true);
  });

  it('stores at most once per window and then the latest state, stamped with its own change time', () => {
    const h = new StatePacer(1000);
    expect(h.offer('a', 'ok', 0)).toBe(true);
    expect(h.offer('a', 'ok', 200)).toBe(false);
    expect(h.offer('a', 'ok', 700)).toBe(false);
    expect(h.due(900)).toEqual([]);
    expect(h.due(1000)).toEqual([['a', 700]]);
    expect(h.due(5000)).toEqual([]);
    // The window restarts from the trailing write's time.
    expect(h.offer('a', 'ok', 1500)).toBe(false);
    expect(h.offer('a', 'ok', 1700)).toBe(true);
  });

  it('gives every pending write on drain, and forgets a removed site', () => {
    const h = new StatePacer(1000);
    h.offer('a', 'ok', 0);
    h.offer('a', 'ok', 100);
    h.offer('b', 'ok', 0);
    h.offer('b', 'ok', 50);
    h.forget('b');
    expect(h.drain()).toEqual([['a', 100]]);
    expect(h.drain()).toEqual([]);
  });

  it('stores every publish with a window of 0', () => {
    const h = new StatePacer(0);
    expect([h.offer('a', 'ok', 0), h.offer('a', 'ok', 0), h.offer('a', 'ok', 1)]).toEqual([true, true, true]);
  });
});
