import { describe, expect, it } from 'vitest';
import { Backoff, deviceBackoff } from './backoff.ts';
import { OfflineBuffer } from './offline-buffer.ts';

describe('reconnect backoff', () => {
  it('doubles up to the cap, with half of each delay random (equal jitter)', () => {
    const draws = [0, 1, 0.5, 0, 0.999, 0];
    const backoff = new Backoff({
      initialMs: 100,
      maxMs: 500,
      factor: 2,
      jitter: 0.5,
      random: () => draws.shift()!,
    });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([50, 200, 300, 250, 500, 250]);
  });

  it('starts again from the initial delay after a reset (a successful connect)', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000, factor: 3, jitter: 0, random: () => 0.5 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 300, 900]);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('replays the same schedule for the same seed and device, another for another device', () => {
    const schedule = (seed: number, id: string) => {
      const b = deviceBackoff(seed, id);
      return Array.from({ length: 8 }, () => b.next());
    };
    expect(schedule(7, 'bus-k1-01-gw')).toEqual(schedule(7, 'bus-k1-01-gw'));
    expect(schedule(7, 'bus-k1-01-gw')).not.toEqual(schedule(7, 'bus-k1-02-gw'));
    expect(schedule(7, 'bus-k1-01-gw')).not.toEqual(schedule(8, 'bus-k1-01-gw'));
  });

  it('refuses settings that make no sense', () => {
    expect(() => new Backoff({ initialMs: 10, maxMs: 5, factor: 2, jitter: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 10, maxMs: 50, factor: 0.5, jitter: 0 })).toThrow(/factor/);
    expect(() => new Backoff({ initialMs: 10, maxMs: 50, factor: 2, jitter: 2 })).toThrow(/jitter/);
  });
});

describe('offline buffer', () => {
  it('keeps messages in order and drops the oldest when full, counting each drop', () => {
    const buffer = new OfflineBuffer<number>(3);
    for (let i = 1; i <= 5; i++) buffer.push(i);
    expect(buffer.toArray()).toEqual([3, 4, 5]);
    expect(buffer.dropped).toBe(2);
    expect([buffer.shift(), buffer.shift(), buffer.shift(), buffer.shift()]).toEqual([3, 4, 5, undefined]);
    expect(buffer.size).toBe(0);
  });

  it('stays bounded and ordered over many more messages than it holds', () => {
    const buffer = new OfflineBuffer<number>(10_000);
    for (let i = 0; i < 50_000; i++) buffer.push(i);
    expect(buffer.size).toBe(10_000);
    expect(buffer.dropped).toBe(40_000);
    for (let i = 0; i < 5000; i++) expect(buffer.shift()).toBe(40_000 + i);
    buffer.push(50_000);
    expect(buffer.toArray().at(0)).toBe(45_000);
    expect(buffer.toArray().at(-1)).toBe(50_000);
  });

  it('puts a message back at the front, or drops it when the buffer is full', () => {
    const buffer = new OfflineBuffer<string>(2);
    buffer.push('b');
    buffer.unshift('a');
    expect(buffer.toArray()).toEqual(['a', 'b']);
    buffer.unshift('z');
    expect(buffer.toArray()).toEqual(['a', 'b']);
    expect(buffer.dropped).toBe(1);
  });
});
