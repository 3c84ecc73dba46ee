import { describe, expect, it } from 'vitest';
import { siteInputSchema } from '../../shared/registry-schemas.ts';
import { countNumber, optionalNumber, siteInputFromForm, sitePatchFromForm } from './admin-sites.ts';
import { normalizePolicy, type PolicyPresetInfo } from './api.ts';
import { changeSides, kindPctFromInputs, policyText } from './policy-text.ts';
import { parseHeadCount } from './site-corrections.ts';

const PRESETS: PolicyPresetInfo[] = [
  { id: 'ppkm-3', label: { id: 'PPKM level 3', en: 'PPKM level 3' }, pct: {} as PolicyPresetInfo['pct'] },
  {
    id: 'psbb',
    label: { id: 'PSBB', en: 'Large-scale social restrictions' },
    pct: {} as PolicyPresetInfo['pct'],
  },
];

describe('site form', () => {
  it('builds a POST /api/sites body the contract accepts, the share typed in percent', () => {
    const input = siteInputFromForm({
      id: ' pasar-tos-3000 ',
      name: 'Pasar Tos 3000',
      kind: 'market',
      designCapacity: '400',
      areaM2: '900',
      policyPct: '1',
      lat: '1,1456',
      lon: '104.0305',
      route: '',
    });
    expect(input).toEqual({
      id: 'pasar-tos-3000',
      name: 'Pasar Tos 3000',
      kind: 'market',
      designCapacity: 400,
      areaM2: 900,
      policyPct: 0.01,
      location: { lat: 1.1456, lon: 104.0305 },
    });
    expect(siteInputSchema.parse(input).policyPct).toBe(0.01);
  });

  it('leaves empty optional fields out and sends a missing capacity as invalid for the server to name', () => {
    const input = siteInputFromForm({ id: 'x1', name: 'X', kind: 'bus', designCapacity: '' });
    expect(Object.keys(input).sort()).toEqual(['designCapacity', 'id', 'kind', 'name']);
    expect(siteInputSchema.safeParse(input).success).toBe(false);
    expect(optionalNumber('  ')).toBeUndefined();
    expect(optionalNumber('12,5')).toBe(12.5);
  });

  it('reads a capacity with thousands separators, the Indonesian way or the English way', () => {
    for (const typed of ['1.000', '1,000', '1 000', '1000'])
      expect(
        siteInputFromForm({ id: 'x1', name: 'X', kind: 'market', designCapacity: typed }).designCapacity,
      ).toBe(1000);
    expect(countNumber('12.500.000')).toBe(12_500_000);
    expect(countNumber('1.5')).toBe(1.5); // not a count: the server refuses it with a reason
    expect(countNumber('')).toBeUndefined();
    expect(sitePatchFromForm({ designCapacity: '1.500' }, { followCity: false, route: null })).toEqual({
      designCapacity: 1500,
    });
  });
});

describe('site edit form', () => {
  const empty = { name: '', designCapacity: '', areaM2: '', policyPct: '', route: '' };

  it('sends only what changed; empty numbers stay as they are', () => {
    expect(
      sitePatchFromForm({ ...empty, name: 'Pasar Tos', policyPct: '40' }, { followCity: false, route: null }),
    ).toEqual({
      name: 'Pasar Tos',
      policyPct: 0.4,
    });
  });

  it('removes the site share to follow the city policy, and an emptied corridor', () => {
    expect(sitePatchFromForm({ ...empty, policyPct: '40' }, { followCity: true, route: 'K1' })).toEqual({
      policyPct: null,
      route: null,
    });
  });
});

describe('count correction', () => {
  it('accepts a whole head count from 0 and refuses anything else', () => {
    expect(parseHeadCount(' 37 ')).toBe(37);
    expect(parseHeadCount('0')).toBe(0);
    for (const bad of ['', '-1', '3.5', '1e3', 'tiga']) expect(parseHeadCount(bad), bad).toBeUndefined();
  });
});

describe('capacity policy', () => {
  it('names a preset with its per-kind overrides in the chosen language', () => {
    expect(policyText({ id: 'ppkm-3', kindPct: { restaurant: 0.25, mall: 0.5 } }, PRESETS, 'id')).toBe(
      'PPKM level 3 · mal 50% · restoran 25%',
    );
    expect(policyText({ id: 'psbb' }, PRESETS, 'en')).toBe('Large-scale social restrictions');
    expect(policyText({ id: 'unknown-preset' }, PRESETS, 'id')).toBe('unknown-preset');
  });

  it('turns override inputs in percent into kindPct fractions and names invalid ones', () => {
    expect(kindPctFromInputs({ restaurant: '25', mall: '', bus: '62,5' })).toEqual({
      kindPct: { bus: 0.625, restaurant: 0.25 },
      invalid: [],
    });
    expect(kindPctFromInputs({ hotel: '150', market: 'x' }).invalid).toEqual(['market', 'hotel']);
  });

  it('reads audit entries whether the server wrote ids or {id, kindPct}', () => {
    expect(changeSides({ from: 'psbb', to: 'ppkm-3', at: 0, by: 'admin' })).toEqual({
      from: { id: 'psbb', kindPct: undefined },
      to: { id: 'ppkm-3', kindPct: undefined },
    });
    expect(
      changeSides({
        from: { id: 'psbb' },
        to: { id: 'ppkm-3', kindPct: { restaurant: 0.25 } },
        at: 0,
        by: 'a',
      }).to,
    ).toEqual({ id: 'ppkm-3', kindPct: { restaurant: 0.25 } });
  });

  it('accepts both shapes of GET /api/policy', () => {
    expect(normalizePolicy({ current: { id: 'psbb' }, presets: PRESETS, changes: [] }).current).toEqual({
      id: 'psbb',
    });
    const flat = normalizePolicy({ id: 'ppkm-3', kindPct: { mall: 0.5 }, presets: PRESETS, changes: [{}] });
    expect(flat.current).toEqual({ id: 'ppkm-3', kindPct: { mall: 0.5 } });
    expect(flat.presets).toHaveLength(2);
    expect(flat.changes).toHaveLength(1);
  });
});
