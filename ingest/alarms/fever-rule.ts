/**
 * Fever at the door (DOMAIN.md "Temperature"): a BODY reading >= warnC (37.3 C, KMK 382/2020) is
 * a warning, >= critC (38.0 C, PM 18/2020) critical; ambient readings never count. The condition
 * lasts `feverClearMs` (default 5 min: KMK 382/2020 re-measures after 5 minutes) after the last
 * fever reading at each severity, so a critical alarm de-escalates to warning when only milder
 * fevers followed, and clears once no fever was read for that long. Times are server time.
 */
import type { AlarmSettings } from '../../shared/alarms.ts';
import type { Condition } from './alarm-engine.ts';

interface FeverReading {
  at: number;
  celsius: number;
  deviceId: string;
}

interface SiteFever {
  warn: FeverReading | null;
  crit: FeverReading | null;
}

export class FeverRule {
  private readonly sites = new Map<string, SiteFever>();

  /**
   * Records a body temperature reading.
   *
   * @example rule.reading('mpp-batam', 'mpp-thermal-1', 38.2, now, settings) // true: a fever
   */
  reading(siteId: string, deviceId: string, celsius: number, now: number, s: AlarmSettings): boolean {
    if (celsius < s.fever.warnC) return false;
    const entry = this.sites.get(siteId) ?? { warn: null, crit: null };
    const reading = { at: now, celsius, deviceId };
    entry.warn = reading;
    if (celsius >= s.fever.critC) entry.crit = reading;
    this.sites.set(siteId, entry);
    return true;
  }

  condition(siteId: string, now: number, s: AlarmSettings): Condition {
    const entry = this.sites.get(siteId);
    if (!entry) return null;
    const live = (r: FeverReading | null) => r !== null && now - r.at < s.feverClearMs;
    if (live(entry.crit)) return { severity: 'critical', details: detailsOf(entry.crit!) };
    entry.crit = null;
    if (live(entry.warn)) return { severity: 'warning', details: detailsOf(entry.warn!) };
    this.sites.delete(siteId);
    return null;
  }

  /**
   * After a restart, a restored open fever alarm gets a full `feverClearMs` from now (the readings
   * after its last transition are not known, so it is kept rather than cleared early).
   */
  seed(siteId: string, critical: boolean, celsius: number, deviceId: string, now: number): void {
    if (this.sites.has(siteId)) return;
    const reading = { at: now, celsius, deviceId };
    this.sites.set(siteId, { warn: reading, crit: critical ? reading : null });
  }

  forget(siteId: string): void {
    this.sites.delete(siteId);
  }
}

function detailsOf(r: FeverReading) {
  return { celsius: r.celsius, deviceId: r.deviceId, readAt: r.at };
}
