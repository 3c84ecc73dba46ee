import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { findCorridor } from '../../shared/corridors.ts';
import { staticFeedFiles, staticFeedZip } from './static-feed.ts';
import { matchTrip } from './trip-match.ts';
import { headwaySeconds, tripPatterns } from './trip-patterns.ts';

const NOW = Date.parse('2026-11-28T03:00:00.000Z'); // 10:00 WIB
const options = {
  agencyName: 'Trans Batam',
  agencyUrl: 'https://batam.go.id',
  publisherName: 'Dinas Perhubungan Kota Batam',
  publisherUrl: 'https://batam.go.id',
  nowMs: NOW,
};
const rows = (text: string) =>
  text
    .trimEnd()
    .split('\r\n')
    .map((line) => line.split(','));
const K1 = findCorridor('K1')!;

describe('static GTFS feed', () => {
  const sites = [
    { kind: 'bus' as const, route: 'K1' },
    { kind: 'bus' as const, route: 'K1' },
    { kind: 'bus' as const, route: 'K6' },
    { kind: 'bus' as const, route: 'X9' },
    { kind: 'market' as const },
  ];

  it('describes only the corridors registry buses serve, both directions each', () => {
    const files = staticFeedFiles(sites, options);
    expect(
      rows(files['routes.txt']!)
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(['K1', 'K6']);
    expect(
      rows(files['trips.txt']!)
        .slice(1)
        .map((r) => r[2]),
    ).toEqual(['K1-0', 'K1-1', 'K6-0', 'K6-1']);
    const stopIds = new Set(
      rows(files['stops.txt']!)
        .slice(1)
        .map((r) => r[0]),
    );
    for (const r of rows(files['stop_times.txt']!).slice(1)) expect(stopIds.has(r[3]!)).toBe(true);
    expect(rows(files['calendar.txt']!)[1]).toEqual([
      'harian',
      '1',
      '1',
      '1',
      '1',
      '1',
      '1',
      '1',
      '20261128',
      '20271128',
    ]);
  });

  it('runs buses at the headway their number gives: one round trip shared by the corridor buses', () => {
    const files = staticFeedFiles(sites, options);
    const k1 = rows(files['frequencies.txt']!).find((r) => r[0] === 'K1-0')!;
    expect(k1).toEqual(['K1-0', '00:00:00', '24:00:00', String(headwaySeconds(K1, 2)), '0']);
    expect(headwaySeconds(K1, 1)).toBeGreaterThan(headwaySeconds(K1, 2));
  });

  it('zips the same bytes for the same registry and day', () => {
    const a = staticFeedZip(sites, options);
    const b = staticFeedZip(sites, { ...options, nowMs: NOW + 3_600_000 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Object.keys(unzipSync(a)).sort()).toEqual([
      'agency.txt',
      'calendar.txt',
      'feed_info.txt',
      'frequencies.txt',
      'routes.txt',
      'shapes.txt',
      'stop_times.txt',
      'stops.txt',
      'trips.txt',
    ]);
    expect(strFromU8(unzipSync(a)['agency.txt']!)).toContain('Asia/Jakarta');
  });
});

describe('matchTrip', () => {
  const [out, back] = tripPatterns(K1);
  const sekupang = K1.stops[0]!;
  const seiHarapan = K1.stops[1]!;
  const mid = { lat: (sekupang.lat + seiHarapan.lat) / 2, lon: (sekupang.lon + seiHarapan.lon) / 2 };

  it('reads the direction from the heading against the corridor', () => {
    expect(matchTrip(K1, { ...mid, heading: 100 }, NOW).tripId).toBe('K1-0');
    expect(matchTrip(K1, { ...mid, heading: 280 }, NOW).tripId).toBe('K1-1');
    expect(matchTrip(K1, mid, NOW).directionId).toBe(0);
  });

  it('puts a bus standing at a terminal on the trip that leaves it, whatever its heading', () => {
    const last = K1.stops.at(-1)!;
    expect(matchTrip(K1, { ...sekupang, heading: 280 }, NOW)).toMatchObject({ tripId: 'K1-0', elapsedS: 0 });
    expect(matchTrip(K1, { ...last, heading: 90 }, NOW)).toMatchObject({ tripId: 'K1-1', elapsedS: 0 });
    expect(matchTrip(K1, { ...last, heading: 90 }, NOW).startTime).toBe('10:00:00');
  });

  it('dates the trip back from how far along it the bus is, in WIB', () => {
    const outbound = matchTrip(K1, { ...mid, heading: 100 }, NOW);
    const leg = out.arrivals[1]!;
    expect(outbound.elapsedS).toBeCloseTo(leg / 2, -1);
    expect(outbound.startDate).toBe('20261128');
    const started = NOW - outbound.elapsedS * 1000 + 7 * 3_600_000;
    expect(outbound.startTime).toBe(new Date(started).toISOString().slice(11, 19));
    const inbound = matchTrip(K1, { ...mid, heading: 280 }, NOW);
    expect(inbound.elapsedS).toBeCloseTo(back.arrivals.at(-1)! - leg / 2, -1);
  });
});
