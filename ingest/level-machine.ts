/**
 * The capacity level state machine (DOMAIN.md "Alarms", state machine defaults):
 *
 *   ok -> warning      load >= warnEnter (80%) held for warnPendingMs (30 s)
 *   warning -> ok      load < warnExit (70%)                 hysteresis: 70-80% keeps the level
 *   * -> critical      load >= critEnter (100%) held for critPendingMs (0 = at once)
 *   critical -> warning load < critExit (90%); and on to ok in the same step if < warnExit
 *
 * Pure: time comes in as `now`, so tests drive it without timers and ingest re-evaluates pending
 * transitions on a tick.
 */
import type { LevelThresholds } from '../shared/capacity.ts';
import type { Level } from '../shared/registry-schemas.ts';

export interface LevelState {
  level: Level;
  /** When the current level was entered. */
  since: number;
  /** When load first reached warnEnter while below warning, or null. */
  warnPendingSince: number | null;
  /** When load first reached critEnter while below critical, or null. */
  critPendingSince: number | null;
}

export function initialLevelState(now: number): LevelState {
  return { level: 'unknown', since: now, warnPendingSince: null, critPendingSince: null };
}

/**
 * Next state for the given load (null = no reading yet).
 *
 * @example nextLevel(initialLevelState(0), 1.4, 0, DEFAULT_THRESHOLDS).level // 'critical'
 */
export function nextLevel(
  state: LevelState,
  load: number | null,
  now: number,
  t: LevelThresholds,
): LevelState {
  if (load === null) return state.level === 'unknown' ? state : { ...initialLevelState(now) };

  const current = state.level;
  const critPendingSince =
    load >= t.critEnter ? (current === 'critical' ? null : (state.critPendingSince ?? now)) : null;
  const warnPendingSince =
    load >= t.warnEnter && (current === 'ok' || current === 'unknown')
      ? (state.warnPendingSince ?? now)
      : null;

  let level: Level;
  if (current === 'critical' && load >= t.critExit) level = 'critical';
  else if (critPendingSince !== null && now - critPendingSince >= t.critPendingMs) level = 'critical';
  else if (current === 'critical' || current === 'warning') level = load >= t.warnExit ? 'warning' : 'ok';
  else if (warnPendingSince !== null && now - warnPendingSince >= t.warnPendingMs) level = 'warning';
  else level = 'ok';

  return {
    level,
    since: level === current ? state.since : now,
    // Once a level is entered its pending timer is spent.
    warnPendingSince: level === 'ok' ? warnPendingSince : null,
    critPendingSince: level === 'critical' ? null : critPendingSince,
  };
}

/** Earliest time a pending transition could fire, so the caller knows a tick is needed. */
export function nextDeadline(state: LevelState, t: LevelThresholds): number | null {
  const deadlines = [
    state.warnPendingSince === null ? null : state.warnPendingSince + t.warnPendingMs,
    state.critPendingSince === null ? null : state.critPendingSince + t.critPendingMs,
  ].filter((d): d is number => d !== null);
  return deadlines.length ? Math.min(...deadlines) : null;
}
