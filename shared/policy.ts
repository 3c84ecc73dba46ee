/**
 * City capacity policy presets (DOMAIN.md "Capacity rules"). A preset gives the share of design
 * capacity allowed per site kind and the physical distance for the area rule. Sources:
 * Permenhub PM 18/2020 (buses 50%), Kemenhub SE 11/2020 (70% then 85%), Kepgub DKI 563/2020
 * (markets/malls 50%), SE Wali Kota Batam 41/2021 (dine-in 25% at PPKM 4) and 47/2021
 * (tourist sites 50%), Batam mayor's circulars 2021-22 (malls 50% -> 75% -> 100%),
 * KMK HK.01.07/MENKES/382/2020 (distance at least 1 m).
 */
import type { SiteKind } from './registry-schemas.ts';

export interface PolicyPreset {
  id: string;
  label: { id: string; en: string };
  /** Share of design capacity per kind, 0..1. */
  pct: Record<SiteKind, number>;
  /** Physical distance in metres; m2 per person = d * d. */
  distanceM: number;
}

function preset(
  id: string,
  label: [string, string],
  bus: number,
  venues: Partial<Record<Exclude<SiteKind, 'bus'>, number>> & { default: number },
): PolicyPreset {
  const v = (k: Exclude<SiteKind, 'bus'>) => venues[k] ?? venues.default;
  return {
    id,
    label: { id: label[0], en: label[1] },
    pct: {
      bus,
      market: v('market'),
      attraction: v('attraction'),
      mall: v('mall'),
      hotel: v('hotel'),
      restaurant: v('restaurant'),
      'public-service': v('public-service'),
    },
    distanceM: 1,
  };
}

export const POLICY_PRESETS: readonly PolicyPreset[] = [
  preset('psbb', ['PSBB', 'Large-scale social restrictions'], 0.5, { default: 0.5 }),
  preset('new-normal-1', ['Adaptasi kebiasaan baru tahap I-II', 'New normal phase I-II'], 0.7, {
    default: 0.5,
  }),
  preset('new-normal-3', ['Adaptasi kebiasaan baru tahap III', 'New normal phase III'], 0.85, {
    default: 0.75,
  }),
  preset('ppkm-4', ['PPKM level 4', 'PPKM level 4'], 0.5, {
    default: 0.5,
    attraction: 0,
    mall: 0,
    restaurant: 0.25,
  }),
  preset('ppkm-3', ['PPKM level 3', 'PPKM level 3'], 0.5, { default: 0.5, restaurant: 0.5 }),
  preset('ppkm-2', ['PPKM level 2', 'PPKM level 2'], 0.7, { default: 0.75, restaurant: 0.5 }),
  preset('ppkm-1', ['PPKM level 1', 'PPKM level 1'], 0.85, { default: 1, restaurant: 0.75 }),
  preset('normal', ['Normal', 'Normal'], 1, { default: 1 }),
];

export const DEFAULT_POLICY_ID = 'new-normal-1';

export function findPreset(id: string): PolicyPreset | undefined {
  return POLICY_PRESETS.find((p) => p.id === id);
}
