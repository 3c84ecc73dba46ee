import { describe, expect, it } from 'vitest';
import { siteCapacity } from '../shared/capacity.ts';
import { type DeviceMessage, streamSchemas } from '../shared/device-schemas.ts';
import { DEFAULT_POLICY_ID, findPreset } from '../shared/policy.ts';
import { safeParse } from '../shared/validation.ts';
import { batamScenario } from './batam-scenario.ts';
import { filterScenario, scenarioDevices, scenarioSites } from './scenario.ts';
import { createWorld } from './world-model.ts';

/** Monday 8 June 2020, 10:00 WIB. */
const MONDAY_10 = Date.UTC(2020, 5, 8, 3, 0);
const policy = findPreset(DEFAULT_POLICY_ID)!;

function run(seed: number, steps: number, stepMs = 1000, startMs = MONDAY_10) {
  const world = createWorld(batamScenario, { seed, startMs });
  const messages: DeviceMessage[] = [];
  for (let i = 1; i <= steps; i++) messages.push(...world.step(stepMs, startMs + i * 1000));
  return { world, messages };
}

/** Occupancy per site as ingest derives it: the sum of in - out of the site's counters' latest totals. */
function countedOccupancy(messages: DeviceMessage[]): Map<string, number> {
  const siteOf = new Map(scenarioDevices(batamScenario).map((d) => [d.id, d.siteId]));
  const latest = new Map<string, { in: number; out: number }>();
  for (const m of messages) if (m.stream === 'counts') latest.set(m.deviceId, m.payload);
  const bySite = new Map<string, number>();
  for (const [device, t] of latest) {
    const site = siteOf.get(device)!;
    bySite.set(site, (bySite.get(site) ?? 0) + t.in - t.out);
  }
  return bySite;
}

describe('world model', () => {
  it('produces the identical message sequence for the same seed and steps', () => {
    expect(run(2020, 300).messages).toEqual(run(2020, 300).messages);
  });

  it('produces a different sequence for a different seed', () => {
    expect(run(2021, 300).messages).not.toEqual(run(2020, 300).messages);
  });

  it('emits only messages that validate against the protocol v1 schemas', () => {
    const { messages } = run(7, 600, 5000);
    expect(messages.length).toBeGreaterThan(1000);
    const streams = new Set<string>();
    for (const m of messages) {
      streams.add(m.stream);
      const parsed = safeParse(streamSchemas[m.stream], m.payload);
      expect(parsed.ok ? 'ok' : `${m.deviceId}/${m.stream}: ${parsed.error}`).toBe('ok');
    }
    expect([...streams].sort()).toEqual(['counts', 'position', 'temperature']);
  });

  it('increments seq by one per message of each device', () => {
    const { messages } = run(3, 300);
    const last = new Map<string, number>();
    for (const m of messages) {
      const { seq } = m.payload as { seq: number };
      const previous = last.get(m.deviceId);
      expect(seq).toBe(previous === undefined ? 0 : previous + 1);
      last.set(m.deviceId, seq);
    }
  });

  it('never lets cumulative totals decrease within a boot, nor a site count go below zero', () => {
    const start = MONDAY_10;
    const world = createWorld(batamScenario, { seed: 11, startMs: start });
    const siteOf = new Map(world.devices.map((d) => [d.id, d.siteId]));
    const totals = new Map<string, { in: number; out: number }>();
    // Six model hours in 10 s steps: buses complete several laps, venues fill and empty.
    for (let i = 1; i <= 2160; i++) {
      for (const m of world.step(10_000, start + i * 1000)) {
        if (m.stream !== 'counts') continue;
        const before = totals.get(m.deviceId);
        if (before) {
          expect(m.payload.in).toBeGreaterThanOrEqual(before.in);
          expect(m.payload.out).toBeGreaterThanOrEqual(before.out);
        }
        totals.set(m.deviceId, m.payload);
      }
      const bySite = new Map<string, number>();
      for (const [device, t] of totals) {
        const site = siteOf.get(device)!;
        bySite.set(site, (bySite.get(site) ?? 0) + t.in - t.out);
      }
      for (const [site, n] of bySite) if (n < 0) expect.fail(`${site} counted ${n} at step ${i}`);
    }
  });

  it('counts at the doors exactly what the model holds', () => {
    const { world, messages } = run(5, 120);
    const counted = countedOccupancy(messages);
    const lastTs = Math.max(...messages.map((m) => m.payload.ts ?? 0));
    // Every counter reports within a heartbeat; compare at a step where all had their final say.
    const final = messages.concat(world.step(1000, lastTs + 60_000));
    const now = countedOccupancy(final);
    for (const site of world.sites()) expect(now.get(site.id)).toBe(site.occupancy);
    expect(counted.size).toBe(world.sites().length);
  });

  it('moves buses stop by stop in corridor order, turning at the terminals, inside Batam', () => {
    const world = createWorld(batamScenario, { seed: 9, startMs: MONDAY_10 });
    const visited = new Map<string, number[]>();
    for (let i = 1; i <= 4 * 360; i++) {
      const messages = world.step(10_000, MONDAY_10 + i * 1000);
      for (const m of messages) {
        if (m.stream !== 'position') continue;
        expect(m.payload.lat).toBeGreaterThanOrEqual(1.0);
        expect(m.payload.lat).toBeLessThanOrEqual(1.2);
        expect(m.payload.lon).toBeGreaterThanOrEqual(103.9);
        expect(m.payload.lon).toBeLessThanOrEqual(104.15);
      }
      for (const bus of world.buses()) visited.set(bus.id, [...(visited.get(bus.id) ?? []), ...bus.arrivals]);
    }
    for (const bus of batamScenario.buses) {
      const stops = batamScenario.corridors.find((c) => c.id === bus.corridor)!.stops.length;
      const seq = visited.get(bus.id)!;
      expect(seq.length, bus.id).toBeGreaterThan(stops);
      for (let k = 1; k < seq.length; k++)
        expect(Math.abs(seq[k]! - seq[k - 1]!), `${bus.id} ${seq}`).toBe(1);
      for (let k = 1; k < seq.length - 1; k++) {
        const reversed = Math.sign(seq[k]! - seq[k - 1]!) !== Math.sign(seq[k + 1]! - seq[k]!);
        if (reversed) expect([0, stops - 1]).toContain(seq[k]);
      }
    }
  });

  it('puts some sites over their safe capacity within the first 60 simulated seconds at speed 1', () => {
    const sites = scenarioSites(batamScenario);
    // Whatever the time of day: the demo incidents carry it (03:00 WIB, when buses and most venues are quiet).
    for (const startMs of [MONDAY_10, Date.UTC(2020, 5, 7, 20, 0)]) {
      const { messages } = run(2020, 60, 1000, startMs);
      const counted = countedOccupancy(messages);
      const over = sites.filter((s) => (counted.get(s.id) ?? 0) >= siteCapacity(s, policy).safeCapacity);
      const ids = over.map((s) => s.id);
      expect(ids).toEqual(
        expect.arrayContaining(['bus-k2-01', 'bus-k6-01', 'pasar-induk-jodoh', 'jembatan-barelang']),
      );
    }
  });

  it('resets a counter to zero on reset-counts and keeps counting from there', () => {
    const world = createWorld(batamScenario, { seed: 1, startMs: MONDAY_10 });
    world.step(1000, MONDAY_10 + 1000);
    expect(world.command('pasar-induk-jodoh-door-1', { op: 'reset-counts' })).toBe(true);
    expect(world.command('no-such-device', { op: 'reset-counts' })).toBe(false);
    const next = world.step(1000, MONDAY_10 + 2000).find((m) => m.deviceId === 'pasar-induk-jodoh-door-1');
    expect(next?.stream).toBe('counts');
    const payload = next!.payload as { in: number; out: number };
    expect(payload.in).toBeLessThan(20);
    expect(payload.out).toBeLessThan(20);
  });

  it('keeps the other sites unchanged when buses are filtered out', () => {
    const small = filterScenario(batamScenario, { maxBuses: 3 });
    expect(small.buses.map((b) => b.id).sort()).toEqual(['bus-k1-01', 'bus-k2-01', 'bus-k6-01']);
    const a = createWorld(small, { seed: 4, startMs: MONDAY_10 }).step(1000, MONDAY_10 + 1000);
    const b = createWorld(batamScenario, { seed: 4, startMs: MONDAY_10 }).step(1000, MONDAY_10 + 1000);
    const venue = (ms: DeviceMessage[]) => ms.filter((m) => m.deviceId.startsWith('pasar-'));
    expect(venue(a)).toEqual(venue(b));
  });
});
