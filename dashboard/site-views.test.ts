import { describe, expect, it } from 'vitest';
import { findPreset } from '../shared/policy.ts';
import type { Site } from '../shared/registry-schemas.ts';
import type { SiteState, SiteView } from '../shared/site-state.ts';
import { buildView, compareViews } from './site-views.ts';
import { canSee } from './users.ts';

const market: Site = {
  id: 'pasar-botania',
  name: 'Pasar Botania',
  kind: 'market',
  designCapacity: 300,
  createdAt: 'x',
};
const view = (
  id: string,
  level: SiteView['level'],
  load: number | null,
  occupancy: number | null = 1,
): SiteView => ({
  ...buildView({ ...market, id, name: id }, undefined, findPreset('psbb')!),
  level,
  load,
  occupancy,
});

describe('site views', () => {
  it('gives a site without state level unknown and the safe capacity of the city policy', () => {
    expect(buildView(market, undefined, findPreset('psbb')!)).toMatchObject({
      occupancy: null,
      load: null,
      level: 'unknown',
      safeCapacity: 150,
      updatedAt: null,
    });
    expect(buildView(market, undefined, findPreset('normal')!).safeCapacity).toBe(300);
  });

  it('takes occupancy, load and level from the state ingest published', () => {
    const state: SiteState = {
      siteId: market.id,
      occupancy: 160,
      safeCapacity: 150,
      load: 160 / 150,
      level: 'critical',
      updatedAt: Date.UTC(2026, 0, 1),
      lastSeenAt: null,
      levelSince: null,
      bodyTempC: 37.9,
      ambientTempC: null,
      position: null,
      policyId: 'psbb',
    };
    expect(buildView(market, state, findPreset('psbb')!)).toMatchObject({
      occupancy: 160,
      level: 'critical',
      updatedAt: '2026-01-01T00:00:00.000Z',
      bodyTempC: 37.9,
    });
  });

  it('sorts worst first: level, then load, a closed but occupied site above any finite load', () => {
    const sorted = [
      view('ok-low', 'ok', 0.1),
      view('unknown', 'unknown', null, null),
      view('warn', 'warning', 0.85),
      view('crit-finite', 'critical', 1.2),
      view('crit-closed', 'critical', null, 3),
      view('ok-high', 'ok', 0.6),
    ].sort(compareViews);
    expect(sorted.map((v) => v.id)).toEqual([
      'crit-closed',
      'crit-finite',
      'warn',
      'unknown',
      'ok-high',
      'ok-low',
    ]);
  });
});

describe('canSee', () => {
  it('lets admins and operators see every site and a manager only the assigned ones', () => {
    expect(canSee({ username: 'a', role: 'admin' }, 'x')).toBe(true);
    expect(canSee({ username: 'o', role: 'operator' }, 'x')).toBe(true);
    expect(canSee({ username: 'm', role: 'manager', sites: ['x'] }, 'x')).toBe(true);
    expect(canSee({ username: 'm', role: 'manager', sites: ['x'] }, 'y')).toBe(false);
    expect(canSee({ username: 'm', role: 'manager' }, 'x')).toBe(false);
  });
});
