import { describe, expect, it } from 'vitest';
import { SITE_KINDS } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import { site } from './site-fixture.ts';
import { countLevels, EMPTY_FILTER, KINDS, visibleSites } from './site-order.ts';

const ids = (sites: SiteView[]) => sites.map((s) => s.id);

describe('site order', () => {
  it('puts flagged sites first: critical, warning, unknown, then ok', () => {
    const sites = [
      site('a-ok', { level: 'ok', load: 0.5 }),
      site('b-unknown', { level: 'unknown', load: null, occupancy: null }),
      site('c-critical', { level: 'critical', load: 1.2 }),
      site('d-warning', { level: 'warning', load: 0.85 }),
    ];
    expect(ids(visibleSites(sites, EMPTY_FILTER))).toEqual(['c-critical', 'd-warning', 'b-unknown', 'a-ok']);
  });

  it('orders sites of one level by load, highest first, then by name', () => {
    const sites = [
      site('x1', { level: 'critical', load: 1.1, name: 'Pasar Tos 3000' }),
      site('x2', { level: 'critical', load: 1.6, name: 'Pasar Botania' }),
      site('x3', { level: 'critical', load: 1.1, name: 'Pasar Aviari' }),
    ];
    expect(ids(visibleSites(sites, EMPTY_FILTER))).toEqual(['x2', 'x3', 'x1']);
  });

  it('ranks an occupied site closed by policy (safe capacity 0) above any finite load', () => {
    const sites = [
      site('busy', { level: 'critical', load: 3 }),
      site('closed', { level: 'critical', load: null, safeCapacity: 0, occupancy: 4 }),
    ];
    expect(ids(visibleSites(sites, EMPTY_FILTER))).toEqual(['closed', 'busy']);
  });

  it('is stable for equal sites (same level, load and name) by id', () => {
    const sites = [site('b', { name: 'Same' }), site('a', { name: 'Same' })];
    expect(ids(visibleSites(sites, EMPTY_FILTER))).toEqual(['a', 'b']);
  });
});

describe('site filter', () => {
  const sites = [
    site('pasar-jodoh', { name: 'Pasar Induk Jodoh', kind: 'market', level: 'warning' }),
    site('bus-k1-07', { name: 'Trans Batam K1-07', kind: 'bus', route: 'K1', level: 'critical' }),
    site('cafe-nongsa', { name: 'Café Nongsa', kind: 'restaurant', level: 'ok' }),
  ];

  it('finds sites by name, case- and accent-insensitive', () => {
    expect(ids(visibleSites(sites, { ...EMPTY_FILTER, search: 'JODOH' }))).toEqual(['pasar-jodoh']);
    expect(ids(visibleSites(sites, { ...EMPTY_FILTER, search: 'cafe' }))).toEqual(['cafe-nongsa']);
  });

  it('finds sites by id and by bus corridor', () => {
    expect(ids(visibleSites(sites, { ...EMPTY_FILTER, search: 'bus-k1' }))).toEqual(['bus-k1-07']);
    expect(ids(visibleSites(sites, { ...EMPTY_FILTER, search: 'k1' }))).toEqual(['bus-k1-07']);
  });

  it('filters by kind and by level, combined with the search', () => {
    expect(ids(visibleSites(sites, { ...EMPTY_FILTER, kind: 'bus' }))).toEqual(['bus-k1-07']);
    expect(ids(visibleSites(sites, { ...EMPTY_FILTER, level: 'ok' }))).toEqual(['cafe-nongsa']);
    expect(ids(visibleSites(sites, { search: 'pasar', kind: 'market', level: 'ok' }))).toEqual([]);
  });

  it('shows everything when the search is blank', () => {
    expect(visibleSites(sites, { ...EMPTY_FILTER, search: '   ' })).toHaveLength(3);
  });
});

describe('level counts', () => {
  it('counts every site by level', () => {
    const counts = countLevels([
      site('a', { level: 'critical' }),
      site('b', { level: 'critical' }),
      site('c', { level: 'warning' }),
      site('d', { level: 'ok' }),
    ]);
    expect(counts).toEqual({ critical: 2, warning: 1, unknown: 0, ok: 1 });
  });

  it('offers every site kind of the contract in the kind filter', () => {
    expect([...KINDS].sort()).toEqual([...SITE_KINDS].sort());
  });
});
