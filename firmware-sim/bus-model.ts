/**
 * One Trans Batam bus: drives stop to stop along its corridor and back, dwelling at each stop
 * while passengers alight (first) and board through the doors one by one. Everyone alights at a
 * terminal, which is how a bus's count returns to zero at the end of its line (DOMAIN.md
 * "Counting people"). Pure: all randomness comes from the bus's own Rng.
 */
import { bearingDeg, distanceM } from '../shared/geo.ts';
import { busDemand } from './demand-profiles.ts';
import { binomial, poisson, type Rng, uniform } from './sampling.ts';
import type { Corridor, Stop } from './scenario.ts';
import type { LocalTime } from './sim-time.ts';

/** Passengers waiting at an ordinary stop (demand 1) at peak, per bus. */
const PEAK_BOARDING = 5;
/** Door open/close and pulling in/out, on top of the time passengers take. */
const DWELL_BASE_MS = 12_000;

export interface BusState {
  readonly corridor: Corridor;
  readonly designCapacity: number;
  /** Time for one passenger through the doors: large buses have two doors. */
  readonly perPersonMs: number;
  stopIndex: number;
  direction: 1 | -1;
  phase: 'dwell' | 'drive';
  onboard: number;
  // dwell
  alightLeft: number;
  boardLeft: number;
  doorCreditMs: number;
  dwellLeftMs: number;
  // drive
  nextIndex: number;
  segmentM: number;
  doneM: number;
  speedKmh: number;
  lat: number;
  lon: number;
  heading: number;
}

export interface BusFlow {
  boarded: number;
  alighted: number;
  /** Stops arrived at during the step, in order (the test checks they follow the corridor). */
  arrivals: number[];
}

/** Heading as the firmware reports it: 0.1° steps, 0 <= heading < 360 (0 = north). */
function heading(a: Stop, b: Stop): number {
  const deg = Math.round(bearingDeg(a, b) * 10) / 10;
  return deg >= 360 ? 0 : deg;
}

const isTerminal = (bus: BusState, index: number) => index === 0 || index === bus.corridor.stops.length - 1;

export function createBus(
  corridor: Corridor,
  designCapacity: number,
  startIndex: number,
  direction: 1 | -1,
): BusState {
  const stop = corridor.stops[startIndex]!;
  const last = corridor.stops.length - 1;
  return {
    corridor,
    designCapacity,
    perPersonMs: designCapacity >= 80 ? 600 : 1000,
    stopIndex: startIndex,
    direction: startIndex === 0 ? 1 : startIndex === last ? -1 : direction,
    phase: 'dwell',
    onboard: 0,
    alightLeft: 0,
    boardLeft: 0,
    doorCreditMs: 0,
    dwellLeftMs: DWELL_BASE_MS,
    nextIndex: startIndex,
    segmentM: 0,
    doneM: 0,
    speedKmh: 0,
    lat: stop.lat,
    lon: stop.lon,
    heading: 0,
  };
}

/** Passengers waiting for this bus at a stop, given the time of day. */
function waiting(rng: Rng, stop: Stop, t: LocalTime): number {
  return poisson(rng, PEAK_BOARDING * stop.demand * busDemand(t));
}

function arrive(bus: BusState, rng: Rng, t: LocalTime): void {
  bus.stopIndex = bus.nextIndex;
  const stop = bus.corridor.stops[bus.stopIndex]!;
  bus.phase = 'dwell';
  bus.speedKmh = 0;
  bus.lat = stop.lat;
  bus.lon = stop.lon;
  bus.dwellLeftMs = DWELL_BASE_MS;
  bus.doorCreditMs = 0;
  if (isTerminal(bus, bus.stopIndex)) {
    bus.alightLeft = bus.onboard;
    bus.direction = bus.stopIndex === 0 ? 1 : -1;
  } else {
    bus.alightLeft = binomial(rng, bus.onboard, Math.min(0.6, 0.12 * stop.demand));
  }
  bus.boardLeft = waiting(rng, stop, t);
}

function depart(bus: BusState, rng: Rng): void {
  const from = bus.corridor.stops[bus.stopIndex]!;
  bus.nextIndex = bus.stopIndex + bus.direction;
  const to = bus.corridor.stops[bus.nextIndex]!;
  bus.phase = 'drive';
  bus.segmentM = distanceM(from, to);
  bus.doneM = 0;
  bus.speedKmh = Math.round(bus.corridor.cruiseKmh * uniform(rng, 0.75, 1.2) * 10) / 10;
  bus.heading = heading(from, to);
}

/** Passengers through the doors for `ms` of dwell; returns the time left over. */
function doors(bus: BusState, ms: number, flow: BusFlow): number {
  const people = bus.alightLeft + bus.boardLeft;
  const needed = people * bus.perPersonMs - bus.doorCreditMs;
  const moved = needed <= ms ? people : Math.floor((bus.doorCreditMs + ms) / bus.perPersonMs);
  bus.doorCreditMs = needed <= ms ? 0 : bus.doorCreditMs + ms - moved * bus.perPersonMs;
  const alight = Math.min(moved, bus.alightLeft);
  bus.alightLeft -= alight;
  bus.onboard -= alight;
  flow.alighted += alight;
  // The driver lets nobody on past the bus's design capacity; the rest wait for the next bus.
  const board = Math.min(moved - alight, bus.boardLeft, bus.designCapacity - bus.onboard);
  bus.boardLeft = bus.designCapacity - bus.onboard - board <= 0 ? 0 : bus.boardLeft - board;
  bus.onboard += board;
  flow.boarded += board;
  return needed <= ms ? ms - needed : 0;
}

/**
 * Advances the bus by `dtMs` of model time.
 *
 * @example stepBus(bus, 1000, rng, localTime(Date.now())) // { boarded: 1, alighted: 0, arrivals: [] }
 */
export function stepBus(bus: BusState, dtMs: number, rng: Rng, t: LocalTime): BusFlow {
  const flow: BusFlow = { boarded: 0, alighted: 0, arrivals: [] };
  let left = dtMs;
  // Bounded so a huge step cannot spin forever; a few laps of the corridor at most.
  for (let guard = 0; left > 0 && guard < 1000; guard++) {
    if (bus.phase === 'dwell') {
      if (bus.alightLeft + bus.boardLeft > 0) {
        left = doors(bus, left, flow);
        continue;
      }
      const wait = Math.min(left, bus.dwellLeftMs);
      bus.dwellLeftMs -= wait;
      left -= wait;
      if (bus.dwellLeftMs <= 0) depart(bus, rng);
      continue;
    }
    const speedMs = bus.speedKmh / 3.6 / 1000;
    const toGo = bus.segmentM - bus.doneM;
    if (toGo <= speedMs * left) {
      left -= toGo / speedMs;
      arrive(bus, rng, t);
      flow.arrivals.push(bus.stopIndex);
      continue;
    }
    bus.doneM += speedMs * left;
    left = 0;
    const from = bus.corridor.stops[bus.stopIndex]!;
    const to = bus.corridor.stops[bus.nextIndex]!;
    const f = bus.doneM / bus.segmentM;
    bus.lat = from.lat + (to.lat - from.lat) * f;
    bus.lon = from.lon + (to.lon - from.lon) * f;
  }
  return flow;
}

/**
 * Places a bus somewhere along its corridor at start, carrying a plausible load for the hour, so
 * a fresh demo does not begin with every bus empty at a terminal.
 */
export function warmStartBus(bus: BusState, rng: Rng, t: LocalTime): void {
  if (isTerminal(bus, bus.stopIndex)) {
    bus.direction = bus.stopIndex === 0 ? 1 : -1;
    return;
  }
  bus.onboard = Math.min(bus.designCapacity, poisson(rng, bus.designCapacity * 0.45 * busDemand(t)));
  depart(bus, rng);
  bus.doneM = bus.segmentM * uniform(rng, 0, 0.9);
}
