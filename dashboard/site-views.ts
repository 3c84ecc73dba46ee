/**
 * SiteView: a registry site merged with the latest state ingest published for it, as served by
 * `GET /api/sites` (contract fields first) and sent in socket.io `sites:update`.
 */
import { LEVEL_RANK, siteCapacity } from '../shared/capacity.ts';
import type { PolicyPreset } from '../shared/policy.ts';
import type { DeviceRecord, Site } from '../shared/registry-schemas.ts';
import type { DevicePresence, SiteDeviceView, SiteState, SiteView } from '../shared/site-state.ts';

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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
      lastSeenAt: null,
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
    updatedAt: isoOrNull(state.updatedAt),
    lastSeenAt: isoOrNull(state.lastSeenAt),
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

/**
 * Every registry device of a site (never its secret hash) with what ingest last reported of it;
 * a device ingest has not heard from has `lastSeenAt` and `online` null. Sorted by id.
 *
 * @example deviceViews([door], [{ id: door.id, lastSeenAt: 0, online: true }])[0].lastSeenAt // '1970-01-01T00:00:00.000Z'
 */
export function deviceViews(
  devices: DeviceRecord[],
  presence: DevicePresence[] | undefined,
): SiteDeviceView[] {
  const byId = new Map((presence ?? []).map((p) => [p.id, p]));
  return devices
    .map(({ secretHash: _omitted, ...device }) => {
      const p = byId.get(device.id);
      return { ...device, lastSeenAt: isoOrNull(p?.lastSeenAt ?? null), online: p?.online ?? null };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
