/**
 * Per-site state kept by ingest: occupancy from all the site's door counters (or absolute
 * counts from camera/depth sensors, which need no drift correction and win when present),
 * latest body and ambient temperature, a bus's position, the capacity level, and when each
 * device was last heard from and whether its last status said online.
 *
 * Pure with respect to time and I/O: callers pass `now` and publish what `snapshot()` returns.
 */
import { type LevelThresholds, loadOf, siteCapacity } from '../shared/capacity.ts';
import type { DeviceMessage } from '../shared/device-schemas.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import type { Site } from '../shared/registry-schemas.ts';
import { type DevicePresence, MAX_SITE_STATE_DEVICES, type SiteState } from '../shared/site-state.ts';
import {
  applyCounts,
  baselineOf,
  type CountOutcome,
  type DoorBaseline,
  type DoorCounterState,
  netOf,
  newDoorCounter,
  resetDoorCounter,
  resumeDoorCounter,
} from './door-counter.ts';
import { initialLevelState, type LevelState, nextDeadline, nextLevel } from './level-machine.ts';

interface Reading {
  value: number;
  ts: number;
}

interface Presence {
  lastSeenAt: number | null;
  online: boolean | null;
  /** A live status was seen since start: a retained one replayed later is older news. */
  liveStatus: boolean;
}

interface SiteRuntime {
  doors: Map<string, DoorCounterState>;
  absolute: Map<string, Reading>;
  /** Newest temperature per `${deviceId}/${kind}`, for staleness per scanner. */
  temperatures: Map<string, Reading>;
  /** Newest body and ambient reading of any scanner (what the site shows). */
  body: Reading | null;
  ambient: Reading | null;
  position: SiteState['position'];
  level: LevelState;
  updatedAt: number | null;
  lastSeenAt: number | null;
  /** Operator's correction (people), added to the sensors' count before the clamp at 0. */
  offset: number;
  devices: Map<string, Presence>;
}

/** Occupancy before and after a correction (null while no counter has reported). */
export interface CorrectionResult {
  before: number | null;
  after: number | null;
}

export type ApplyOutcome = CountOutcome | 'stale' | 'applied';

/** A site's correction state (door baselines and offset), saved with each correction. */
export interface CountBaselines {
  offset: number;
  doors: Record<string, DoorBaseline>;
}

export class SiteTracker {
  private readonly sites = new Map<string, SiteRuntime>();
  /** Levels restored from open capacity alarms, taken up when the site's count is first known. */
  private readonly seeds = new Map<string, LevelState>();
  /** Correction state saved before a restart, taken up by each door's first message. */
  private readonly resumed = new Map<string, CountBaselines>();

  constructor(
    private readonly registry: RegistryReplica,
    private readonly thresholdsFor: (site: Site) => LevelThresholds,
  ) {}

  /**
   * Applies a validated message to its site; the caller then re-evaluates the site. `retained`
   * marks a message the broker replayed at subscribe time.
   */
  apply(siteId: string, msg: DeviceMessage, now: number, retained = false): ApplyOutcome {
    const s = this.runtime(siteId, now);
    this.presence(s, msg, now, retained);
    if (msg.stream === 'status') return 'applied';
    // Readings are ordered by device time, but none counts as later than the clock-skew limit
    // ahead of now: one reading stamped years ahead would otherwise make every later one stale.
    // (The clock-skew sensor fault reports the device; alarm-monitor.ts.)
    const site = this.registry.sites.get(siteId);
    const aheadMs = site ? this.registry.alarmSettingsFor(site).clockSkewMs : 0;
    const ts = Math.min(msg.payload.ts, now + aheadMs);
    switch (msg.stream) {
      case 'counts': {
        const payload = ts === msg.payload.ts ? msg.payload : { ...msg.payload, ts };
        const door = s.doors.get(msg.deviceId);
        const outcome = door ? applyCounts(door, payload) : 'applied';
        if (!door) {
          const saved = this.resumed.get(siteId)?.doors[msg.deviceId];
          s.doors.set(msg.deviceId, saved ? resumeDoorCounter(saved, payload) : newDoorCounter(payload));
        }
        return this.touched(s, outcome, ts, now);
      }
      case 'occupancy':
        return this.touched(s, newer(s.absolute, msg.deviceId, msg.payload.count, ts), ts, now);
      case 'temperature': {
        // Stale per scanner: one scanner's clock running behind another's loses none of its fevers.
        const kind = msg.payload.kind === 'body' ? 'body' : 'ambient';
        const outcome = newer(s.temperatures, `${msg.deviceId}/${kind}`, msg.payload.celsius, ts);
        if (outcome === 'stale') return outcome;
        const shown = s[kind];
        if (!shown || shown.ts <= ts) s[kind] = { value: msg.payload.celsius, ts };
        return this.touched(s, outcome, ts, now);
      }
      case 'position': {
        const p = msg.payload;
        if (s.position && s.position.ts > ts) return 'stale';
        s.position = { lat: p.lat, lon: p.lon, speedKmh: p.speedKmh, heading: p.heading, ts };
        return this.touched(s, 'applied', ts, now);
      }
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
    const seed = this.seeds.get(siteId);
    if (seed && load !== null && s.level.level === 'unknown') {
      s.level = seed;
      this.seeds.delete(siteId);
    }
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

  /**
   * The site's state; `devices: false` leaves out the device list (sorted and filtered per call,
   * the costliest part), for the live feed and for callers that only need the numbers.
   */
  snapshot(siteId: string, { devices = true }: { devices?: boolean } = {}): SiteState | undefined {
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
      ...(devices ? { devices: this.devicesOf(siteId, s) } : {}),
    };
  }

  /** The site's current level without building its whole state (the per-tick level gauge). */
  level(siteId: string): SiteState['level'] | undefined {
    const s = this.sites.get(siteId);
    return s && this.registry.sites.has(siteId) ? s.level.level : undefined;
  }

  siteIds(): string[] {
    return [...this.sites.keys()];
  }

  forget(siteId: string): void {
    this.sites.delete(siteId);
    this.seeds.delete(siteId);
    this.resumed.delete(siteId);
  }

  /** The site's correction state now (saved with each correction). */
  baselines(siteId: string): CountBaselines {
    const s = this.sites.get(siteId);
    const doors: Record<string, DoorBaseline> = {};
    for (const [id, door] of s?.doors ?? []) doors[id] = baselineOf(door);
    const saved = this.resumed.get(siteId)?.doors ?? {};
    // Doors not heard from since a restart keep their saved baseline.
    return { offset: s?.offset ?? this.resumed.get(siteId)?.offset ?? 0, doors: { ...saved, ...doors } };
  }

  /**
   * After a restart, continues the site's counting from the state saved at its last correction
   * (otherwise a restart would undo every reset: door totals count since the device booted).
   */
  resumeCounts(siteId: string, saved: CountBaselines): void {
    if (this.sites.has(siteId)) return;
    this.resumed.set(siteId, saved);
  }

  /**
   * After a restart, starts the site's level machine at the level of its open capacity alarm, so
   * hysteresis holds across the restart (a restored warning at 75% stays a warning instead of
   * clearing and being raised again at 80%).
   */
  seedLevel(siteId: string, level: 'warning' | 'critical', since: number): void {
    const current = this.sites.get(siteId)?.level.level;
    if (current !== undefined && current !== 'unknown') return;
    this.seeds.set(siteId, { level, since, warnPendingSince: null, critPendingSince: null });
  }

  /** What the sensors say before corrections and the clamp: absolute count, door net. */
  rawCounts(siteId: string): { absolute: number | null; doorNet: number | null } {
    const s = this.sites.get(siteId);
    return {
      absolute: s && s.absolute.size > 0 ? sum([...s.absolute.values()].map((r) => r.value)) : null,
      doorNet: s && s.doors.size > 0 ? sum([...s.doors.values()].map(netOf)) : null,
    };
  }

  /**
   * Zeroes the live count (daily reset, end of a bus line, by hand): every door counter restarts
   * from its current totals and the operator's offset goes. Absolute sensors (camera, depth) are
   * left alone: they measure the head count itself and do not drift (DOMAIN.md "Counting people").
   */
  resetCounts(siteId: string): CorrectionResult {
    const saved = this.resumed.get(siteId);
    if (saved) {
      saved.offset = 0;
      for (const door of Object.values(saved.doors)) door.zeroed = true;
    }
    const s = this.sites.get(siteId);
    if (!s) return { before: null, after: null };
    const before = this.occupancy(s);
    for (const door of s.doors.values()) resetDoorCounter(door);
    s.offset = 0;
    return { before, after: this.occupancy(s) };
  }

  /** True when the site has counts to correct, live or saved from before a restart. */
  counted(siteId: string): boolean {
    return this.sites.has(siteId) || this.resumed.has(siteId);
  }

  /**
   * Sets the live count to what an operator counted, as an offset over the sensors: the raw series
   * stay untouched and later readings move the count from the corrected value. Undefined when the
   * site has no count yet (nothing to correct).
   */
  correctCount(siteId: string, occupancy: number): CorrectionResult | undefined {
    const s = this.sites.get(siteId);
    const before = s ? this.occupancy(s) : null;
    if (!s || before === null) return undefined;
    s.offset = 0;
    s.offset = occupancy - (this.occupancy(s, false) ?? 0);
    return { before, after: this.occupancy(s) };
  }

  /** Drops a device's contribution (device deleted or moved to another site). */
  forgetDevice(deviceId: string): string[] {
    const affected: string[] = [];
    for (const [id, s] of this.sites) {
      // Not short-circuited: a gateway is both a door counter and an absolute sensor.
      const removed = [s.doors.delete(deviceId), s.absolute.delete(deviceId), s.devices.delete(deviceId)];
      s.temperatures.delete(`${deviceId}/body`);
      s.temperatures.delete(`${deviceId}/ambient`);
      if (removed.includes(true)) affected.push(id);
    }
    return affected;
  }

  /**
   * Absolute sensors (camera, depth) win over door counters, but only while online: a camera
   * whose last will came would otherwise hold its last head count for good. With every absolute
   * sensor offline the doors count; with no doors either, the last head counts stand (and the
   * device-offline alarm says why they do not move).
   */
  private occupancy(s: SiteRuntime, clamp = true): number | null {
    // Runs on every message and snapshot: loops, no arrays.
    let live = 0;
    let liveSum = 0;
    let lastSum = 0;
    for (const [id, r] of s.absolute) {
      lastSum += r.value;
      if (s.devices.get(id)?.online === false) continue;
      live++;
      liveSum += r.value;
    }
    let counted: number;
    if (live > 0) counted = liveSum;
    else if (s.doors.size > 0) {
      counted = 0;
      for (const door of s.doors.values()) counted += netOf(door);
    } else if (s.absolute.size > 0) counted = lastSum;
    else return null;
    return clamp ? Math.max(0, counted + s.offset) : counted + s.offset;
  }

  /**
   * Heard from = a live message other than the last will, like the deadman rule
   * (alarms/deadman-rule.ts): a will is the broker speaking for a dead device, and a retained
   * message replayed at subscribe time is old news. Online follows the last status (birth true,
   * will false); a retained one only until a live one arrives.
   */
  private presence(s: SiteRuntime, msg: DeviceMessage, now: number, retained: boolean): void {
    let p = s.devices.get(msg.deviceId);
    if (!p) {
      p = { lastSeenAt: null, online: null, liveStatus: false };
      s.devices.set(msg.deviceId, p);
    }
    const will = msg.stream === 'status' && !msg.payload.online;
    if (!retained && !will) {
      p.lastSeenAt = now;
      s.lastSeenAt = now;
    }
    if (msg.stream === 'status' && (!retained || !p.liveStatus)) {
      p.online = msg.payload.online;
      p.liveStatus ||= !retained;
    }
  }

  /** The site's devices still registered to it, by id, bounded for the published state. */
  private devicesOf(siteId: string, s: SiteRuntime): DevicePresence[] {
    const list: DevicePresence[] = [];
    for (const [id, p] of s.devices)
      if (this.registry.devices.get(id)?.siteId === siteId)
        list.push({ id, lastSeenAt: p.lastSeenAt, online: p.online });
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return list.slice(0, MAX_SITE_STATE_DEVICES);
  }

  /** `updatedAt` is the newest reading's device time, never later than when it arrived. */
  private touched(s: SiteRuntime, outcome: ApplyOutcome, ts: number, now: number): ApplyOutcome {
    if (outcome !== 'stale') s.updatedAt = Math.max(s.updatedAt ?? 0, Math.min(ts, now));
    return outcome;
  }

  private runtime(siteId: string, now: number): SiteRuntime {
    let s = this.sites.get(siteId);
    if (!s) {
      s = {
        doors: new Map(),
        absolute: new Map(),
        temperatures: new Map(),
        body: null,
        ambient: null,
        position: null,
        level: initialLevelState(now),
        updatedAt: null,
        lastSeenAt: null,
        offset: this.resumed.get(siteId)?.offset ?? 0,
        devices: new Map(),
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
