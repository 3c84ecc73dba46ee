/**
 * Sensor faults (DOMAIN.md "Alarms": counter reset, clock far off; the issue adds impossible
 * values). Each piece of evidence is reported here; the site has a `sensor-fault` warning until no
 * new evidence came for `faultClearMs` (default 10 min). A fault is a warning: the venue is not
 * less safe, but its numbers are less trustworthy until someone looks at the sensor.
 *
 * - counter-reboot: a door counter's cumulative totals went down (SiteTracker outcome 'reboot').
 * - clock-skew: a device timestamp more than `clockSkewMs` AHEAD of server time is a fault at
 *   once. BEHIND is ambiguous, because a device replays its offline buffer with the original
 *   timestamps (DESIGN.md protocol v1): it is a fault at once on a birth message (`status` with
 *   `online: true`, sent live at connect) and otherwise only when the device stays behind for
 *   `clockSkewMs` of server time (a replay catches up long before that; a wrong clock does not).
 * - impossible-occupancy: the sensors' count is more than 3x the site's design capacity.
 * - negative-count: the door counters' net (before the clamp at 0) is far below zero, i.e. by more
 *   than max(10 people, 25% of design capacity); a little below zero is normal drift (2-3%).
 * - impossible-temperature: a body temperature outside BODY_PLAUSIBLE_C (no person at an entrance
 *   reads 120 C or 12 C: the scanner is broken or aimed at something else). Such a reading is a
 *   fault instead of a fever, so it never raises a fever alarm.
 */
import type { Condition } from './alarm-engine.ts';
import type { AlarmDetails } from './alarm-record.ts';

export type FaultKind =
  | 'counter-reboot'
  | 'clock-skew'
  | 'impossible-occupancy'
  | 'negative-count'
  | 'impossible-temperature';

/** Body temperatures a thermal scanner can read from a person (skin in air-conditioning to hyperpyrexia). */
export const BODY_PLAUSIBLE_C = { min: 30, max: 45 } as const;

export const IMPOSSIBLE_OCCUPANCY_FACTOR = 3;

/** Lowest door net still taken as drift for a site of this design capacity. */
export function negativeCountLimit(designCapacity: number): number {
  return -Math.max(10, Math.ceil(designCapacity * 0.25));
}

export class FaultRule {
  private readonly sites = new Map<string, { lastAt: number; details: AlarmDetails }>();
  private readonly behindSince = new Map<string, number>();

  /** Records evidence of a fault at the site. */
  report(siteId: string, fault: FaultKind, details: AlarmDetails, now: number): void {
    this.sites.set(siteId, { lastAt: now, details: { fault, ...details } });
  }

  /**
   * Checks a device timestamp against server time; returns true when it reported a fault.
   *
   * @example rule.checkClock('mpp-batam', 'mpp-cam-1', now + 3_600_000, now, 600_000, false) // true
   */
  checkClock(
    siteId: string,
    deviceId: string,
    deviceTs: number,
    now: number,
    clockSkewMs: number,
    birth: boolean,
  ): boolean {
    const offBy = deviceTs - now;
    if (Math.abs(offBy) <= clockSkewMs) {
      this.behindSince.delete(deviceId);
      return false;
    }
    if (offBy < 0 && !birth) {
      const since = this.behindSince.get(deviceId) ?? now;
      this.behindSince.set(deviceId, since);
      if (now - since < clockSkewMs) return false;
    }
    this.report(siteId, 'clock-skew', { deviceId, clockOffsetMs: offBy }, now);
    return true;
  }

  /** Checks the site's raw counts (before corrections and the clamp); returns true on a fault. */
  checkCounts(
    siteId: string,
    deviceId: string,
    raw: { absolute: number | null; doorNet: number | null },
    designCapacity: number,
    now: number,
  ): boolean {
    const counted = raw.absolute ?? raw.doorNet;
    if (designCapacity > 0 && counted !== null && counted > IMPOSSIBLE_OCCUPANCY_FACTOR * designCapacity) {
      this.report(siteId, 'impossible-occupancy', { deviceId, occupancy: counted, designCapacity }, now);
      return true;
    }
    if (raw.doorNet !== null && raw.doorNet < negativeCountLimit(designCapacity)) {
      this.report(siteId, 'negative-count', { deviceId, doorNet: raw.doorNet, designCapacity }, now);
      return true;
    }
    return false;
  }

  /** Checks a body temperature; returns true when it is impossible (a fault, not a fever). */
  checkBodyTemperature(siteId: string, deviceId: string, celsius: number, now: number): boolean {
    if (celsius >= BODY_PLAUSIBLE_C.min && celsius <= BODY_PLAUSIBLE_C.max) return false;
    this.report(siteId, 'impossible-temperature', { deviceId, celsius }, now);
    return true;
  }

  condition(siteId: string, now: number, faultClearMs: number): Condition {
    const entry = this.sites.get(siteId);
    if (!entry) return null;
    if (now - entry.lastAt >= faultClearMs) {
      this.sites.delete(siteId);
      return null;
    }
    return { severity: 'warning', details: { ...entry.details, lastFaultAt: entry.lastAt } };
  }

  /** After a restart, a restored open fault alarm lasts until `faultClearMs` of quiet from now. */
  seed(siteId: string, details: AlarmDetails, now: number): void {
    if (!this.sites.has(siteId)) this.sites.set(siteId, { lastAt: now, details });
  }

  forget(siteId: string): void {
    this.sites.delete(siteId);
  }

  forgetDevice(deviceId: string): void {
    this.behindSince.delete(deviceId);
  }
}
