/**
 * The shape of a simulated city: bus corridors with their stops, buses, venues and the demo
 * incidents that start at time zero. Pure data plus the derivations the installer needs (the
 * registry sites and devices). The Batam instance lives in batam-scenario.ts.
 */
import type { DeviceInput, DeviceType, SiteInput, SiteKind } from '../shared/registry-schemas.ts';

export interface Stop {
  name: string;
  lat: number;
  lon: number;
  /** Relative boarding demand; 1 is an ordinary roadside halte, 3 a terminal or industrial gate. */
  demand: number;
}

export interface Corridor {
  /** Trans Batam corridor code, e.g. `K1`. */
  id: string;
  name: string;
  /** In driving order from the first terminal to the second; buses run back and forth. */
  stops: Stop[];
  /** Typical cruising speed between stops. */
  cruiseKmh: number;
}

/** Batam Pos, 7 Jul 2021: large bus ~80, small bus ~50 (DOMAIN.md). */
export const BUS_DESIGN_CAPACITY = { large: 80, small: 50 } as const;
export type BusSize = keyof typeof BUS_DESIGN_CAPACITY;

export interface BusSpec {
  /** Site id, e.g. `bus-k1-01`; its gateway is `<id>-gw`. */
  id: string;
  corridor: string;
  size: BusSize;
}

/** A daily demand profile: the expected occupancy as a share of design capacity, per hour. */
export type ProfileId =
  | 'market'
  | 'market-wholesale'
  | 'attraction'
  | 'attraction-daytime'
  | 'office'
  | 'mall';

export interface VenueSpec {
  site: SiteInput & {
    kind: Exclude<SiteKind, 'bus'>;
    areaM2: number;
    location: { lat: number; lon: number };
  };
  /** Entrances with a door counter (`<id>-door-1`, `<id>-door-2`). */
  doors: 1 | 2;
  profile: ProfileId;
  /** How long a visitor stays on average. */
  meanStayMin: number;
  /** Whether the thermal scanner's ambient reading is outdoors (beach, bridge) or indoors. */
  outdoor: boolean;
}

/**
 * Demo incidents at time zero, so a fresh dashboard shows critical sites within the first real
 * minute whatever the time of day.
 */
export type Incident =
  /** A crowd waiting at the bus's first stop (a shift change at an industrial gate). */
  | { kind: 'bus-queue'; siteId: string; queue: number }
  /** A venue that is nearly full at start and keeps filling for a while. */
  | { kind: 'venue-surge'; siteId: string; startShareOfSafe: number; extraPerMin: number; forMin: number };

export interface Scenario {
  corridors: Corridor[];
  buses: BusSpec[];
  venues: VenueSpec[];
  incidents: Incident[];
}

export interface ScenarioFilter {
  /** Keep at most this many buses (incident buses first, then corridor by corridor). */
  maxBuses?: number | undefined;
  /** Keep only these site ids. */
  sites?: string[] | undefined;
  /** Drop the demo incidents (tests of the daily profiles). */
  incidents?: boolean | undefined;
}

export const gatewayId = (busId: string) => `${busId}-gw`;
export const doorId = (venueId: string, door: number) => `${venueId}-door-${door}`;
export const thermalId = (venueId: string) => `${venueId}-thermal`;

/**
 * A smaller scenario for demos on small machines and for tests.
 *
 * @example filterScenario(batamScenario, { maxBuses: 4 }).buses.length // 4
 */
export function filterScenario(scenario: Scenario, filter: ScenarioFilter = {}): Scenario {
  const wanted = filter.sites ? new Set(filter.sites) : undefined;
  const incidentIds = new Set(scenario.incidents.map((i) => i.siteId));
  let buses = scenario.buses.filter((b) => !wanted || wanted.has(b.id));
  if (filter.maxBuses !== undefined) {
    const first = buses.filter((b) => incidentIds.has(b.id));
    const rest = buses.filter((b) => !incidentIds.has(b.id));
    const keep = new Set([...first, ...rest].slice(0, filter.maxBuses));
    buses = buses.filter((b) => keep.has(b));
  }
  const venues = scenario.venues.filter((v) => !wanted || wanted.has(v.site.id));
  const kept = new Set([...buses.map((b) => b.id), ...venues.map((v) => v.site.id)]);
  const corridorIds = new Set(buses.map((b) => b.corridor));
  return {
    corridors: scenario.corridors.filter((c) => corridorIds.has(c.id)),
    buses,
    venues,
    incidents: filter.incidents === false ? [] : scenario.incidents.filter((i) => kept.has(i.siteId)),
  };
}

export function corridorOf(scenario: Scenario, bus: BusSpec): Corridor {
  const corridor = scenario.corridors.find((c) => c.id === bus.corridor);
  if (!corridor) throw new Error(`Bus '${bus.id}' runs on unknown corridor '${bus.corridor}'`);
  return corridor;
}

/** The registry sites (`POST /api/sites` bodies), buses first. */
export function scenarioSites(scenario: Scenario): SiteInput[] {
  const buses = scenario.buses.map((bus): SiteInput => {
    const corridor = corridorOf(scenario, bus);
    const first = corridor.stops[0]!;
    const number = bus.id.split('-').pop();
    return {
      id: bus.id,
      name: `Trans Batam ${corridor.id} #${number} (${corridor.name})`,
      kind: 'bus',
      designCapacity: BUS_DESIGN_CAPACITY[bus.size],
      location: { lat: first.lat, lon: first.lon },
      route: corridor.id,
    };
  });
  return [...buses, ...scenario.venues.map((v) => v.site)];
}

/** The registry devices (`POST /api/devices` bodies), in the order they are provisioned. */
export function scenarioDevices(scenario: Scenario): DeviceInput[] {
  const device = (id: string, siteId: string, type: DeviceType, name: string): DeviceInput => ({
    id,
    siteId,
    type,
    name,
  });
  return [
    ...scenario.buses.map((b) => device(gatewayId(b.id), b.id, 'gateway', 'Bus gateway (doors + GPS)')),
    ...scenario.venues.flatMap((v) => [
      ...Array.from({ length: v.doors }, (_, i) =>
        device(doorId(v.site.id, i + 1), v.site.id, 'door-counter', `Door counter ${i + 1}`),
      ),
      device(thermalId(v.site.id), v.site.id, 'thermal-scanner', 'Thermal scanner at the entrance'),
    ]),
  ];
}
