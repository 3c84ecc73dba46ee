import { describe, expect, it } from 'vitest';
import type { SiteKind } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import { crowdLevelOf, crowdLevelOfLoad } from './crowd-level.ts';
import { isPublicSite, publicCrowd } from './public-crowd.ts';

const NOW = Date.parse('2026-11-28T03:00:30.000Z');
const fresh = new Date(NOW - 20_000).toISOString();

function view(
  id: string,
  kind: SiteKind,
  occupancy: number | null,
  safeCapacity: number,
  at: { lat: number; lon: number } | null,
  extra: Partial<SiteView> = {},
): SiteView {
  return {
    id,
    name: `Name of ${id}`,
    kind,
    occupancy,
    safeCapacity,
    load: occupancy === null ? null : safeCapacity > 0 ? occupancy / safeCapacity : occupancy > 0 ? null : 0,
    level: 'ok',
    updatedAt: occupancy === null ? null : fresh,
    lastSeenAt: occupancy === null ? null : fresh,
    designCapacity: safeCapacity * 2,
    location: at,
    route: null,
    bodyTempC: null,
    ambientTempC: null,
    position: null,
    ...extra,
  };
}

const options = { nowMs: NOW, staleMs: 15 * 60_000, radiusM: 5000, maxAlternatives: 3 };
const site = (kind: SiteKind, flag?: boolean) => ({ kind, ...(flag === undefined ? {} : { public: flag }) });

// Jodoh area (~1.147, 104.008); 0.009 degrees of latitude is about 1 km.
const JODOH = { lat: 1.147, lon: 104.008 };
const north = (km: number) => ({ lat: JODOH.lat + km * 0.009, lon: JODOH.lon });

describe('crowd levels', () => {
  it.each([
    [0, 'sepi'],
    [0.49, 'sepi'],
    [0.5, 'ramai'],
    [0.79, 'ramai'],
    [0.8, 'padat'],
    [0.99, 'padat'],
    [1, 'penuh'],
    [1.7, 'penuh'],
    [null, 'tidak-ada-data'],
  ] as const)('a load of %s is %s', (load, level) => {
    expect(crowdLevelOfLoad(load)).toBe(level);
  });

  it('says "no data" for a venue not heard from within the staleness limit', () => {
    const old = new Date(NOW - 16 * 60_000).toISOString();
    const stale = view('a', 'market', 10, 100, JODOH, { updatedAt: old, lastSeenAt: old });
    expect(crowdLevelOf(stale, NOW, options.staleMs)).toBe('tidak-ada-data');
    expect(crowdLevelOf(view('b', 'market', 10, 100, JODOH), NOW, options.staleMs)).toBe('sepi');
  });

  it('says closed for a venue the policy closed (safe capacity 0), with people still inside or no reading', () => {
    expect(crowdLevelOf(view('a', 'mall', 0, 0, JODOH), NOW, options.staleMs)).toBe('tutup');
    expect(crowdLevelOf(view('b', 'mall', 4, 0, JODOH), NOW, options.staleMs)).toBe('tutup');
    const unread = view('c', 'mall', null, 0, JODOH, { updatedAt: null, lastSeenAt: null });
    expect(crowdLevelOf(unread, NOW, options.staleMs)).toBe('tutup');
  });
});

describe('isPublicSite', () => {
  it('lists venues and not buses unless the site says otherwise', () => {
    expect(isPublicSite(site('market'))).toBe(true);
    expect(isPublicSite(site('bus'))).toBe(false);
    expect(isPublicSite(site('market', false))).toBe(false);
    expect(isPublicSite(site('bus', true))).toBe(true);
  });
});

describe('publicCrowd', () => {
  const kinds = new Map<string, ReturnType<typeof site>>();
  const build = (views: SiteView[]) => {
    for (const v of views) if (!kinds.has(v.id)) kinds.set(v.id, site(v.kind));
    return publicCrowd(views, (id) => kinds.get(id), options);
  };

  it('suggests up to three quiet or busy venues of the same kind within the radius, nearest first', () => {
    const result = build([
      view('full-market', 'market', 120, 100, JODOH),
      view('market-3km', 'market', 10, 100, north(3)),
      view('market-1km', 'market', 60, 100, north(1)),
      view('market-2km', 'market', 20, 100, north(2)),
      view('market-4km', 'market', 30, 100, north(4)),
      view('market-9km', 'market', 0, 100, north(9)),
      view('crowded-market', 'market', 85, 100, north(0.5)),
      view('silent-market', 'market', null, 100, north(0.2)),
      view('quiet-mall', 'mall', 0, 100, north(0.1)),
    ]);
    const full = result.find((v) => v.id === 'full-market')!;
    expect(full.level).toBe('penuh');
    expect(full.alternatives.map((a) => [a.id, a.level, a.distanceM])).toEqual([
      ['market-1km', 'ramai', 1000],
      ['market-2km', 'sepi', 2000],
      ['market-3km', 'sepi', 3000],
    ]);
    const crowded = result.find((v) => v.id === 'crowded-market')!;
    expect(crowded.level).toBe('padat');
    expect(crowded.alternatives[0]?.id).toBe('market-1km');
    expect(result.find((v) => v.id === 'market-2km')!.alternatives).toEqual([]);
  });

  it('leaves out buses and sites that opted out, and groups by kind then name', () => {
    kinds.set('hidden-market', site('market', false));
    const result = build([
      view('pasar-b', 'market', 1, 100, JODOH, { name: 'Pasar B' }),
      view('bus-k1-01', 'bus', 30, 40, JODOH),
      view('hidden-market', 'market', 1, 100, JODOH),
      view('pantai', 'attraction', 1, 100, JODOH, { name: 'Pantai' }),
      view('pasar-a', 'market', 1, 100, JODOH, { name: 'Pasar A' }),
    ]);
    expect(result.map((v) => v.id)).toEqual(['pantai', 'pasar-a', 'pasar-b']);
  });

  it('never gives away a count: only coarse fields, times floored to the minute', () => {
    const [venue] = build([view('pasar-tos', 'market', 87, 100, { lat: 1.1468123456, lon: 104.0112987654 })]);
    expect(Object.keys(venue!).sort()).toEqual([
      'alternatives',
      'id',
      'kind',
      'level',
      'location',
      'name',
      'updatedAt',
    ]);
    expect(venue!.updatedAt).toBe('2026-11-28T03:00:00.000Z');
    expect(venue!.location).toEqual({ lat: 1.14681, lon: 104.0113 });
    expect(JSON.stringify(venue)).not.toMatch(/occupancy|capacity|load|87/);
  });
});
