/**
 * Device offline (deadman; DOMAIN.md "Alarms": device silent for N minutes, default 5): a device
 * of the site that sent nothing for `offlineAfterMs` (server clock) makes a warning; critical when
 * every device of the site is silent (nobody is watching the venue at all).
 *
 * What counts as "heard from": any live message of the device, valid or not and even a stale
 * replay (it proves the device is connected). Not its last will `{"online":false}` (the broker
 * speaks for a dead device) and not a retained message replayed by the broker at subscribe time
 * (that is old news). A device never heard from since ingest started counts from ingest start, or
 * from when the registry first told ingest about it, whichever is later.
 */
import type { Condition } from './alarm-engine.ts';

/** Silent device ids are listed in `details.silentDevices`, comma-separated, cut at this length. */
const MAX_LIST_CHARS = 500;

export class DeadmanRule {
  private readonly lastHeard = new Map<string, number>();
  private readonly knownSince = new Map<string, number>();
  /** Devices a restored alarm listed as silent and not heard from since. */
  private readonly seeded = new Set<string>();
  private startedAt = 0;

  /** Silence of devices never heard from is counted from here. */
  start(now: number): void {
    this.startedAt = now;
  }

  heard(deviceId: string, now: number): void {
    this.lastHeard.set(deviceId, now);
    this.seeded.delete(deviceId);
  }

  /** The registry told ingest about a device; it gets `offlineAfterMs` from now to report. */
  known(deviceId: string, now: number): void {
    if (!this.knownSince.has(deviceId)) this.knownSince.set(deviceId, now);
  }

  /**
   * After a restart, the devices a restored alarm listed as silent are silent again at once
   * (instead of getting a fresh grace period that would clear the alarm and raise it anew later).
   */
  seedSilent(deviceIds: string[]): void {
    for (const id of deviceIds) if (!this.lastHeard.has(id)) this.seeded.add(id);
  }

  forget(deviceId: string): void {
    this.lastHeard.delete(deviceId);
    this.knownSince.delete(deviceId);
    this.seeded.delete(deviceId);
  }

  /**
   * @example rule.condition(['bus-k1-07-gw', 'bus-k1-07-cam'], now, 300_000)
   * // { severity: 'warning', details: { silentDevices: 'bus-k1-07-cam', silentCount: 1, deviceCount: 2, ... } }
   */
  condition(deviceIds: string[], now: number, offlineAfterMs: number): Condition {
    if (deviceIds.length === 0) return null;
    const silent: string[] = [];
    let lastHeardAt: number | null = null;
    // Runs for every message and every site each tick: no copy or sort unless someone is silent.
    for (const id of deviceIds) {
      const heard = this.lastHeard.get(id);
      const since = heard ?? Math.max(this.startedAt, this.knownSince.get(id) ?? this.startedAt);
      if (!this.seeded.has(id) && now - since < offlineAfterMs) continue;
      silent.push(id);
      if (heard !== undefined) lastHeardAt = Math.max(lastHeardAt ?? heard, heard);
    }
    if (silent.length === 0) return null;
    silent.sort();
    return {
      severity: silent.length === deviceIds.length ? 'critical' : 'warning',
      details: {
        silentDevices: silent.join(',').slice(0, MAX_LIST_CHARS),
        silentCount: silent.length,
        deviceCount: deviceIds.length,
        lastHeardAt,
      },
    };
  }
}

/** The device ids a `device-offline` alarm lists as silent. */
export function silentDevicesOf(details: Record<string, unknown>): string[] {
  const list = details.silentDevices;
  return typeof list === 'string' && list ? list.split(',') : [];
}
