/**
 * SiteView: a registry site merged with the latest state ingest published for it, as served by
 * `GET /api/sites` (contract fields first) and sent in socket.io `sites:update`.
 */
import { LEVEL_RANK, siteCapacity } from '../shared/capacity.ts';
import type { PolicyPreset } from '../shared/policy.ts';
import type { Site } from '../shared/registry-schemas.ts';
import type { SiteState, SiteView } from '../shared/site-state.ts';

/**
 * A site with no state yet is `unknown`, with no occupancy, and the safe capacity the current
 * city policy gives it (DOMAIN.md "Safe capacity").
 *
 * @example buildView(site, undefined, findPreset('psbb')!).level // 'unknown'
 */
export function buildView(site: Site, state: SiteState | undefined, policy: PolicyPreset): SiteView {
  const base = {
    id: site.id,
    name: site.name,
    kind: site.kind,
    designCapacity: site.designCapacity,
    location: site.location ?? null,
    route: site.route ?? null,
  };
  if (!state) {
    return {
      ...base,
      occupancy: null,
      safeCapacity: siteCapacity(site, policy).safeCapacity,
      load: null,
      level: 'unknown',
      updatedAt: null,
      bodyTempC: null,
      ambientTempC: null,
      position: null,
    };
  }
  return {
    ...base,
    occupancy: state.occupancy,
    safeCapacity: state.safeCapacity,
    load: state.load,
    level: state.level,
    updatedAt: state.updatedAt === null ? null : new Date(state.updatedAt).toISOString(),
    bodyTempC: state.bodyTempC,
    ambientTempC: state.ambientTempC,
    position: state.position,
  };
}

/** null load with an occupancy means a closed site with people in it: infinitely loaded. */
function sortableLoad(view: SiteView): number {
  if (view.load !== null) return view.load;
  return view.occupancy ? Number.POSITIVE_INFINITY : -1;
}

/** Worst first (operators act on the worst first, DOMAIN.md "Who uses it"): level, then load, then name. */
export function compareViews(a: SiteView, b: SiteView): number {
  return (
    LEVEL_RANK[b.level] - LEVEL_RANK[a.level] ||
    sortableLoad(b) - sortableLoad(a) ||
    a.name.localeCompare(b.name) ||
    a.id.localeCompare(b.id)
  );
}
