/**
 * The simulated world: buses and venues moved forward in fixed steps of model time, and the
 * messages their devices send. Pure and deterministic: the same scenario, seed, start time and
 * sequence of `step(dtMs, wallTs)` calls give the same messages (world-model.test.ts). The
 * runtime (create-simulator.ts) decides how model time relates to the wall clock; `wallTs` is
 * only what devices stamp on their messages and when they report.
 */
import { siteCapacity } from '../shared/capacity.ts';
import type { CmdMsg, DeviceMessage } from '../shared/device-schemas.ts';
import { DEFAULT_POLICY_ID, findPreset, type PolicyPreset } from '../shared/policy.ts';
import type { DeviceInput, SiteKind } from '../shared/registry-schemas.ts';
import { type BusState, createBus, stepBus, warmStartBus } from './bus-model.ts';
import { outdoorCelsius } from './demand-profiles.ts';
import { entityRng, normal, poisson, type Rng, uniform } from './sampling.ts';
import {
  BUS_DESIGN_CAPACITY,
  type BusSpec,
  corridorOf,
  doorId,
  gatewayId,
  type Scenario,
  scenarioDevices,
  thermalId,
  type VenueSpec,
} from './scenario.ts';
import { SimFirmware } from './sim-firmware.ts';
import { localTime } from './sim-time.ts';
import { createVenue, expectedOccupancy, stepVenue, type VenueState } from './venue-model.ts';

/** Share of entrants with a fever (>= 37.3 C), and of those, with >= 38 C. */
const FEVER_RATE = 0.004;
const HIGH_FEVER_SHARE = 0.2;
/** Enough draws per step to keep fevers occasional without scanning thousands at a big step. */
const MAX_SCANS_PER_STEP = 200;

export interface WorldOptions {
  seed: number;
  /** Epoch ms of the model's first instant (local time of day comes from it, in WIB). */
  startMs: number;
  /** Policy used to size the incidents against safe capacity; default the city default. */
  policy?: PolicyPreset;
}

export interface SiteSnapshot {
  id: string;
  kind: SiteKind;
  /** The true head count in the model (the devices only see door events). */
  occupancy: number;
}

export interface BusSnapshot {
  id: string;
  corridor: string;
  stopIndex: number;
  direction: 1 | -1;
  atStop: boolean;
  lat: number;
  lon: number;
  /** Stops arrived at during the last step. */
  arrivals: number[];
}

export interface World {
  readonly devices: readonly DeviceInput[];
  /** Advances model time by `dtMs`; returns the messages the devices send, stamped `wallTs`. */
  step(dtMs: number, wallTs: number): DeviceMessage[];
  /** Applies a command from the device's `cmd` topic; false when the device does not exist. */
  command(deviceId: string, cmd: CmdMsg): boolean;
  modelTime(): number;
  sites(): SiteSnapshot[];
  buses(): BusSnapshot[];
}

interface BusEntity {
  spec: BusSpec;
  state: BusState;
  rng: Rng;
  gw: SimFirmware;
  arrivals: number[];
}

interface VenueEntity {
  spec: VenueSpec;
  state: VenueState;
  rng: Rng;
  doors: SimFirmware[];
  thermal: SimFirmware;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function bodyTemperature(rng: Rng): number {
  if (rng() < FEVER_RATE)
    return round1(rng() < HIGH_FEVER_SHARE ? uniform(rng, 38, 39.4) : uniform(rng, 37.3, 37.9));
  return round1(Math.min(37.2, Math.max(35.8, normal(rng, 36.6, 0.25))));
}

/**
 * Builds the world at `startMs`, warm: buses spread along their corridors with passengers and
 * venues at the occupancy their profile expects, as if the devices had been counting since the
 * daily reset (so in - out of a site's counters is its head count from the first message).
 *
 * @example
 * const world = createWorld(batamScenario, { seed: 2020, startMs: Date.now() });
 * const messages = world.step(1000, Date.now());
 */
export function createWorld(scenario: Scenario, options: WorldOptions): World {
  const policy = options.policy ?? findPreset(DEFAULT_POLICY_ID)!;
  let modelMs = options.startMs;
  const t0 = localTime(modelMs);
  const incident = (id: string) => scenario.incidents.find((i) => i.siteId === id);

  const perCorridor = new Map<string, number>();
  const buses: BusEntity[] = scenario.buses.map((spec) => {
    const corridor = corridorOf(scenario, spec);
    const n = scenario.buses.filter((b) => b.corridor === spec.corridor).length;
    const j = perCorridor.get(spec.corridor) ?? 0;
    perCorridor.set(spec.corridor, j + 1);
    const rng = entityRng(options.seed, spec.id);
    const lap = 2 * (corridor.stops.length - 1);
    const pos = Math.floor((j * lap) / n);
    const [index, direction] = pos <= lap / 2 ? [pos, 1 as const] : [lap - pos, -1 as const];
    const state = createBus(corridor, BUS_DESIGN_CAPACITY[spec.size], index, direction);
    const queue = incident(spec.id);
    if (queue?.kind === 'bus-queue') state.boardLeft = queue.queue;
    else warmStartBus(state, rng, t0);
    const gw = new SimFirmware(gatewayId(spec.id), spec.id, 'gateway');
    const before = poisson(rng, state.designCapacity * 2);
    gw.count(state.onboard + before, before);
    return { spec, state, rng, gw, arrivals: [] };
  });

  const venues: VenueEntity[] = scenario.venues.map((spec) => {
    const id = spec.site.id;
    const rng = entityRng(options.seed, id);
    const surge = incident(id);
    let occupancy = Math.round(expectedOccupancy(spec, t0) * uniform(rng, 0.9, 1.1));
    const state = createVenue(spec, occupancy);
    if (surge?.kind === 'venue-surge') {
      occupancy = Math.ceil(siteCapacity(spec.site, policy).safeCapacity * surge.startShareOfSafe);
      state.occupancy = occupancy;
      state.surgePerMin = surge.extraPerMin;
      state.surgeLeftMs = surge.forMin * 60_000;
    }
    const doors = Array.from(
      { length: spec.doors },
      (_, i) => new SimFirmware(doorId(id, i + 1), id, 'door-counter'),
    );
    const left = poisson(rng, occupancy * 1.5 + spec.site.designCapacity * 0.1);
    const share = spec.doors === 1 ? 1 : 0.6;
    const in1 = Math.round((occupancy + left) * share);
    const out1 = Math.round(left * share);
    doors[0]!.count(in1, out1);
    doors[1]?.count(occupancy + left - in1, left - out1);
    return { spec, state, rng, doors, thermal: new SimFirmware(thermalId(id), id, 'thermal-scanner') };
  });

  const firmware = new Map<string, SimFirmware>(
    [...buses.map((b) => b.gw), ...venues.flatMap((v) => [...v.doors, v.thermal])].map((f) => [f.id, f]),
  );

  function stepBusEntity(bus: BusEntity, dtMs: number, wallTs: number, out: DeviceMessage[]): void {
    const flow = stepBus(bus.state, dtMs, bus.rng, localTime(modelMs));
    bus.arrivals = flow.arrivals;
    bus.gw.count(flow.boarded, flow.alighted);
    const counts = bus.gw.countsDue(wallTs);
    if (counts) out.push(counts);
    const s = bus.state;
    const fix = {
      lat: s.lat,
      lon: s.lon,
      speedKmh: s.phase === 'drive' ? s.speedKmh : 0,
      heading: s.heading,
    };
    const position = bus.gw.positionDue(wallTs, fix);
    if (position) out.push(position);
  }

  function stepVenueEntity(venue: VenueEntity, dtMs: number, wallTs: number, out: DeviceMessage[]): void {
    const t = localTime(modelMs);
    const flow = stepVenue(venue.state, dtMs, venue.rng, t);
    venue.doors.forEach((door, i) => {
      door.count(flow.in[i] ?? 0, flow.out[i] ?? 0);
      const counts = door.countsDue(wallTs);
      if (counts) out.push(counts);
    });
    for (let k = 0; k < Math.min(flow.entrants, MAX_SCANS_PER_STEP); k++)
      venue.thermal.scanned(bodyTemperature(venue.rng));
    const body = venue.thermal.bodyDue(wallTs);
    if (body) out.push(body);
    const ambient = venue.thermal.ambientDue(wallTs, () => {
      const crowd = venue.state.occupancy / Math.max(1, venue.spec.site.designCapacity);
      const base = venue.spec.outdoor ? outdoorCelsius(t) : 26 + 3 * crowd;
      return round1(base + normal(venue.rng, 0, 0.2));
    });
    if (ambient) out.push(ambient);
  }

  return {
    devices: scenarioDevices(scenario),
    step(dtMs, wallTs) {
      if (!(dtMs > 0)) throw new RangeError(`step must be > 0 ms, got ${dtMs}`);
      const ts = Math.floor(wallTs);
      modelMs += dtMs;
      const out: DeviceMessage[] = [];
      for (const bus of buses) stepBusEntity(bus, dtMs, ts, out);
      for (const venue of venues) stepVenueEntity(venue, dtMs, ts, out);
      return out;
    },
    command(deviceId, cmd) {
      const fw = firmware.get(deviceId);
      if (!fw) return false;
      if (cmd.op === 'reset-counts') fw.resetCounts();
      else if (cmd.op === 'reboot') fw.reboot();
      return true;
    },
    modelTime: () => modelMs,
    sites: () => [
      ...buses.map((b) => ({ id: b.spec.id, kind: 'bus' as const, occupancy: b.state.onboard })),
      ...venues.map((v) => ({ id: v.spec.site.id, kind: v.spec.site.kind, occupancy: v.state.occupancy })),
    ],
    buses: () =>
      buses.map((b) => ({
        id: b.spec.id,
        corridor: b.spec.corridor,
        stopIndex: b.state.stopIndex,
        direction: b.state.direction,
        atStop: b.state.phase === 'dwell',
        lat: b.state.lat,
        lon: b.state.lon,
        arrivals: b.arrivals,
      })),
  };
}
