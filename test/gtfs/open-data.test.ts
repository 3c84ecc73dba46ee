/**
 * The open data surfaces against the whole system (create-system.ts: broker, ingest, dashboard)
 * fed by devices over real MQTT: GTFS-Realtime decoded twice (MobilityData's bindings, generated
 * from the official gtfs-realtime.proto, and protobufjs loading the official gtfs-realtime.proto
 * itself, as the npm package gtfs-rt-bindings ships it), checked against the static GTFS zip the
 * same dashboard serves; and the public
 * crowd API, which must never carry a count.
 */
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCorridor } from '../../shared/corridors.ts';
import type { SiteView } from '../../shared/site-state.ts';
import { startTestSystem, type TestDevice, type TestSystem } from '../helpers/system.ts';

const { transit_realtime: rt } = GtfsRealtimeBindings;
/** The official google/transit gtfs-realtime.proto (Apache-2.0), as the gtfs-rt-bindings package ships it. */
const OFFICIAL_PROTO = fileURLToPath(import.meta.resolve('gtfs-rt-bindings/gtfs-realtime.proto'));
const RATE_LIMIT = 25;

let sys: TestSystem;
const devices: TestDevice[] = [];
const K1 = findCorridor('K1')!;
const K6 = findCorridor('K6')!;
const between = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => ({
  lat: (a.lat + b.lat) / 2,
  lon: (a.lon + b.lon) / 2,
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function device(id: string, siteId: string, type: 'gateway' | 'occupancy-sensor') {
  const { secret } = await sys.createDevice({ id, siteId, type });
  const d = await sys.connectDevice(id, secret);
  devices.push(d);
  let seq = 0;
  return (stream: 'counts' | 'occupancy' | 'position', body: object) =>
    d.publish(stream, { ts: Date.now(), seq: ++seq, ...body });
}

function csvRows(text: string): Array<Record<string, string>> {
  const [header, ...lines] = text
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));
  return lines.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ''])));
}

beforeAll(async () => {
  sys = await startTestSystem({
    env: {
      LIVE_TICK_MS: '100',
      GTFS_RT_CACHE_SECONDS: '1',
      PUBLIC_CACHE_SECONDS: '1',
      PUBLIC_RATE_LIMIT_PER_MIN: String(RATE_LIMIT),
    },
  });
  // Bus safe capacities: 80 * 50% = 40 (site policy), 50 * 70% = 35 (new-normal-1 default).
  await sys.createSite({
    id: 'bus-k1-01',
    name: 'Trans Batam K1 #01',
    kind: 'bus',
    designCapacity: 80,
    policyPct: 0.5,
    route: 'K1',
  });
  await sys.createSite({
    id: 'bus-k6-01',
    name: 'Trans Batam K6 #01',
    kind: 'bus',
    designCapacity: 50,
    route: 'K6',
  });
  await sys.createSite({ id: 'bus-x9-01', name: 'Shuttle X9', kind: 'bus', designCapacity: 20, route: 'X9' });
  await sys.createSite({
    id: 'bus-k1-02',
    name: 'Trans Batam K1 #02',
    kind: 'bus',
    designCapacity: 80,
    route: 'K1',
  });
  // Venues: 200 * 50% = 100 safe each.
  await sys.createSite({
    id: 'pasar-ramai',
    name: 'Pasar Ramai',
    kind: 'market',
    designCapacity: 200,
    location: { lat: 1.147, lon: 104.008 },
  });
  await sys.createSite({
    id: 'pasar-sepi',
    name: 'Pasar Sepi',
    kind: 'market',
    designCapacity: 200,
    location: { lat: 1.156, lon: 104.008 },
  });

  const k1 = await device('bus-k1-01-gw', 'bus-k1-01', 'gateway');
  const k6 = await device('bus-k6-01-gw', 'bus-k6-01', 'gateway');
  const x9 = await device('bus-x9-01-gw', 'bus-x9-01', 'gateway');
  const k1b = await device('bus-k1-02-gw', 'bus-k1-02', 'gateway');
  const ramai = await device('pasar-ramai-cam', 'pasar-ramai', 'occupancy-sensor');
  const sepi = await device('pasar-sepi-cam', 'pasar-sepi', 'occupancy-sensor');

  await k1('counts', { in: 37, out: 0 });
  await k1('position', { ...between(K1.stops[0]!, K1.stops[1]!), speedKmh: 36, heading: 100 });
  await k6('counts', { in: 52, out: 2 });
  await k6('position', { ...between(K6.stops[3]!, K6.stops[4]!), speedKmh: 18, heading: 200 });
  await x9('counts', { in: 0, out: 0 });
  await x9('position', { lat: 1.13, lon: 104.05, speedKmh: 0, heading: 0 });
  await k1b('counts', { in: 5, out: 0 });
  await ramai('occupancy', { count: 90 });
  await sepi('occupancy', { count: 10 });

  await until('every reading to reach the dashboard', async () => {
    const { body } = await sys.api('GET', '/api/sites');
    const byId = new Map((body as SiteView[]).map((v) => [v.id, v]));
    const ready =
      ['bus-k1-01', 'bus-k6-01', 'bus-x9-01'].every((id) => byId.get(id)?.position) &&
      byId.get('bus-k6-01')?.occupancy === 50 &&
      byId.get('bus-k1-02')?.occupancy === 5 &&
      byId.get('pasar-ramai')?.occupancy === 90 &&
      byId.get('pasar-sepi')?.occupancy === 10;
    return ready ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  await sys?.stop();
});

describe('GTFS-Realtime vehicle positions', () => {
  let bytes: Uint8Array;
  let zip: Record<string, Array<Record<string, string>>>;

  beforeAll(async () => {
    const res = await fetch(`${sys.url}/gtfs-rt/vehicle-positions`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.headers.get('cache-control')).toBe('public, max-age=1');
    bytes = new Uint8Array(await res.arrayBuffer());
    const zipRes = await fetch(`${sys.url}/gtfs/static.zip`);
    expect(zipRes.status).toBe(200);
    expect(zipRes.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await zipRes.arrayBuffer()));
    zip = Object.fromEntries(Object.entries(files).map(([name, data]) => [name, csvRows(strFromU8(data))]));
  });

  it('is a full-dataset v2.0 feed with one vehicle per bus with a position, no login needed', () => {
    const feed = rt.FeedMessage.decode(bytes);
    expect(feed.header.gtfsRealtimeVersion).toBe('2.0');
    expect(feed.header.incrementality).toBe(rt.FeedHeader.Incrementality.FULL_DATASET);
    expect(Math.abs(Number(feed.header.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(feed.entity.map((e) => e.id)).toEqual(['bus-k1-01', 'bus-k6-01', 'bus-x9-01']);
  });

  it('decodes the same with the official gtfs-realtime.proto', async () => {
    const root = await protobuf.load(OFFICIAL_PROTO);
    const FeedMessage = root.lookupType('transit_realtime.FeedMessage');
    const feed = FeedMessage.toObject(FeedMessage.decode(bytes), { enums: String, longs: Number });
    const k1 = feed.entity.find((e: { id: string }) => e.id === 'bus-k1-01').vehicle;
    expect(k1.occupancyStatus).toBe('FEW_SEATS_AVAILABLE');
    expect(k1.occupancyPercentage).toBe(95);
    expect(k1.trip).toMatchObject({ tripId: 'K1-0', routeId: 'K1', directionId: 0 });
    expect(k1.vehicle).toEqual({ id: 'bus-k1-01', label: 'Trans Batam K1 #01' });
    expect(k1.position.latitude).toBeCloseTo(between(K1.stops[0]!, K1.stops[1]!).lat, 4);
    expect(k1.position.speed).toBeCloseTo(10, 3);
    expect(k1.position.bearing).toBeCloseTo(100, 3);
  });

  it('maps crowding to occupancy status and coarse percentage of the regulatory cap', () => {
    const feed = rt.FeedMessage.decode(bytes);
    const v = (id: string) => feed.entity.find((e) => e.id === id)!.vehicle!;
    const { OccupancyStatus } = rt.VehiclePosition;
    // 37 of 40: few seats, 92.5 -> 95. 50 of 35: full, 142.9 -> 145. 0 of 14: empty.
    expect([v('bus-k1-01').occupancyStatus, v('bus-k1-01').occupancyPercentage]).toEqual([
      OccupancyStatus.FEW_SEATS_AVAILABLE,
      95,
    ]);
    expect([v('bus-k6-01').occupancyStatus, v('bus-k6-01').occupancyPercentage]).toEqual([
      OccupancyStatus.FULL,
      145,
    ]);
    expect([v('bus-x9-01').occupancyStatus, v('bus-x9-01').occupancyPercentage]).toEqual([
      OccupancyStatus.EMPTY,
      0,
    ]);
  });

  it('names trips and routes the static zip defines, and none for a bus on an unknown corridor', () => {
    const feed = rt.FeedMessage.decode(bytes);
    const trips = new Map(zip['trips.txt']!.map((t) => [t.trip_id!, t]));
    const routes = new Set(zip['routes.txt']!.map((r) => r.route_id));
    expect([...routes]).toEqual(['K1', 'K6']);
    for (const id of ['bus-k1-01', 'bus-k6-01']) {
      const trip = feed.entity.find((e) => e.id === id)!.vehicle!.trip!;
      const staticTrip = trips.get(trip.tripId!);
      expect(staticTrip, `${id} trip ${trip.tripId}`).toBeDefined();
      expect(staticTrip!.route_id).toBe(trip.routeId);
      expect(Number(staticTrip!.direction_id)).toBe(trip.directionId);
      expect(routes.has(trip.routeId!)).toBe(true);
      expect(trip.startDate).toMatch(/^\d{8}$/);
      expect(trip.startTime).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    }
    // Simpang Dam -> Muka Kuning runs south-south-west (about 207°): heading 200 is outbound.
    expect(feed.entity.find((e) => e.id === 'bus-k6-01')!.vehicle!.trip).toMatchObject({
      tripId: 'K6-0',
      directionId: 0,
    });
    expect(feed.entity.find((e) => e.id === 'bus-x9-01')!.vehicle!.trip).toBeNull();
    const frequencies = zip['frequencies.txt']!.map((f) => f.trip_id);
    expect(frequencies).toEqual(['K1-0', 'K1-1', 'K6-0', 'K6-1']);
  });

  it('serves the same feed as JSON with enum names for humans', async () => {
    const res = await fetch(`${sys.url}/gtfs-rt/vehicle-positions?format=json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = await res.json();
    expect(json.header.gtfsRealtimeVersion).toBe('2.0');
    expect(json.header.incrementality).toBe('FULL_DATASET');
    const k6 = json.entity.find((e: { id: string }) => e.id === 'bus-k6-01');
    expect(k6.vehicle.occupancyStatus).toBe('FULL');
    expect(k6.vehicle.trip.routeId).toBe('K6');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-json"$/);
    expect(Date.parse(res.headers.get('last-modified')!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lets a client revalidate the static zip with its ETag (304, no body)', async () => {
    const first = await fetch(`${sys.url}/gtfs/static.zip`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${sys.url}/gtfs/static.zip`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
  });
});

describe('public crowd API', () => {
  it('shows coarse levels and a quieter alternative, and no number that could be a count', async () => {
    const res = await fetch(`${sys.url}/api/public/crowd`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=1');
    const body = await res.json();
    expect(body.map((v: { id: string }) => v.id)).toEqual(['pasar-ramai', 'pasar-sepi']);
    expect(body[0]).toMatchObject({
      level: 'padat',
      alternatives: [{ id: 'pasar-sepi', level: 'sepi', distanceM: 1000 }],
    });
    expect(body[1]).toMatchObject({ level: 'sepi', alternatives: [] });
    const numbers: Array<[string, number]> = [];
    const walk = (value: unknown, path: string) => {
      if (typeof value === 'number') numbers.push([path, value]);
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k.replace(/^\d+$/, '#')}`);
    };
    walk(body, '$');
    expect(new Set(numbers.map(([p]) => p))).toEqual(
      new Set(['$.#.location.lat', '$.#.location.lon', '$.#.alternatives.#.distanceM']),
    );
    expect(JSON.stringify(body)).not.toMatch(/occupancy|capacity|load|cam|"count"/i);
  });

  it('follows the per-site public flag an admin sets: a venue can opt out, a bus can opt in', async () => {
    expect((await sys.api('PATCH', '/api/sites/pasar-sepi', { public: false })).status).toBe(200);
    expect((await sys.api('PATCH', '/api/sites/bus-k1-02', { public: true })).status).toBe(200);
    expect((await sys.api('GET', '/api/sites/pasar-sepi')).body.public).toBe(false);
    expect((await sys.api('GET', '/api/sites/pasar-ramai')).body.public).toBe(true);
    const ids = await until('the cached answer to turn over', async () => {
      await new Promise((r) => setTimeout(r, 300));
      const body = (await (await fetch(`${sys.url}/api/public/crowd`)).json()) as Array<{ id: string }>;
      const list = body.map((v) => v.id);
      return list.includes('pasar-sepi') ? undefined : list;
    });
    expect(ids).toEqual(['bus-k1-02', 'pasar-ramai']);
    await sys.api('PATCH', '/api/sites/pasar-sepi', { public: null });
    await sys.api('PATCH', '/api/sites/bus-k1-02', { public: null });
  });

  it('answers 429 with Retry-After once a client used up its budget, and the GTFS budget is separate', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < RATE_LIMIT + 1 && !limited; i++) {
      const res = await fetch(`${sys.url}/api/public/crowd`);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited!.json()).error).toMatch(/too many requests/);
    const gtfs = await fetch(`${sys.url}/gtfs/static.zip`);
    expect(gtfs.status).toBe(200);
    await gtfs.arrayBuffer();
  });
});
