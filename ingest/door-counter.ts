/**
 * Occupancy from one door counter's cumulative IN/OUT totals (DOMAIN.md "Counting people").
 *
 * Totals are cumulative since the device booted, so a lost message is harmless (the next one
 * carries the totals) and the device's contribution is (in - baseIn) - (out - baseOut). A total
 * that goes DOWN means the device rebooted: what it had counted stays in `carried` and the
 * baseline restarts at 0 (its totals are counted since the new boot), never read as people
 * leaving. A message older than the last one seen (QoS 1 duplicate, late replay) changes nothing:
 * the newer totals already include it.
 */
import type { CountsMsg } from '../shared/device-schemas.ts';

export interface DoorCounterState {
  baseIn: number;
  baseOut: number;
  /** Net people counted in earlier boots (or before the last reset) still inside. */
  carried: number;
  lastIn: number;
  lastOut: number;
  lastSeq: number;
  lastTs: number;
}

export type CountOutcome = 'applied' | 'stale' | 'reboot';

export function newDoorCounter(msg: CountsMsg): DoorCounterState {
  return {
    baseIn: 0,
    baseOut: 0,
    carried: 0,
    lastIn: msg.in,
    lastOut: msg.out,
    lastSeq: msg.seq,
    lastTs: msg.ts,
  };
}

/** Net people this counter has let in (may be negative: a door used mostly as an exit). */
export function netOf(s: DoorCounterState): number {
  return s.carried + (s.lastIn - s.baseIn) - (s.lastOut - s.baseOut);
}

/**
 * Applies one counts message in place.
 *
 * @example
 * const s = newDoorCounter({ ts: 1, seq: 1, in: 10, out: 3 }); // net 7
 * applyCounts(s, { ts: 2, seq: 1, in: 2, out: 0 });            // 'reboot', net 9
 */
export function applyCounts(s: DoorCounterState, msg: CountsMsg): CountOutcome {
  if (msg.ts < s.lastTs || (msg.ts === s.lastTs && msg.seq <= s.lastSeq)) return 'stale';
  // A new boot restarts seq (DESIGN.md protocol v1) even when its totals have already passed
  // the old ones; a newer message with a lower seq is therefore a reboot too.
  const rebooted = msg.in < s.lastIn || msg.out < s.lastOut || msg.seq < s.lastSeq;
  if (rebooted) {
    s.carried = netOf(s);
    s.baseIn = 0;
    s.baseOut = 0;
  }
  s.lastIn = msg.in;
  s.lastOut = msg.out;
  s.lastSeq = msg.seq;
  s.lastTs = msg.ts;
  return rebooted ? 'reboot' : 'applied';
}

/** Zeroes the counter's contribution (daily reset, end of a bus line) without touching the raw series. */
export function resetDoorCounter(s: DoorCounterState): void {
  s.carried = 0;
  s.baseIn = s.lastIn;
  s.baseOut = s.lastOut;
}

/** What a counter's correction state is at a moment, saved so it survives an ingest restart. */
export type DoorBaseline = Pick<DoorCounterState, 'baseIn' | 'baseOut' | 'carried' | 'lastIn' | 'lastOut'> & {
  /** Reset after the save, before the door was heard again: it counts from its next message. */
  zeroed?: boolean;
};

export function baselineOf(s: DoorCounterState): DoorBaseline {
  return { baseIn: s.baseIn, baseOut: s.baseOut, carried: s.carried, lastIn: s.lastIn, lastOut: s.lastOut };
}

/**
 * A counter continued after an ingest restart from the baseline saved at the last correction.
 * Totals at or above the saved ones mean the device kept counting: the saved baseline still holds.
 * Lower totals mean it rebooted in between: what it had counted at the save is carried (the
 * people counted between the save and its reboot are not known, as with any reboot).
 *
 * @example resumeDoorCounter({ baseIn: 30, baseOut: 4, carried: 0, lastIn: 30, lastOut: 4 }, { ts, seq: 9, in: 33, out: 4 }) // net 3
 */
export function resumeDoorCounter(b: DoorBaseline, msg: CountsMsg): DoorCounterState {
  const s = newDoorCounter(msg);
  if (b.zeroed) {
    s.baseIn = msg.in;
    s.baseOut = msg.out;
  } else if (msg.in >= b.lastIn && msg.out >= b.lastOut) {
    s.baseIn = b.baseIn;
    s.baseOut = b.baseOut;
    s.carried = b.carried;
  } else {
    s.carried = b.carried + (b.lastIn - b.baseIn) - (b.lastOut - b.baseOut);
  }
  return s;
}
