import { describe, expect, it } from 'vitest';
import { RingQueue } from './ring-queue.ts';

describe('RingQueue', () => {
  it('is first in, first out across growth and wrap-around', () => {
    const q = new RingQueue<number>(2);
    const out: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head wraps while the buffer grows.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) q.push(next++);
      for (let i = 0; i < 5; i++) out.push(q.shift()!);
    }
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('returns undefined when empty and reports its length', () => {
    const q = new RingQueue<string>();
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
    q.push('a');
    q.push('b');
    expect(q.length).toBe(2);
    expect(q.peek()).toBe('a');
    expect(q.shift()).toBe('a');
    expect(q.length).toBe(1);
  });
});
