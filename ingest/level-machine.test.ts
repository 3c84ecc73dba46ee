import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS as T } from '../shared/capacity.ts';
import { initialLevelState, type LevelState, nextDeadline, nextLevel } from './level-machine.ts';

/** Feeds (time, load) pairs and returns the level after each. */
function run(steps: Array<[number, number | null]>, start: LevelState = initialLevelState(0)) {
  let s = start;
  return steps.map(([now, load]) => {
    s = nextLevel(s, load, now, T);
    return s.level;
  });
}

describe('level machine', () => {
  it('stays unknown until the first reading', () => {
    expect(
      run([
        [0, null],
        [1000, null],
      ]),
    ).toEqual(['unknown', 'unknown']);
  });

  it('goes critical at once when load reaches 100%', () => {
    expect(run([[0, 1.4]])).toEqual(['critical']);
    expect(
      run([
        [0, 0.5],
        [1000, 1.0],
      ]),
    ).toEqual(['ok', 'critical']);
  });

  it('raises no warning before the 30 s pending time, then warns', () => {
    expect(
      run([
        [0, 0.85],
        [29_999, 0.85],
        [30_000, 0.85],
      ]),
    ).toEqual(['ok', 'ok', 'warning']);
  });

  it('restarts the pending time when load dips below 80%', () => {
    expect(
      run([
        [0, 0.85],
        [20_000, 0.79],
        [25_000, 0.85],
        [50_000, 0.85],
        [55_000, 0.85],
      ]),
    ).toEqual(['ok', 'ok', 'ok', 'ok', 'warning']);
  });

  it('keeps a warning at 75% (hysteresis) and clears it below 70%', () => {
    expect(
      run([
        [0, 0.85],
        [30_000, 0.85],
        [31_000, 0.75],
        [32_000, 0.7],
        [33_000, 0.69],
      ]),
    ).toEqual(['ok', 'warning', 'warning', 'warning', 'ok']);
  });

  it('keeps critical down to 90% and de-escalates to warning below it', () => {
    expect(
      run([
        [0, 1.2],
        [1000, 0.95],
        [2000, 0.9],
        [3000, 0.89],
      ]),
    ).toEqual(['critical', 'critical', 'critical', 'warning']);
  });

  it('falls from critical straight to ok when load drops below 70%', () => {
    expect(
      run([
        [0, 1.2],
        [1000, 0.5],
      ]),
    ).toEqual(['critical', 'ok']);
  });

  it('escalates a warning to critical at once', () => {
    expect(
      run([
        [0, 0.85],
        [30_000, 0.85],
        [31_000, 1.0],
      ]),
    ).toEqual(['ok', 'warning', 'critical']);
  });

  it('honours a critical pending time when one is configured', () => {
    const t = { ...T, critPendingMs: 5000 };
    let s = initialLevelState(0);
    const levels = (
      [
        [0, 1.1],
        [4999, 1.1],
        [5000, 1.1],
      ] as const
    ).map(([now, load]) => {
      s = nextLevel(s, load, now, t);
      return s.level;
    });
    expect(levels).toEqual(['ok', 'ok', 'critical']);
  });

  it('records when the level was entered and reports the next pending deadline', () => {
    let s = nextLevel(initialLevelState(0), 0.85, 1000, T);
    expect(s.level).toBe('ok');
    expect(nextDeadline(s, T)).toBe(31_000);
    s = nextLevel(s, 0.85, 31_000, T);
    expect(s).toMatchObject({ level: 'warning', since: 31_000 });
    expect(nextDeadline(s, T)).toBeNull();
  });

  it('treats an occupied closed site (infinite load) as critical', () => {
    expect(run([[0, Number.POSITIVE_INFINITY]])).toEqual(['critical']);
  });
});
