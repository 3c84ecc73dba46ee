/**
 * Hash routes of the operator screen, so a view survives a reload and can be bookmarked or sent
 * to a colleague: `#/overview`, `#/sites/<id>` (the overview with that site's detail open),
 * `#/map`, `#/alarms`, `#/admin/<tab>`. Pure parsing and formatting, tested; main.ts listens to
 * `hashchange` and shows the view.
 */

export const VIEWS = ['overview', 'map', 'alarms', 'admin'] as const;
export type ViewId = (typeof VIEWS)[number];

export const ADMIN_TABS = ['sites', 'devices', 'users', 'webhooks', 'policy', 'alarm-settings'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export type Route =
  | { view: 'overview'; siteId?: string }
  | { view: 'map' }
  | { view: 'alarms' }
  | { view: 'admin'; tab: AdminTab };

const isAdminTab = (value: string): value is AdminTab => (ADMIN_TABS as readonly string[]).includes(value);

/**
 * Anything unknown is the overview, so a stale bookmark still lands somewhere useful.
 *
 * @example parseRoute('#/sites/pasar-tos-3000') // { view: 'overview', siteId: 'pasar-tos-3000' }
 * @example parseRoute('#/admin/users') // { view: 'admin', tab: 'users' }
 */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  const [head = '', ...rest] = path.split('/');
  if (head === 'sites' && rest.length > 0) {
    let siteId: string;
    try {
      siteId = decodeURIComponent(rest.join('/'));
    } catch {
      return { view: 'overview' };
    }
    return siteId ? { view: 'overview', siteId } : { view: 'overview' };
  }
  if (head === 'alarms') return { view: 'alarms' };
  if (head === 'map') return { view: 'map' };
  if (head === 'admin') return { view: 'admin', tab: rest[0] && isAdminTab(rest[0]) ? rest[0] : 'sites' };
  return { view: 'overview' };
}

/** @example routeHash({ view: 'admin', tab: 'policy' }) // '#/admin/policy' */
export function routeHash(route: Route): string {
  if (route.view === 'overview')
    return route.siteId ? `#/sites/${encodeURIComponent(route.siteId)}` : '#/overview';
  if (route.view === 'alarms') return '#/alarms';
  if (route.view === 'map') return '#/map';
  return `#/admin/${route.tab}`;
}

/** The one admin tab an operator may open: the alarm thresholds, read-only (GET allows operators). */
export const OPERATOR_ADMIN_TAB: AdminTab = 'alarm-settings';

/**
 * Admins may open the whole administration; an operator only the alarm thresholds (any other tab
 * lands there); anyone else is sent to the overview.
 *
 * @example allowedRoute({ view: 'admin', tab: 'users' }, 'operator') // { view: 'admin', tab: 'alarm-settings' }
 */
export function allowedRoute(route: Route, role: string): Route {
  if (route.view !== 'admin' || role === 'admin') return route;
  if (role !== 'operator') return { view: 'overview' };
  return route.tab === OPERATOR_ADMIN_TAB ? route : { view: 'admin', tab: OPERATOR_ADMIN_TAB };
}
