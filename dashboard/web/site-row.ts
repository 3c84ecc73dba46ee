/**
 * One site in the overview: a real <button> (click, Enter and Space open the detail for free)
 * inside a list item, carrying `data-site-id`, `data-level` and `data-stale` for styling and
 * for tests. Built once per site and then patched field by field, so a batch of updates touches
 * only the text that changed. The level is shown as text plus icon as well as colour.
 */
import type { SiteView } from '../../shared/site-state.ts';
import { h, setAttr, setText } from './dom.ts';
import { formatAge, formatLoad, formatNumber, isStale, readingAgeMs } from './format.ts';
import { kindText, type Lang, levelText } from './i18n.ts';
import { t } from './locale.ts';

export interface SiteRow {
  readonly item: HTMLLIElement;
  readonly button: HTMLButtonElement;
  /** Patches the row to show `site`; cheap when little changed. */
  update(site: SiteView, lang: Lang, nowMs: number): void;
  /** Refreshes only the time-dependent parts (reading age, stale mark). */
  tick(lang: Lang, nowMs: number): void;
}

/** Bar width for a load; capped at 100% of the cell, overload shown by the text and level. */
export function barPercent(site: SiteView): number {
  if (site.load === null || !Number.isFinite(site.load)) {
    return site.safeCapacity === 0 && (site.occupancy ?? 0) > 0 ? 100 : 0;
  }
  return Math.max(0, Math.min(100, Math.round(site.load * 100)));
}

export function createSiteRow(site: SiteView, lang: Lang, nowMs: number): SiteRow {
  const name = h('span', { class: 'site-name' });
  const id = h('span', { class: 'site-id' });
  const kind = h('span', { class: 'cell cell-kind' });
  const occ = h('span', { class: 'occ' });
  const cap = h('span', { class: 'cap' });
  const barFill = h('span', { class: 'bar-fill' });
  const loadText = h('span', { class: 'load-text' });
  const level = h('span', { class: 'cell cell-level level-badge' });
  const age = h('span', { class: 'age' });
  const stale = h('span', { class: 'stale-badge' });
  const button = h(
    'button',
    { type: 'button', class: 'site-row', 'data-testid': 'site-row', 'data-site-id': site.id },
    h('span', { class: 'cell cell-name' }, name, id),
    kind,
    h(
      'span',
      { class: 'cell cell-occ' },
      occ,
      h('span', { class: 'sep', 'aria-hidden': 'true' }, ' / '),
      cap,
    ),
    h(
      'span',
      { class: 'cell cell-load' },
      h('span', { class: 'bar', 'aria-hidden': 'true' }, barFill),
      loadText,
    ),
    level,
    h('span', { class: 'cell cell-age' }, age, stale),
  );
  const item = h('li', { class: 'site-item' }, button);

  let last: SiteView | undefined;
  let lastLang: Lang | undefined;
  let lastStale: boolean | undefined;

  const tick = (l: Lang, now: number) => {
    const current = last;
    if (!current) return;
    setText(age, formatAge(readingAgeMs(current.updatedAt, now), l));
    const isOld = isStale(current.updatedAt, now);
    if (isOld !== lastStale || l !== lastLang) {
      lastStale = isOld;
      setAttr(button, 'data-stale', isOld ? 'true' : 'false');
      setText(stale, isOld ? t('stale.badge') : '');
      setAttr(stale, 'title', isOld ? t('stale.title') : null);
    }
  };

  const update = (s: SiteView, l: Lang, now: number) => {
    const relabel = l !== lastLang;
    const prev = relabel ? undefined : last;
    last = s;
    if (s.name !== prev?.name) setText(name, s.name);
    if (s.id !== prev?.id) setText(id, s.id);
    if (s.kind !== prev?.kind) setText(kind, kindText(l, s.kind));
    if (s.level !== prev?.level) {
      setAttr(button, 'data-level', s.level);
      setText(level, levelText(l, s.level));
    }
    if (s.occupancy !== prev?.occupancy)
      setText(occ, s.occupancy === null ? '—' : formatNumber(s.occupancy, l));
    if (s.safeCapacity !== prev?.safeCapacity) {
      setText(cap, s.safeCapacity === 0 ? t('load.closed') : formatNumber(s.safeCapacity, l));
    }
    if (s.load !== prev?.load || s.occupancy !== prev?.occupancy || s.safeCapacity !== prev?.safeCapacity) {
      setText(loadText, formatLoad(s.load, l, s.occupancy, s.safeCapacity));
      // CSSOM, not a style attribute in markup: allowed under a 'self'-only style-src CSP.
      barFill.style.width = `${barPercent(s)}%`;
    }
    tick(l, now);
    lastLang = l;
  };

  update(site, lang, nowMs);
  return { item, button, update, tick };
}
