/**
 * Batam as the demo fleet sees it. Corridors and place names from DOMAIN.md ("The seed's
 * setting": Batam Pos 2016, Media Center Batam 2017); coordinates are approximate (within a few
 * hundred metres of the real places), good enough for a map, not for navigation. Data only.
 */
import { BATAM_CORRIDORS, BATAM_STOPS } from '../shared/corridors.ts';
import type { Corridor, Scenario, Stop, VenueSpec } from './scenario.ts';

/**
 * Boarding demand per stop (scenario.ts `Stop.demand`: 1 is an ordinary roadside halte, 3 a
 * terminal or industrial gate). The corridors themselves live in shared/corridors.ts, so the
 * dashboard's GTFS feeds describe the same routes the simulated buses drive.
 */
const DEMAND: Partial<Record<keyof typeof BATAM_STOPS, number>> = {
  sekupang: 2.5,
  tibanCentre: 1.5,
  simpangJam: 1.5,
  frengki: 1.5,
  batamCentre: 3,
  botania: 1.5,
  penuin: 1.5,
  nagoya: 2,
  jodoh: 3,
  tanjungUncang: 2.5,
  fanindo: 1.5,
  batuAji: 1.5,
  mukaKuning: 3,
  tanjungPiayu: 2,
  hangNadim: 2,
  nongsa: 1.5,
  punggur: 2,
};

const demandById = new Map(
  Object.entries(BATAM_STOPS).map(([key, s]) => [s.id, DEMAND[key as keyof typeof BATAM_STOPS] ?? 1]),
);

export const batamCorridors: Corridor[] = BATAM_CORRIDORS.map(
  (c): Corridor => ({
    id: c.id,
    name: c.name,
    cruiseKmh: c.cruiseKmh,
    stops: c.stops.map(
      (s): Stop => ({ name: s.name, lat: s.lat, lon: s.lon, demand: demandById.get(s.id) ?? 1 }),
    ),
  }),
);

const buses = (corridorId: string, sizes: Array<'large' | 'small'>) =>
  sizes.map((size, i) => ({
    id: `bus-${corridorId.toLowerCase()}-${String(i + 1).padStart(2, '0')}`,
    corridor: corridorId,
    size,
  }));

type VenueArgs = Omit<VenueSpec, 'site'> & VenueSpec['site'];
const venue = ({ doors, profile, meanStayMin, outdoor, ...site }: VenueArgs): VenueSpec => ({
  site,
  doors,
  profile,
  meanStayMin,
  outdoor,
});

/**
 * Venues. Usable areas exclude stalls and counters (DOMAIN.md "Safe capacity"); with the default
 * policy (new-normal-1: venues 50%, 1 m) the policy share binds everywhere except where noted.
 */
export const batamVenues: VenueSpec[] = [
  // Markets: early-morning peak; Pasar Induk Jodoh is the wholesale market that starts before dawn.
  venue({
    id: 'pasar-induk-jodoh',
    name: 'Pasar Induk Jodoh',
    kind: 'market',
    designCapacity: 1200,
    areaM2: 900,
    location: { lat: 1.1478, lon: 104.0089 },
    doors: 2,
    profile: 'market-wholesale',
    meanStayMin: 40,
    outdoor: false,
  }),
  venue({
    id: 'pasar-tos-3000',
    name: 'Pasar Tos 3000',
    kind: 'market',
    designCapacity: 800,
    areaM2: 700,
    location: { lat: 1.1468, lon: 104.0112 },
    doors: 2,
    profile: 'market',
    meanStayMin: 35,
    outdoor: false,
  }),
  venue({
    id: 'pasar-botania',
    name: 'Pasar Botania',
    kind: 'market',
    designCapacity: 600,
    areaM2: 500,
    location: { lat: 1.1262, lon: 104.0668 },
    doors: 1,
    profile: 'market',
    meanStayMin: 30,
    outdoor: false,
  }),
  venue({
    id: 'pasar-fanindo',
    name: 'Pasar Fanindo',
    kind: 'market',
    designCapacity: 500,
    areaM2: 450,
    location: { lat: 1.0565, lon: 103.9645 },
    doors: 1,
    profile: 'market',
    meanStayMin: 30,
    outdoor: false,
  }),
  venue({
    id: 'pasar-aviari',
    name: 'Pasar Aviari (Batu Aji)',
    kind: 'market',
    designCapacity: 700,
    areaM2: 600,
    location: { lat: 1.047, lon: 103.9738 },
    doors: 2,
    profile: 'market',
    meanStayMin: 35,
    outdoor: false,
  }),
  // Attractions: evening and weekend peaks (SE Wali Kota Batam 47/2021 capped them at 50%).
  venue({
    id: 'jembatan-barelang',
    name: 'Jembatan Barelang',
    kind: 'attraction',
    designCapacity: 1500,
    areaM2: 2500,
    location: { lat: 1.0065, lon: 104.0263 },
    doors: 1,
    profile: 'attraction',
    meanStayMin: 45,
    outdoor: true,
  }),
  venue({
    id: 'pantai-nongsa',
    name: 'Pantai Nongsa',
    kind: 'attraction',
    designCapacity: 2000,
    areaM2: 10_000,
    location: { lat: 1.1975, lon: 104.105 },
    doors: 2,
    profile: 'attraction',
    meanStayMin: 90,
    outdoor: true,
  }),
  venue({
    id: 'ocarina-park',
    name: 'Ocarina Park',
    kind: 'attraction',
    designCapacity: 3000,
    areaM2: 20_000,
    location: { lat: 1.156, lon: 104.062 },
    doors: 2,
    profile: 'attraction',
    meanStayMin: 120,
    outdoor: true,
  }),
  venue({
    id: 'harbour-bay',
    name: 'Harbour Bay',
    kind: 'attraction',
    designCapacity: 1500,
    areaM2: 4000,
    location: { lat: 1.1532, lon: 103.9985 },
    doors: 2,
    profile: 'attraction',
    meanStayMin: 75,
    outdoor: true,
  }),
  venue({
    id: 'kampung-vietnam-galang',
    name: 'Kampung Vietnam (Galang)',
    kind: 'attraction',
    designCapacity: 800,
    areaM2: 15_000,
    location: { lat: 0.7596, lon: 104.2462 },
    doors: 1,
    profile: 'attraction-daytime',
    meanStayMin: 90,
    outdoor: true,
  }),
  // A small hilltop viewpoint: the area rule binds (300 m2 at 1 m -> 300 < 50% of 800).
  venue({
    id: 'welcome-to-batam',
    name: 'Monumen Welcome to Batam',
    kind: 'attraction',
    designCapacity: 800,
    areaM2: 300,
    location: { lat: 1.1252, lon: 104.0372 },
    doors: 1,
    profile: 'attraction',
    meanStayMin: 25,
    outdoor: true,
  }),
  venue({
    id: 'mpp-batam',
    name: 'Mal Pelayanan Publik (MPP) Batam',
    kind: 'public-service',
    designCapacity: 500,
    areaM2: 400,
    location: { lat: 1.1289, lon: 104.0527 },
    doors: 1,
    profile: 'office',
    meanStayMin: 50,
    outdoor: false,
  }),
  venue({
    id: 'mega-mall-batam-centre',
    name: 'Mega Mall Batam Centre',
    kind: 'mall',
    designCapacity: 5000,
    areaM2: 12_000,
    location: { lat: 1.1306, lon: 104.0563 },
    doors: 2,
    profile: 'mall',
    meanStayMin: 110,
    outdoor: false,
  }),
  venue({
    id: 'nagoya-hill',
    name: 'Nagoya Hill Mall',
    kind: 'mall',
    designCapacity: 4000,
    areaM2: 10_000,
    location: { lat: 1.1453, lon: 104.0084 },
    doors: 2,
    profile: 'mall',
    meanStayMin: 100,
    outdoor: false,
  }),
];

/**
 * The default demo. Its incidents put two buses and two venues over their safe capacity within
 * the first real minute at speed 1 (checked by world-model.test.ts with shared/capacity.ts and the
 * default policy): a large K2 bus and a small K6 bus boarding a shift change at their first stop,
 * the wholesale market and the Barelang bridge surging.
 */
export const batamScenario: Scenario = {
  corridors: batamCorridors,
  buses: [
    ...buses('K1', ['large', 'large', 'large']),
    ...buses('K2', ['large', 'large', 'small']),
    ...buses('K3', ['large', 'large', 'large']),
    ...buses('K4', ['small', 'small']),
    ...buses('K5', ['large', 'small', 'large']),
    ...buses('K6', ['small', 'small']),
    ...buses('K7', ['small', 'small']),
    ...buses('K8', ['small', 'large']),
  ],
  venues: batamVenues,
  incidents: [
    { kind: 'bus-queue', siteId: 'bus-k2-01', queue: 66 },
    { kind: 'bus-queue', siteId: 'bus-k6-01', queue: 44 },
    { kind: 'venue-surge', siteId: 'pasar-induk-jodoh', startShareOfSafe: 0.97, extraPerMin: 90, forMin: 20 },
    { kind: 'venue-surge', siteId: 'jembatan-barelang', startShareOfSafe: 0.96, extraPerMin: 90, forMin: 15 },
  ],
};
