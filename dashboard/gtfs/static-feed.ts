/**
 * The static GTFS feed of the corridors that have buses in the registry (GTFS Schedule
 * reference): agency, stops, routes, trips, stop_times, frequencies, calendar, shapes, feed_info,
 * zipped for `GET /gtfs/static.zip`. GTFS-Realtime vehicle positions refer to its route and trip
 * ids. Pure: same registry, options and date, same bytes (so the ETag is stable within a day).
 *
 * What the system does not know it does not invent: there is no published timetable here, so the
 * corridors are frequency-based (frequencies.txt, exact_times 0) all day, at the headway the buses
 * registered on each corridor give, with approximate stop times (timepoint 0).
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import { BATAM_CORRIDORS, type CorridorDef } from '../../shared/corridors.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import { WIB_OFFSET_MS } from './trip-match.ts';
import { gtfsTime, headwaySeconds, tripPatterns } from './trip-patterns.ts';

export interface StaticFeedOptions {
  agencyName: string;
  agencyUrl: string;
  publisherName: string;
  publisherUrl: string;
  /** Generation time (epoch ms): sets calendar and feed validity, from that local day for a year. */
  nowMs: number;
  corridors?: readonly CorridorDef[];
}

export const AGENCY_ID = 'trans-batam';
export const SERVICE_ID = 'harian';
/** Frequencies cover the whole day: the monitored fleet reports whenever it runs. */
const SERVICE_WINDOW = { start: 0, end: 24 * 3600 };
const ROUTE_TYPE_BUS = 3;

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(header: string[], rows: Array<Array<string | number>>): string {
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

const localDate = (ms: number) => new Date(ms + WIB_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');

/**
 * Corridors served by at least one registry bus (site.route = corridor id), with their bus counts.
 *
 * @example servedCorridors([{ kind: 'bus', route: 'K1' }, ...]) // [{ corridor: K1, buses: 1 }]
 */
export function servedCorridors(
  sites: Array<Pick<Site, 'kind' | 'route'>>,
  corridors: readonly CorridorDef[] = BATAM_CORRIDORS,
): Array<{ corridor: CorridorDef; buses: number }> {
  const counts = new Map<string, number>();
  for (const site of sites)
    if (site.kind === 'bus' && site.route) counts.set(site.route, (counts.get(site.route) ?? 0) + 1);
  return corridors
    .filter((c) => counts.has(c.id))
    .map((corridor) => ({ corridor, buses: counts.get(corridor.id)! }));
}

/**
 * The feed's files by name (CSV text, CRLF line ends).
 *
 * @example staticFeedFiles(registry.listSites(), options)['routes.txt'] // 'route_id,agency_id,...'
 */
export function staticFeedFiles(
  sites: Array<Pick<Site, 'kind' | 'route'>>,
  options: StaticFeedOptions,
): Record<string, string> {
  const served = servedCorridors(sites, options.corridors);
  const patterns = served.flatMap(({ corridor, buses }) =>
    tripPatterns(corridor).map((p) => ({ p, corridor, headway: headwaySeconds(corridor, buses) })),
  );
  const stops = new Map(patterns.flatMap(({ p }) => p.stops.map((s) => [s.id, s] as const)));
  const start = localDate(options.nowMs);
  const end = localDate(options.nowMs + 365 * 86_400_000);

  const files: Record<string, string> = {
    'agency.txt': csv(
      ['agency_id', 'agency_name', 'agency_url', 'agency_timezone', 'agency_lang'],
      [[AGENCY_ID, options.agencyName, options.agencyUrl, 'Asia/Jakarta', 'id']],
    ),
    'stops.txt': csv(
      ['stop_id', 'stop_name', 'stop_lat', 'stop_lon'],
      [...stops.values()].map((s) => [s.id, s.name, s.lat.toFixed(6), s.lon.toFixed(6)]),
    ),
    'routes.txt': csv(
      ['route_id', 'agency_id', 'route_short_name', 'route_long_name', 'route_type'],
      served.map(({ corridor }) => [corridor.id, AGENCY_ID, corridor.id, corridor.name, ROUTE_TYPE_BUS]),
    ),
    'trips.txt': csv(
      ['route_id', 'service_id', 'trip_id', 'trip_headsign', 'direction_id', 'shape_id'],
      patterns.map(({ p }) => [
        p.routeId,
        SERVICE_ID,
        p.tripId,
        p.stops.at(-1)!.name,
        p.directionId,
        p.shapeId,
      ]),
    ),
    'stop_times.txt': csv(
      [
        'trip_id',
        'arrival_time',
        'departure_time',
        'stop_id',
        'stop_sequence',
        'timepoint',
        'shape_dist_traveled',
      ],
      patterns.flatMap(({ p }) =>
        p.stops.map((s, i) => [
          p.tripId,
          gtfsTime(p.arrivals[i]!),
          gtfsTime(p.departures[i]!),
          s.id,
          i + 1,
          0,
          p.distances[i]!,
        ]),
      ),
    ),
    'frequencies.txt': csv(
      ['trip_id', 'start_time', 'end_time', 'headway_secs', 'exact_times'],
      patterns.map(({ p, headway }) => [
        p.tripId,
        gtfsTime(SERVICE_WINDOW.start),
        gtfsTime(SERVICE_WINDOW.end),
        headway,
        0,
      ]),
    ),
    'calendar.txt': csv(
      [
        'service_id',
        'monday',
        'tuesday',
        'wednesday',
        'thursday',
        'friday',
        'saturday',
        'sunday',
        'start_date',
        'end_date',
      ],
      [[SERVICE_ID, 1, 1, 1, 1, 1, 1, 1, start, end]],
    ),
    'shapes.txt': csv(
      ['shape_id', 'shape_pt_lat', 'shape_pt_lon', 'shape_pt_sequence', 'shape_dist_traveled'],
      patterns.flatMap(({ p }) =>
        p.stops.map((s, i) => [p.shapeId, s.lat.toFixed(6), s.lon.toFixed(6), i + 1, p.distances[i]!]),
      ),
    ),
  };
  const version = createHash('sha1').update(JSON.stringify(files)).digest('hex').slice(0, 8);
  files['feed_info.txt'] = csv(
    [
      'feed_publisher_name',
      'feed_publisher_url',
      'feed_lang',
      'feed_start_date',
      'feed_end_date',
      'feed_version',
    ],
    [[options.publisherName, options.publisherUrl, 'id', start, end, `${start}-${version}`]],
  );
  return files;
}

/**
 * The feed as a zip (DEFLATE), entries dated at the start of the generation day so the bytes do
 * not change within a day unless the registry does.
 *
 * @example writeFileSync('gtfs.zip', staticFeedZip(registry.listSites(), options));
 */
export function staticFeedZip(
  sites: Array<Pick<Site, 'kind' | 'route'>>,
  options: StaticFeedOptions,
): Uint8Array {
  const files = staticFeedFiles(sites, options);
  const dayStart = Math.floor((options.nowMs + WIB_OFFSET_MS) / 86_400_000) * 86_400_000 - WIB_OFFSET_MS;
  const mtime = new Date(dayStart);
  return zipSync(
    Object.fromEntries(Object.entries(files).map(([name, text]) => [name, [strToU8(text), { mtime }]])),
    { level: 6 },
  );
}
