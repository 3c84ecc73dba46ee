import { describe, expect, it } from 'vitest';
import { longestIncreasing, stableKeys } from './reorder.ts';

/** What the DOM reorder does, on arrays: keep the stable keys, move the rest into place. */
function moves(current: string[], desired: string[]): string[] {
  const keep = stableKeys(current, desired);
  return desired.filter((k) => !keep.has(k));
}

describe('keyed reorder', () => {
  it('finds a longest increasing run, skipping new items', () => {
    expect(longestIncreasing([2, 0, 1, -1, 3]).length).toBe(3);
    expect(longestIncreasing([])).toEqual([]);
    expect(longestIncreasing([-1, -1])).toEqual([]);
    expect(longestIncreasing([0, 1, 2, 3])).toEqual([0, 1, 2, 3]);
  });

  it('moves nothing when the order is unchanged', () => {
    expect(moves(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([]);
  });

  it('moves only the site that jumped to the top, not every row below it', () => {
    expect(moves(['a', 'b', 'c', 'd'], ['d', 'a', 'b', 'c'])).toEqual(['d']);
  });

  it('moves only the site that sank to the bottom, not every row above it', () => {
    expect(moves(['a', 'b', 'c', 'd'], ['b', 'c', 'd', 'a'])).toEqual(['a']);
  });

  it('inserts new sites without moving the existing ones', () => {
    expect(moves(['a', 'c'], ['a', 'b', 'c', 'd'])).toEqual(['b', 'd']);
  });

  it('moves n-1 items when the order is reversed', () => {
    expect(moves(['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a'])).toHaveLength(3);
  });
});
