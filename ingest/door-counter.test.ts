import { describe, expect, it } from 'vitest';
import {
  applyCounts,
  baselineOf,
  netOf,
  newDoorCounter,
  resetDoorCounter,
  resumeDoorCounter,
} from './door-counter.ts';

const T0 = 1_764_313_200_000;
const msg = (i: number, inTotal: number, outTotal: number, seq = i) => ({
  ts: T0 + i * 1000,
  seq,
  in: inTotal,
  out: outTotal,
});

describe('door counter', () => {
  it('counts totals since boot: in minus out', () => {
    const s = newDoorCounter(msg(1, 1532, 1490));
    expect(netOf(s)).toBe(42);
    expect(applyCounts(s, msg(2, 1540, 1491))).toBe('applied');
    expect(netOf(s)).toBe(49);
  });

  it('treats a total that goes down as a reboot, never as people leaving', () => {
    const s = newDoorCounter(msg(1, 10, 3));
    expect(applyCounts(s, msg(2, 2, 0, 1))).toBe('reboot');
    expect(netOf(s)).toBe(9);
    applyCounts(s, msg(3, 5, 1, 2));
    expect(netOf(s)).toBe(11);
  });

  it('takes a newer message whose seq restarted as a reboot, even when its totals passed the old ones', () => {
    const s = newDoorCounter(msg(1, 30, 0, 2));
    expect(applyCounts(s, msg(2, 35, 0, 1))).toBe('reboot');
    expect(netOf(s)).toBe(65);
    expect(applyCounts(s, msg(3, 36, 0, 2))).toBe('applied');
    expect(netOf(s)).toBe(66);
  });

  it('ignores duplicates and late replays of older messages', () => {
    const s = newDoorCounter(msg(1, 10, 0));
    applyCounts(s, msg(2, 12, 0));
    expect(applyCounts(s, msg(1, 10, 0))).toBe('stale');
    expect(applyCounts(s, msg(2, 12, 0))).toBe('stale');
    expect(netOf(s)).toBe(12);
  });

  it('survives lost messages because totals are cumulative', () => {
    const s = newDoorCounter(msg(1, 10, 0));
    applyCounts(s, msg(5, 30, 8));
    expect(netOf(s)).toBe(22);
  });

  it('reset zeroes the contribution and counts on from the current totals', () => {
    const s = newDoorCounter(msg(1, 10, 3));
    applyCounts(s, msg(2, 2, 0, 1));
    resetDoorCounter(s);
    expect(netOf(s)).toBe(0);
    applyCounts(s, msg(3, 6, 1, 2));
    expect(netOf(s)).toBe(3);
  });

  it('continues from a baseline saved before an ingest restart, and copes with a reboot in between', () => {
    const s = newDoorCounter({ ts: 1, seq: 1, in: 30, out: 4 });
    resetDoorCounter(s);
    applyCounts(s, { ts: 2, seq: 2, in: 35, out: 5 });
    const saved = baselineOf(s);
    expect(netOf(resumeDoorCounter(saved, { ts: 3, seq: 3, in: 40, out: 6 }))).toBe(8);
    expect(netOf(resumeDoorCounter(saved, { ts: 3, seq: 0, in: 2, out: 0 }))).toBe(6);
    expect(netOf(resumeDoorCounter({ ...saved, zeroed: true }, { ts: 3, seq: 3, in: 40, out: 6 }))).toBe(0);
  });
});
