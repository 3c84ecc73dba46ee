import { describe, expect, it } from 'vitest';
import { coalescedWriter } from './json-file.ts';

describe('coalescedWriter', () => {
  it('never overlaps writes and folds the calls made during a write into one next write', async () => {
    let state = 0;
    let active = 0;
    const written: number[] = [];
    const save = coalescedWriter(async () => {
      active++;
      expect(active).toBe(1);
      const snapshot = state;
      await new Promise((r) => setTimeout(r, 5));
      written.push(snapshot);
      active--;
    });
    state = 1;
    const first = save();
    await Promise.resolve();
    await Promise.resolve();
    state = 2;
    const second = save();
    state = 3;
    const third = save();
    expect(third).toBe(second);
    await Promise.all([first, second, third]);
    expect(written).toEqual([1, 3]);
  });
});
