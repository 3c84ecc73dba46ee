/** A SiteView for tests of the pure browser modules; override only what a test is about. */
import type { SiteView } from '../../shared/site-state.ts';

export function site(id: string, patch: Partial<SiteView> = {}): SiteView {
  return {
    id,
    name: id,
    kind: 'market',
    occupancy: 10,
    safeCapacity: 100,
    load: 0.1,
    level: 'ok',
    updatedAt: null,
    lastSeenAt: null,
    designCapacity: 200,
    location: null,
    route: null,
    bodyTempC: null,
    ambientTempC: null,
    position: null,
    ...patch,
  };
}
