import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BurstCompaction, compactingGc } from './burst-compaction.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** A compaction whose clock is vitest's fake one. */
function setup(minConnects = 5, quietMs = 1000) {
  vi.useFakeTimers();
  const compactions: number[] = [];
  const compaction = new BurstCompaction({
    minConnects,
    quietMs,
    now: () => Date.now(),
    compact: () => compactions.push(Date.now()),
  });
  return { compaction, compactions };
}

describe('BurstCompaction', () => {
  it('compacts once, quietMs after the last connect of a burst', () => {
    const { compaction, compactions } = setup();
    const start = Date.now();
    for (let i = 0; i < 20; i++) {
      compaction.connected();
      vi.advanceTimersByTime(100);
    }
    expect(compactions).toEqual([]);
    vi.advanceTimersByTime(900);
    expect(compactions).toEqual([start + 2900]);
    vi.advanceTimersByTime(60_000);
    expect(compactions).toHaveLength(1);
    compaction.stop();
  });

  it('leaves alone fewer connects than a burst, and connects spread out over time', () => {
    const { compaction, compactions } = setup();
    for (let i = 0; i < 4; i++) compaction.connected();
    vi.advanceTimersByTime(5000);
    // One a minute for an hour: never five within a quiet period of each other.
    for (let i = 0; i < 60; i++) {
      compaction.connected();
      vi.advanceTimersByTime(60_000);
    }
    expect(compactions).toEqual([]);
    compaction.stop();
  });

  it('counts the next burst from zero, and a stop cancels a pending compaction', () => {
    const { compaction, compactions } = setup();
    for (let i = 0; i < 5; i++) compaction.connected();
    vi.advanceTimersByTime(1000);
    expect(compactions).toHaveLength(1);
    for (let i = 0; i < 4; i++) compaction.connected();
    vi.advanceTimersByTime(1000);
    expect(compactions).toHaveLength(1);
    for (let i = 0; i < 5; i++) compaction.connected();
    compaction.stop();
    vi.advanceTimersByTime(5000);
    expect(compactions).toHaveLength(1);
  });
});

describe('compactingGc', () => {
  it('gives garbage back: the heap is smaller after it', () => {
    let garbage: unknown[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` }));
    expect(garbage.length).toBe(300_000);
    const before = getHeapStatistics().used_heap_size;
    garbage = undefined;
    compactingGc();
    expect(getHeapStatistics().used_heap_size).toBeLessThan(before - 10 * 2 ** 20);
  });
});
