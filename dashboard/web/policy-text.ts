/**
 * The city capacity policy as text for the admin screen and its audit log: a preset's label in
 * the current language plus any per-kind overrides (`PPKM level 3 · restoran 25%`), and the
 * override form's values turned into the `kindPct` of `PUT /api/policy`. Pure, tested.
 */
import type { SiteKind } from '../../shared/registry-schemas.ts';
import type { KindPct, PolicyChange, PolicyPresetInfo } from './api.ts';
import { formatLoad } from './format.ts';
import { kindText, type Lang } from './i18n.ts';
import { KINDS } from './site-order.ts';

export type PolicyRef = { id: string; kindPct?: KindPct | undefined };

/** A share 0..1 as a whole percentage: `0.25` -> `25%`. */
export function pctText(share: number, lang: Lang): string {
  return formatLoad(share, lang);
}

/**
 * @example policyText({ id: 'ppkm-3', kindPct: { restaurant: 0.25 } }, presets, 'id') // 'PPKM level 3 · restoran 25%'
 */
export function policyText(ref: PolicyRef, presets: readonly PolicyPresetInfo[], lang: Lang): string {
  const preset = presets.find((p) => p.id === ref.id);
  const parts = [preset ? preset.label[lang] : ref.id];
  for (const kind of KINDS) {
    const share = ref.kindPct?.[kind];
    if (share !== undefined) parts.push(`${kindText(lang, kind)} ${pctText(share, lang)}`);
  }
  return parts.join(' · ');
}

/** The two sides of an audit entry, whichever shape the server wrote (`from: 'psbb'` or `from: {id, kindPct}`). */
export function changeSides(change: PolicyChange): { from: PolicyRef; to: PolicyRef } {
  const side = (value: PolicyChange['from'], kindPct: KindPct | undefined): PolicyRef =>
    typeof value === 'string' ? { id: value, kindPct } : { id: value.id, kindPct: value.kindPct ?? kindPct };
  return { from: side(change.from, change.fromKindPct), to: side(change.to, change.toKindPct) };
}

/**
 * Per-kind override inputs (percent; empty = the preset's share) to `kindPct` (fractions).
 * Returns the kinds whose value is not a percentage 0..100 in `invalid`.
 *
 * @example kindPctFromInputs({ restaurant: '25', mall: '' }) // { kindPct: { restaurant: 0.25 }, invalid: [] }
 */
export function kindPctFromInputs(values: Partial<Record<SiteKind, string>>): {
  kindPct: KindPct;
  invalid: SiteKind[];
} {
  const kindPct: KindPct = {};
  const invalid: SiteKind[] = [];
  for (const kind of KINDS) {
    const text = (values[kind] ?? '').trim().replace(',', '.');
    if (text === '') continue;
    const pct = Number(text);
    if (!Number.isFinite(pct) || pct < 0 || pct > 100) invalid.push(kind);
    else kindPct[kind] = Math.round(pct * 100) / 10_000;
  }
  return { kindPct, invalid };
}
