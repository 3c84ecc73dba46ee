/**
 * Which sites the overview shows and in what order. Operators act on the worst first
 * (DOMAIN.md "Who uses it"), so flagged sites lead: critical, warning, unknown, ok; within a
 * level the most loaded first. Pure, so it is unit-tested without a DOM.
 */
import type { Level, SiteKind } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';

/** Mirrors shared/capacity.ts LEVEL_RANK; kept here so the bundle pulls in no server module. */
export const LEVEL_ORDER: Record<Level, number> = { critical: 3, warning: 2, unknown: 1, ok: 0 };

export const KINDS = [
  'bus',
  'market',
  'attraction',
  'mall',
  'hotel',
  'restaurant',
  'public-service',
] as const satisfies readonly SiteKind[];

/** Severity order, worst first, for the counts bar and the level filter. */
export const LEVELS_BY_SEVERITY = [
  'critical',
  'warning',
  'unknown',
  'ok',
] as const satisfies readonly Level[];

export interface SiteFilter {
  /** Free text matched against name, id and bus corridor, case- and accent-insensitive. */
  search: string;
  /** '' = every kind. */
  kind: SiteKind | '';
  /** '' = every level. */
  level: Level | '';
}

export const EMPTY_FILTER: SiteFilter = { search: '', kind: '', level: '' };

/** Load for sorting: an occupied site with safe capacity 0 (closed) is infinitely loaded. */
export function sortLoad(site: SiteView): number {
  if (site.load !== null && Number.isFinite(site.load)) return site.load;
  if (site.safeCapacity === 0 && site.occupancy !== null && site.occupancy > 0)
    return Number.POSITIVE_INFINITY;
  return -1;
}

const collator = new Intl.Collator('id-ID', { sensitivity: 'base', numeric: true });

/** Level (worst first), then load (highest first), then name, then id for a stable order. */
export function compareSites(a: SiteView, b: SiteView): number {
  const byLevel = LEVEL_ORDER[b.level] - LEVEL_ORDER[a.level];
  if (byLevel !== 0) return byLevel;
  const la = sortLoad(a);
  const lb = sortLoad(b);
  if (la !== lb) return la < lb ? 1 : -1;
  return collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Lower case without diacritics, so `cafe` finds `Café` and `JODOH` finds `Jodoh`. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .trim();
}

export function matchesFilter(
  site: SiteView,
  filter: SiteFilter,
  normalizedSearch = normalizeText(filter.search),
): boolean {
  if (filter.kind && site.kind !== filter.kind) return false;
  if (filter.level && site.level !== filter.level) return false;
  if (!normalizedSearch) return true;
  return (
    normalizeText(site.name).includes(normalizedSearch) ||
    site.id.includes(normalizedSearch) ||
    (site.route !== null && normalizeText(site.route).includes(normalizedSearch))
  );
}

/**
 * The sites to show, filtered and ordered.
 *
 * @example visibleSites(map.values(), { search: 'jodoh', kind: 'market', level: '' })
 */
export function visibleSites(sites: Iterable<SiteView>, filter: SiteFilter): SiteView[] {
  const search = normalizeText(filter.search);
  const out: SiteView[] = [];
  for (const site of sites) if (matchesFilter(site, filter, search)) out.push(site);
  return out.sort(compareSites);
}

export type LevelCounts = Record<Level, number>;

/** How many sites are at each level (of all sites, not only the filtered ones). */
export function countLevels(sites: Iterable<SiteView>): LevelCounts {
  const counts: LevelCounts = { critical: 0, warning: 0, unknown: 0, ok: 0 };
  for (const site of sites) counts[site.level]++;
  return counts;
}
