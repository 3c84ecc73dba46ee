/**
 * The public crowd guide's data (issue #7 item 2): for each public venue only a coarse level and,
 * for a crowded one, less crowded venues of the same kind nearby. Built from the operators' site
 * views, then reduced to fields that can never reveal a count: no occupancy, capacity, load,
 * device id or exact time leaves this module (DOMAIN.md "Who uses it").
 */
import { distanceM } from '../../shared/geo.ts';
import type { LatLon, Site, SiteKind } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import { BUSY_LEVELS, CROWD_RANK, type CrowdLevel, crowdLevelOf, lastHeardMs } from './crowd-level.ts';

export interface PublicAlternative {
  id: string;
  name: string;
  level: CrowdLevel;
  /** Straight-line distance, rounded to 100 m. */
  distanceM: number;
}

/** One element of `GET /api/public/crowd`. */
export interface PublicVenue {
  id: string;
  name: string;
  kind: SiteKind;
  location: LatLon | null;
  level: CrowdLevel;
  /** ISO 8601 minute of the last news from the venue (floored), or null. */
  updatedAt: string | null;
  /**
   * For `padat` and `penuh` venues: up to `maxAlternatives` `sepi` or `ramai` venues of the same
   * kind within the radius, nearest first; empty otherwise.
   */
  alternatives: PublicAlternative[];
}

export interface PublicCrowdOptions {
  nowMs: number;
  /** A venue not heard from for this long shows "no data". */
  staleMs: number;
  /** How far an alternative may be. */
  radiusM: number;
  maxAlternatives: number;
}

/**
 * Whether a site is listed publicly: its own `public` flag, else every kind but buses (riders get
 * bus occupancy from GTFS-Realtime).
 *
 * @example isPublicSite({ kind: 'market' }) // true
 */
export function isPublicSite(site: Pick<Site, 'kind' | 'public'>): boolean {
  return site.public ?? site.kind !== 'bus';
}

const floorToMinute = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
const roundedLocation = (l: LatLon): LatLon => ({
  lat: Math.round(l.lat * 1e5) / 1e5,
  lon: Math.round(l.lon * 1e5) / 1e5,
});

/**
 * @example
 * publicCrowd(live.views(), (id) => registry.getSite(id), { nowMs: Date.now(), staleMs: 900_000, radiusM: 5000, maxAlternatives: 3 })
 *   // [{ id: 'pasar-tos-3000', name: 'Pasar Tos 3000', kind: 'market', level: 'padat', alternatives: [{ id: 'pasar-induk-jodoh', level: 'sepi', distanceM: 300, ... }], ... }]
 */
export function publicCrowd(
  views: SiteView[],
  siteOf: (id: string) => Pick<Site, 'kind' | 'public'> | undefined,
  options: PublicCrowdOptions,
): PublicVenue[] {
  const venues = views
    .filter((v) => {
      const site = siteOf(v.id);
      return site !== undefined && isPublicSite(site);
    })
    .map((v) => {
      const heard = lastHeardMs(v);
      return {
        id: v.id,
        name: v.name,
        kind: v.kind,
        location: v.location ? roundedLocation(v.location) : null,
        level: crowdLevelOf(v, options.nowMs, options.staleMs),
        updatedAt: heard === null ? null : floorToMinute(heard),
      };
    })
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));

  return venues.map((venue): PublicVenue => {
    const from = venue.location;
    if (!BUSY_LEVELS.includes(venue.level) || !from) return { ...venue, alternatives: [] };
    const alternatives = venues
      .filter(
        (other) =>
          other.id !== venue.id &&
          other.kind === venue.kind &&
          other.location !== null &&
          // Only venues that are not crowded themselves: sending people from a full market to a
          // merely crowded one helps nobody.
          CROWD_RANK[other.level] < CROWD_RANK.padat,
      )
      .map((other) => ({ other, d: distanceM(from, other.location!) }))
      .filter(({ d }) => d <= options.radiusM)
      .sort((a, b) => a.d - b.d || CROWD_RANK[a.other.level] - CROWD_RANK[b.other.level])
      .slice(0, options.maxAlternatives)
      .map(({ other, d }) => ({
        id: other.id,
        name: other.name,
        level: other.level,
        distanceM: Math.round(d / 100) * 100,
      }));
    return { ...venue, alternatives };
  });
}
