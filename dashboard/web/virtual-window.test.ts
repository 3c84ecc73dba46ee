import { describe, expect, it } from 'vitest';
import { rowWindow } from './virtual-window.ts';

describe('the window of rendered rows', () => {
  it('covers the viewport plus the overscan once the list is scrolled into', () => {
    // The list's top is 1,000 px above the viewport: rows 20..35 are visible.
    expect(rowWindow(-1000, 800, 50, 5000, 5)).toEqual({ start: 15, end: 41 });
  });

  it('starts at the first row while the list begins below the top of the viewport', () => {
    expect(rowWindow(300, 800, 50, 5000, 5)).toEqual({ start: 0, end: 15 });
  });

  it('never runs past either end of the list', () => {
    expect(rowWindow(-10_000, 800, 50, 100, 8)).toEqual({ start: 100, end: 100 });
    expect(rowWindow(-4800, 800, 50, 100, 8)).toEqual({ start: 88, end: 100 });
    expect(rowWindow(0, 800, 50, 3, 8)).toEqual({ start: 0, end: 3 });
  });

  it('renders a single probe row while the row height is still unknown or the list is empty', () => {
    expect(rowWindow(0, 800, 0, 10)).toEqual({ start: 0, end: 1 });
    expect(rowWindow(0, 800, 50, 0)).toEqual({ start: 0, end: 0 });
  });

  it('keeps a 5,000-site city down to a few dozen rows', () => {
    const { start, end } = rowWindow(-123_456, 1000, 58, 5000);
    expect(end - start).toBeLessThan(40);
  });
});
