import { describe, expect, it } from 'vitest';
import { loadOf, safeCapacity, siteCapacity } from './capacity.ts';
import { findPreset, type PolicyPreset } from './policy.ts';
import type { SiteInput } from './registry-schemas.ts';

describe('safeCapacity', () => {
  it('uses the policy rule alone when the site has no area on record (buses)', () => {
    expect(safeCapacity({ designCapacity: 80, policyPct: 0.5 })).toEqual({
      safeCapacity: 40,
      policyCap: 40,
      areaCap: undefined,
      binding: 'policy',
    });
  });

  it('lets a zero area close the site: area cap 0 wins over any policy', () => {
    expect(safeCapacity({ designCapacity: 100, policyPct: 1, areaM2: 0 })).toEqual({
      safeCapacity: 0,
      policyCap: 100,
      areaCap: 0,
      binding: 'area',
    });
  });

  it('gives 0 at policy 0 and the design capacity at policy 1', () => {
    expect(safeCapacity({ designCapacity: 80, policyPct: 0 }).safeCapacity).toBe(0);
    expect(safeCapacity({ designCapacity: 80, policyPct: 1 }).safeCapacity).toBe(80);
  });

  it('gives 7 for design 10 at 70%', () => {
    expect(safeCapacity({ designCapacity: 10, policyPct: 0.7 }).safeCapacity).toBe(7);
  });

  it.each([
    [90, 0.7, 63],
    [100, 0.57, 57],
    [50, 0.58, 29],
  ])('does not lose a person to IEEE 754: design %d at %d is %d', (designCapacity, policyPct, expected) => {
    expect(Math.floor(designCapacity * policyPct)).toBe(expected - 1);
    expect(safeCapacity({ designCapacity, policyPct }).safeCapacity).toBe(expected);
  });

  it('does not lose a person to IEEE 754 in the area rule: 121 m2 at 1.1 m is 100', () => {
    expect(Math.floor(121 / (1.1 * 1.1))).toBe(99);
    expect(safeCapacity({ designCapacity: 1000, policyPct: 1, areaM2: 121, distanceM: 1.1 }).areaCap).toBe(
      100,
    );
  });

  it.each([
    [7, 0.5, 3],
    [50, 0.85, 42],
    [25, 0.25, 6],
    [100, 0.7, 70],
    [3, 0.7, 2],
  ])('rounds design %d at %d down, never up, to %d', (designCapacity, policyPct, expected) => {
    expect(safeCapacity({ designCapacity, policyPct }).safeCapacity).toBe(expected);
  });

  it.each([
    [1, 100, 100],
    [1.5, 100, 44],
    [2, 100, 25],
    [1.5, 10, 4],
    [1.5, 2.25, 1],
    [2, 3.99, 0],
  ])('at %d m distance allows floor(area / d^2) people: %d m2 -> %d', (distanceM, areaM2, expected) => {
    expect(safeCapacity({ designCapacity: 1000, policyPct: 1, areaM2, distanceM }).areaCap).toBe(expected);
  });

  it('defaults the distance to 1 m (1 m2 per person)', () => {
    expect(safeCapacity({ designCapacity: 1000, policyPct: 1, areaM2: 37.9 }).areaCap).toBe(37);
  });

  it('takes the stricter rule and says which one binds', () => {
    const byArea = safeCapacity({ designCapacity: 100, policyPct: 1, areaM2: 90, distanceM: 1.5 });
    expect(byArea).toEqual({ safeCapacity: 40, policyCap: 100, areaCap: 40, binding: 'area' });
    const byPolicy = safeCapacity({ designCapacity: 100, policyPct: 0.3, areaM2: 90, distanceM: 1.5 });
    expect(byPolicy).toEqual({ safeCapacity: 30, policyCap: 30, areaCap: 40, binding: 'policy' });
  });

  it('reports the policy as binding when both rules give the same number', () => {
    const tie = safeCapacity({ designCapacity: 100, policyPct: 0.4, areaM2: 90, distanceM: 1.5 });
    expect(tie).toMatchObject({ safeCapacity: 40, binding: 'policy' });
  });

  it.each([
    ['designCapacity', { designCapacity: -1, policyPct: 0.5 }],
    ['designCapacity', { designCapacity: Number.NaN, policyPct: 0.5 }],
    ['designCapacity', { designCapacity: Number.POSITIVE_INFINITY, policyPct: 0.5 }],
    ['policyPct', { designCapacity: 10, policyPct: 1.01 }],
    ['policyPct', { designCapacity: 10, policyPct: -0.1 }],
    ['policyPct', { designCapacity: 10, policyPct: Number.NaN }],
    ['areaM2', { designCapacity: 10, policyPct: 0.5, areaM2: -5 }],
    ['areaM2', { designCapacity: 10, policyPct: 0.5, areaM2: Number.NaN }],
    ['areaM2', { designCapacity: 10, policyPct: 0.5, areaM2: Number.POSITIVE_INFINITY }],
    ['distanceM', { designCapacity: 10, policyPct: 0.5, areaM2: 10, distanceM: 0 }],
    ['distanceM', { designCapacity: 10, policyPct: 0.5, distanceM: -1 }],
    ['distanceM', { designCapacity: 10, policyPct: 0.5, distanceM: Number.NaN }],
  ])('rejects a bad %s with a RangeError naming the field (%o)', (field, input) => {
    expect(() => safeCapacity(input)).toThrow(RangeError);
    expect(() => safeCapacity(input)).toThrow(new RegExp(`^${field} `));
  });
});

describe('siteCapacity', () => {
  const ppkm4 = findPreset('ppkm-4') as PolicyPreset;
  const market: SiteInput = { id: 'pasar-jodoh', name: 'Pasar Jodoh', kind: 'market', designCapacity: 200 };

  it("uses the preset's share for the site's kind when the site has none", () => {
    expect(siteCapacity(market, ppkm4).safeCapacity).toBe(100);
    expect(siteCapacity({ ...market, kind: 'restaurant' }, ppkm4).safeCapacity).toBe(50);
    expect(siteCapacity({ ...market, kind: 'mall' }, ppkm4).safeCapacity).toBe(0);
  });

  it("lets the site's own policy share override the preset, including 0", () => {
    expect(siteCapacity({ ...market, policyPct: 0.3 }, ppkm4).safeCapacity).toBe(60);
    expect(siteCapacity({ ...market, policyPct: 0 }, ppkm4).safeCapacity).toBe(0);
    expect(siteCapacity({ ...market, kind: 'mall', policyPct: 1 }, ppkm4).safeCapacity).toBe(200);
  });

  it("uses the preset's distance unless the site sets its own", () => {
    const wide: PolicyPreset = { ...ppkm4, distanceM: 2 };
    const withArea = { ...market, policyPct: 1, areaM2: 100 };
    expect(siteCapacity(withArea, ppkm4)).toMatchObject({ safeCapacity: 100, areaCap: 100 });
    expect(siteCapacity(withArea, wide)).toMatchObject({ safeCapacity: 25, binding: 'area' });
    expect(siteCapacity({ ...withArea, distanceM: 1.5 }, wide)).toMatchObject({ areaCap: 44 });
  });
});

describe('loadOf', () => {
  it('divides occupancy by safe capacity', () => {
    expect(loadOf(30, 40)).toBe(0.75);
    expect(loadOf(0, 40)).toBe(0);
  });

  it('treats a closed site (safe capacity 0) as empty or infinitely loaded', () => {
    expect(loadOf(0, 0)).toBe(0);
    expect(loadOf(1, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
