/**
 * Per-site state kept by ingest: occupancy from all the site's door counters (or absolute
 * counts from camera/depth sensors, which need no drift correction and win when present),
 * latest body and ambient temperature, a bus's position, and the capacity level.
 *
 * Pure with respect to time and I/O: callers pass `now` and publish what `snapshot()` returns.
 */
import { type LevelThresholds, loadOf, siteCapacity } from '../shared/capacity.ts';
import type { DeviceMessage } from '../shared/device-schemas.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import type { Site } from '../shared/registry-schemas.ts';
import type { SiteState } from '../shared/site-state.ts';
import {
  applyCounts,
  type CountOutcome,
  type DoorCounterState,
  netOf,
  newDoorCounter,
} from './door-counter.ts';
import { initialLevelState, type LevelState, nextDeadline, nextLevel } from './level-machine.ts';

interface Reading {
  value: number;
  ts: number;
}

interface SiteRuntime {
  doors: Map<string, DoorCounterState>;
  absolute: Map<string, Reading>;
  body: Reading | null;
  ambient: Reading | null;
  position: SiteState['position'];
  level: LevelState;
  updatedAt: number | null;
  lastSeenAt: number | null;
}

export type ApplyOutcome = CountOutcome | 'stale' | 'applied';

export class SiteTracker {
  private readonly sites = new Map<string, SiteRuntime>();

  constructor(
    private readonly registry: RegistryReplica,
    private readonly thresholdsFor: (site: Site) => LevelThresholds,
  ) {}

  /** Applies a validated message to its site; the caller then re-evaluates the site. */
  apply(siteId: string, msg: DeviceMessage, now: number): ApplyOutcome {
    const s = this.runtime(siteId, now);
    s.lastSeenAt = now;
    switch (msg.stream) {
      case 'counts': {
        const door = s.doors.get(msg.deviceId);
        const outcome = door ? applyCounts(door, msg.payload) : 'applied';
        if (!door) s.doors.set(msg.deviceId, newDoorCounter(msg.payload));
        return this.touched(s, outcome, msg.payload.ts);
      }
      case 'occupancy':
        return this.touched(
          s,
          newer(s.absolute, msg.deviceId, msg.payload.count, msg.payload.ts),
          msg.payload.ts,
        );
      case 'temperature': {
        const key = msg.payload.kind === 'body' ? 'body' : 'ambient';
        const prev = s[key];
        if (prev && prev.ts > msg.payload.ts) return 'stale';
        s[key] = { value: msg.payload.celsius, ts: msg.payload.ts };
        return this.touched(s, 'applied', msg.payload.ts);
      }
      case 'position': {
        const p = msg.payload;
        if (s.position && s.position.ts > p.ts) return 'stale';
        s.position = { lat: p.lat, lon: p.lon, speedKmh: p.speedKmh, heading: p.heading, ts: p.ts };
        return this.touched(s, 'applied', p.ts);
      }
      case 'status':
        return 'applied';
    }
  }

  /** Re-runs the level machine for one site; returns true when its level changed. */
  evaluate(siteId: string, now: number): boolean {
    const site = this.registry.sites.get(siteId);
    const s = this.sites.get(siteId);
    if (!site || !s) return false;
    const before = s.level.level;
    const occupancy = this.occupancy(s);
    const load =
      occupancy === null ? null : loadOf(occupancy, siteCapacity(site, this.registry.policy).safeCapacity);
    s.level = nextLevel(s.level, load, now, this.thresholdsFor(site));
    return s.level.level !== before;
  }

  /** Sites with a pending transition due by `now`, evaluated; returns those whose level changed. */
  tick(now: number): string[] {
    const changed: string[] = [];
    for (const [id, s] of this.sites) {
      const site = this.registry.sites.get(id);
      if (!site) continue;
      const due = nextDeadline(s.level, this.thresholdsFor(site));
      if (due !== null && due <= now && this.evaluate(id, now)) changed.push(id);
    }
    return changed;
  }

  snapshot(siteId: string): SiteState | undefined {
    const site = this.registry.sites.get(siteId);
    const s = this.sites.get(siteId);
    if (!site || !s) return undefined;
    const { safeCapacity } = siteCapacity(site, this.registry.policy);
    const occupancy = this.occupancy(s);
    const load = occupancy === null ? null : loadOf(occupancy, safeCapacity);
    return {
      siteId,
      occupancy,
      safeCapacity,
      load: load === null || Number.isFinite(load) ? load : null,
      level: s.level.level,
      updatedAt: s.updatedAt,
      lastSeenAt: s.lastSeenAt,
      levelSince: s.level.since,
      bodyTempC: s.body?.value ?? null,
      ambientTempC: s.ambient?.value ?? null,
      position: s.position,
      policyId: this.registry.policy.id,
    };
  }

  siteIds(): string[] {
    return [...this.sites.keys()];
  }

  forget(siteId: string): void {
    this.sites.delete(siteId);
  }

  /** Drops a device's contribution (device deleted or moved to another site). */
  forgetDevice(deviceId: string): string[] {
    const affected: string[] = [];
    for (const [id, s] of this.sites) {
      if (s.doors.delete(deviceId) || s.absolute.delete(deviceId)) affected.push(id);
    }
    return affected;
  }

  private occupancy(s: SiteRuntime): number | null {
    if (s.absolute.size > 0) return sum([...s.absolute.values()].map((r) => r.value));
    if (s.doors.size > 0) return Math.max(0, sum([...s.doors.values()].map(netOf)));
    return null;
  }

  private touched(s: SiteRuntime, outcome: ApplyOutcome, ts: number): ApplyOutcome {
    if (outcome !== 'stale') s.updatedAt = Math.max(s.updatedAt ?? 0, ts);
    return outcome;
  }

  private runtime(siteId: string, now: number): SiteRuntime {
    let s = this.sites.get(siteId);
    if (!s) {
      s = {
        doors: new Map(),
        absolute: new Map(),
        body: null,
        ambient: null,
        position: null,
        level: initialLevelState(now),
        updatedAt: null,
        lastSeenAt: null,
      };
      this.sites.set(siteId, s);
    }
    return s;
  }
}

function newer(map: Map<string, Reading>, key: string, value: number, ts: number): ApplyOutcome {
  const prev = map.get(key);
  if (prev && prev.ts > ts) return 'stale';
  map.set(key, { value, ts });
  return 'applied';
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
