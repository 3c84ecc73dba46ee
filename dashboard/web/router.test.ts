import { describe, expect, it } from 'vitest';
import { ADMIN_TABS, allowedRoute, parseRoute, routeHash } from './router.ts';

describe('hash routes', () => {
  it('reads the overview, a site, the alarms and an admin tab', () => {
    expect(parseRoute('')).toEqual({ view: 'overview' });
    expect(parseRoute('#/overview')).toEqual({ view: 'overview' });
    expect(parseRoute('#/sites/pasar-tos-3000')).toEqual({ view: 'overview', siteId: 'pasar-tos-3000' });
    expect(parseRoute('#/alarms')).toEqual({ view: 'alarms' });
    expect(parseRoute('#/map')).toEqual({ view: 'map' });
    expect(parseRoute('#/admin/users')).toEqual({ view: 'admin', tab: 'users' });
  });

  it('lands an unknown or broken hash on the overview and an unknown admin tab on the first', () => {
    expect(parseRoute('#/nowhere')).toEqual({ view: 'overview' });
    expect(parseRoute('#/sites/%E0%A4%A')).toEqual({ view: 'overview' });
    expect(parseRoute('#/admin/secrets')).toEqual({ view: 'admin', tab: 'sites' });
    expect(parseRoute('#/admin')).toEqual({ view: 'admin', tab: 'sites' });
  });

  it('writes what it reads (round trip), keeping the site deep link of the previous version', () => {
    expect(routeHash({ view: 'overview', siteId: 'bus-k1-01' })).toBe('#/sites/bus-k1-01');
    for (const tab of ADMIN_TABS)
      expect(parseRoute(routeHash({ view: 'admin', tab }))).toEqual({ view: 'admin', tab });
    expect(parseRoute(routeHash({ view: 'alarms' }))).toEqual({ view: 'alarms' });
    expect(parseRoute(routeHash({ view: 'map' }))).toEqual({ view: 'map' });
  });

  it('lets an operator into the alarm thresholds tab only, and sends a manager to the overview', () => {
    const admin = parseRoute('#/admin/webhooks');
    expect(allowedRoute(admin, 'admin')).toBe(admin);
    expect(allowedRoute(admin, 'operator')).toEqual({ view: 'admin', tab: 'alarm-settings' });
    expect(allowedRoute(admin, 'manager')).toEqual({ view: 'overview' });
    const thresholds = parseRoute('#/admin/alarm-settings');
    expect(thresholds).toEqual({ view: 'admin', tab: 'alarm-settings' });
    expect(allowedRoute(thresholds, 'operator')).toBe(thresholds);
    expect(allowedRoute(thresholds, 'manager')).toEqual({ view: 'overview' });
    const alarms = parseRoute('#/alarms');
    expect(allowedRoute(alarms, 'manager')).toBe(alarms);
    const map = parseRoute('#/map');
    expect(allowedRoute(map, 'manager')).toBe(map);
  });
});
