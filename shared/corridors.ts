/**
 * The Trans Batam corridors K1-K8 (DOMAIN.md "The seed's setting": Batam Pos 2016, Media Center
 * Batam 2017): ids, names, and their stops in driving order with coordinates. One definition for
 * the simulator (firmware-sim drives buses along them) and the dashboard (the static GTFS feed and
 * the trips of GTFS-Realtime), so a bus site's `route` (e.g. `K1`) means the same corridor
 * everywhere. Coordinates are approximate (within a few hundred metres of the real places): good
 * enough for a map and a journey planner's overview, not for navigation. Data only.
 */
import type { LatLon } from './registry-schemas.ts';

export interface CorridorStop extends LatLon {
  /** Stable id (GTFS `stop_id`), kebab-case. */
  id: string;
  name: string;
}

export interface CorridorDef {
  /** Trans Batam corridor code, what bus sites carry in `route` (GTFS `route_id`). */
  id: string;
  /** `<first terminal> - <second terminal>`. */
  name: string;
  /** Typical cruising speed between stops. */
  cruiseKmh: number;
  /** In driving order from the first terminal to the second; buses run back and forth. */
  stops: CorridorStop[];
}

const stop = (id: string, name: string, lat: number, lon: number): CorridorStop => ({ id, name, lat, lon });

/** Every stop of the network; several corridors share most of them. */
export const BATAM_STOPS = {
  sekupang: stop('sekupang', 'Pelabuhan Sekupang', 1.1224, 103.9413),
  seiHarapan: stop('sei-harapan', 'Sei Harapan', 1.1168, 103.95),
  tibanCentre: stop('tiban-centre', 'Tiban Centre', 1.1155, 103.965),
  tibanKampung: stop('tiban-kampung', 'Tiban Kampung', 1.0955, 103.9585),
  baseCamp: stop('simpang-base-camp', 'Simpang Base Camp', 1.119, 103.989),
  simpangJam: stop('simpang-jam', 'Simpang Jam', 1.1213, 104.0198),
  baloi: stop('baloi', 'Baloi', 1.125, 104.033),
  seiPanas: stop('sei-panas', 'Sei Panas', 1.13, 104.039),
  frengki: stop('simpang-frengki', 'Simpang Frengki', 1.1175, 104.044),
  batamCentre: stop('terminal-batam-centre', 'Terminal Batam Centre', 1.1282, 104.0532),
  botania: stop('botania', 'Botania', 1.127, 104.066),
  penuin: stop('penuin', 'Penuin', 1.1405, 104.012),
  nagoya: stop('nagoya', 'Nagoya', 1.143, 104.008),
  jodoh: stop('terminal-jodoh', 'Terminal Jodoh', 1.1466, 104.0066),
  bengkong: stop('bengkong', 'Bengkong', 1.15, 104.035),
  tanjungUncang: stop('tanjung-uncang', 'Tanjung Uncang', 1.045, 103.958),
  fanindo: stop('pasar-fanindo', 'Pasar Fanindo', 1.056, 103.964),
  sagulung: stop('sagulung', 'Sagulung', 1.06, 103.973),
  batuAji: stop('batu-aji', 'Batu Aji (Pasar Aviari)', 1.0465, 103.9745),
  tembesi: stop('tembesi', 'Tembesi', 1.044, 104.001),
  mukaKuning: stop('muka-kuning', 'Muka Kuning (Batamindo)', 1.0577, 104.027),
  simpangDam: stop('simpang-dam', 'Simpang Dam', 1.083, 104.04),
  tanjungPiayu: stop('tanjung-piayu', 'Tanjung Piayu', 1.049, 104.045),
  kabil: stop('kabil', 'Kabil', 1.075, 104.11),
  simpangKabil: stop('simpang-kabil', 'Simpang Kabil', 1.11, 104.095),
  hangNadim: stop('bandara-hang-nadim', 'Bandara Hang Nadim', 1.121, 104.118),
  batuBesar: stop('batu-besar', 'Batu Besar', 1.155, 104.115),
  nongsa: stop('nongsa', 'Nongsa', 1.19, 104.098),
  punggur: stop('pelabuhan-punggur', 'Pelabuhan Punggur', 1.077, 104.124),
  politeknik: stop('politeknik-negeri-batam', 'Politeknik Negeri Batam', 1.1185, 104.0485),
} as const satisfies Record<string, CorridorStop>;

const S = BATAM_STOPS;

export const BATAM_CORRIDORS: readonly CorridorDef[] = [
  {
    id: 'K1',
    name: 'Sekupang - Batam Centre',
    cruiseKmh: 30,
    stops: [
      S.sekupang,
      S.seiHarapan,
      S.tibanCentre,
      S.baseCamp,
      S.simpangJam,
      S.baloi,
      S.frengki,
      S.batamCentre,
    ],
  },
  {
    id: 'K2',
    name: 'Tanjung Uncang - Batam Centre',
    cruiseKmh: 35,
    stops: [
      S.tanjungUncang,
      S.fanindo,
      S.batuAji,
      S.tembesi,
      S.mukaKuning,
      S.simpangDam,
      S.frengki,
      S.batamCentre,
    ],
  },
  {
    id: 'K3',
    name: 'Sekupang - Jodoh',
    cruiseKmh: 28,
    stops: [S.sekupang, S.seiHarapan, S.tibanCentre, S.baseCamp, S.simpangJam, S.penuin, S.nagoya, S.jodoh],
  },
  {
    id: 'K4',
    name: 'Tanjung Uncang - Sekupang',
    cruiseKmh: 32,
    stops: [S.tanjungUncang, S.fanindo, S.sagulung, S.tibanKampung, S.tibanCentre, S.seiHarapan, S.sekupang],
  },
  {
    id: 'K5',
    name: 'Batam Centre - Jodoh',
    cruiseKmh: 25,
    stops: [S.batamCentre, S.seiPanas, S.baloi, S.bengkong, S.penuin, S.nagoya, S.jodoh],
  },
  {
    id: 'K6',
    name: 'Batam Centre - Tanjung Piayu',
    cruiseKmh: 35,
    stops: [S.batamCentre, S.politeknik, S.frengki, S.simpangDam, S.mukaKuning, S.tanjungPiayu],
  },
  {
    id: 'K7',
    name: 'Batam Centre - Nongsa',
    cruiseKmh: 38,
    stops: [S.batamCentre, S.botania, S.simpangKabil, S.hangNadim, S.batuBesar, S.nongsa],
  },
  {
    id: 'K8',
    name: 'Jodoh - Punggur',
    cruiseKmh: 35,
    stops: [S.jodoh, S.bengkong, S.seiPanas, S.batamCentre, S.botania, S.simpangKabil, S.kabil, S.punggur],
  },
];

/** @example findCorridor('K1')?.name // 'Sekupang - Batam Centre' */
export function findCorridor(id: string): CorridorDef | undefined {
  return BATAM_CORRIDORS.find((c) => c.id === id);
}
