/**
 * The overview: level counts, search and filters, and the ordered list of sites (worst first).
 * Rows are kept per site id and reused; each frame only changed rows are patched and the list
 * order is reconciled with the fewest moves, so thousands of sites stay cheap. At most
 * `pageSize` rows are in the DOM at once (flagged sites come first, so they are always in);
 * "show more" extends it.
 *
 * Rows show new values on the next frame, but the list is re-ordered at most once per
 * `reorderIntervalMs` (unless the filter changed or sites came or went): a list that reshuffles
 * on every frame cannot be read, and measured with 5,000 sites and 2,000 updates/s re-ordering
 * every frame spent ~500 ms per frame in DOM moves and layout.
 */
import type { Level, SiteKind } from '../../shared/registry-schemas.ts';
import { byTestId, h, setAttr, setText } from './dom.ts';
import { formatNumber } from './format.ts';
import { kindText, levelText } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';
import { reorderChildren } from './reorder.ts';
import {
  countLevels,
  EMPTY_FILTER,
  KINDS,
  LEVELS_BY_SEVERITY,
  type SiteFilter,
  visibleSites,
} from './site-order.ts';
import { createSiteRow, type SiteRow } from './site-row.ts';
import type { SiteChanges, SiteStore } from './site-store.ts';

const rowKey = (item: Element) => item.firstElementChild?.getAttribute('data-site-id') ?? '';

export interface OverviewOptions {
  store: SiteStore;
  onSelect(siteId: string): void;
  schedule(callback: () => void): void;
  now?: () => number;
  pageSize?: number;
  reorderIntervalMs?: number;
}

export interface Overview {
  setSelected(siteId: string | undefined): void;
  /** Focuses the row of a site if it is shown (after the detail closes). */
  focusRow(siteId: string): void;
  /** Refreshes reading ages and stale marks; called once a second. */
  tick(): void;
  destroy(): void;
}

export function createOverview(options: OverviewOptions): Overview {
  const { store, onSelect, schedule } = options;
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? 500;
  const reorderIntervalMs = options.reorderIntervalMs ?? 1000;

  const list = byTestId<HTMLUListElement>('site-list');
  const search = byTestId<HTMLInputElement>('search');
  const kindSelect = byTestId<HTMLSelectElement>('filter-kind');
  const levelSelect = byTestId<HTMLSelectElement>('filter-level');
  const summary = byTestId('list-summary');
  const emptyNote = byTestId('list-empty');
  const more = byTestId<HTMLButtonElement>('list-more');
  const countButtons = [...document.querySelectorAll<HTMLButtonElement>('[data-filter-level]')];

  const rows = new Map<string, SiteRow>();
  const shown = new Set<string>();
  let filter: SiteFilter = { ...EMPTY_FILTER };
  let limit = pageSize;
  let selected: string | undefined;
  let fullPending = false;
  let lastOrderAt = Number.NEGATIVE_INFINITY;
  let reorderTimer: ReturnType<typeof setTimeout> | undefined;

  const fillSelects = () => {
    const lang = getLang();
    const kindValue = kindSelect.value;
    const levelValue = levelSelect.value;
    kindSelect.replaceChildren(
      h('option', { value: '' }, t('filter.all')),
      ...KINDS.map((k) => h('option', { value: k }, kindText(lang, k))),
    );
    levelSelect.replaceChildren(
      h('option', { value: '' }, t('filter.all')),
      ...LEVELS_BY_SEVERITY.map((l) => h('option', { value: l }, levelText(lang, l))),
    );
    kindSelect.value = kindValue;
    levelSelect.value = levelValue;
  };

  const renderCounts = () => {
    const counts = countLevels(store.sites.values());
    const lang = getLang();
    for (const level of LEVELS_BY_SEVERITY) {
      const el = document.querySelector(`[data-testid="count-${level}"]`);
      if (el) setText(el, formatNumber(counts[level], lang));
    }
    for (const button of countButtons) {
      const level = button.dataset.filterLevel as Level;
      setAttr(button, 'aria-pressed', filter.level === level ? 'true' : 'false');
      setAttr(button, 'title', t('counts.filterHint', { level: levelText(lang, level) }));
    }
  };

  const render = (changes: SiteChanges | undefined) => {
    const lang = getLang();
    const nowMs = now();
    for (const id of changes?.removed ?? []) {
      rows.get(id)?.item.remove();
      rows.delete(id);
      shown.delete(id);
    }
    for (const id of changes?.changed ?? []) {
      const site = store.get(id);
      // Rows off the list are patched when they come back (see the `!shown.has` branch below).
      if (site && shown.has(id)) rows.get(id)?.update(site, lang, nowMs);
    }
    const orderDue =
      !changes || changes.reset || changes.removed.size > 0 || nowMs - lastOrderAt >= reorderIntervalMs;
    if (!orderDue) {
      reorderTimer ??= setTimeout(
        () => {
          reorderTimer = undefined;
          requestFull();
        },
        Math.max(0, lastOrderAt + reorderIntervalMs - nowMs),
      );
      renderCounts();
      return;
    }
    clearTimeout(reorderTimer);
    reorderTimer = undefined;
    lastOrderAt = nowMs;
    const ordered = visibleSites(store.sites.values(), filter);
    const slice = ordered.length > limit ? ordered.slice(0, limit) : ordered;

    const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.siteId;
    const nextShown = new Set<string>();
    const items: HTMLLIElement[] = [];
    for (const site of slice) {
      let row = rows.get(site.id);
      if (!row) {
        row = createSiteRow(site, lang, nowMs);
        if (site.id === selected) row.button.setAttribute('aria-current', 'true');
        rows.set(site.id, row);
      } else if (!shown.has(site.id)) {
        row.update(site, lang, nowMs);
      }
      nextShown.add(site.id);
      items.push(row.item);
    }
    reorderChildren(list, items, rowKey);
    shown.clear();
    for (const id of nextShown) shown.add(id);
    // Moving a focused node blurs it in most browsers; keep keyboard users where they were.
    if (focusedId && document.activeElement === document.body)
      rows.get(focusedId)?.button.focus({ preventScroll: true });

    setText(
      summary,
      store.loaded
        ? t('list.summary', {
            shown: formatNumber(slice.length, lang),
            total: formatNumber(store.sites.size, lang),
          })
        : t('list.loading'),
    );
    emptyNote.hidden = !store.loaded || slice.length > 0;
    const remaining = ordered.length - slice.length;
    more.hidden = remaining <= 0;
    if (remaining > 0)
      setText(more, t('list.more', { n: formatNumber(Math.min(remaining, pageSize), lang) }));
    renderCounts();
  };

  const requestFull = () => {
    if (fullPending) return;
    fullPending = true;
    schedule(() => {
      fullPending = false;
      render(undefined);
    });
  };

  const unsubscribe = store.subscribe((changes) => render(changes));

  const onFilterInput = () => {
    filter = {
      search: search.value,
      kind: kindSelect.value as SiteKind | '',
      level: levelSelect.value as Level | '',
    };
    limit = pageSize;
    requestFull();
  };
  const onCountClick = (event: Event) => {
    const level = (event.currentTarget as HTMLButtonElement).dataset.filterLevel as Level;
    levelSelect.value = filter.level === level ? '' : level;
    onFilterInput();
  };
  const onListClick = (event: Event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-site-id]');
    if (button?.dataset.siteId) onSelect(button.dataset.siteId);
  };
  // Arrow keys walk the list like a listbox; Enter and Space are the button's own.
  const onListKey = (event: KeyboardEvent) => {
    const current = (event.target as Element).closest('li');
    if (!current) return;
    let target: Element | null = null;
    if (event.key === 'ArrowDown') target = current.nextElementSibling;
    else if (event.key === 'ArrowUp') target = current.previousElementSibling;
    else if (event.key === 'Home') target = list.firstElementChild;
    else if (event.key === 'End') target = list.lastElementChild;
    else return;
    event.preventDefault();
    target?.querySelector('button')?.focus();
  };
  const onMore = () => {
    limit += pageSize;
    requestFull();
  };

  search.addEventListener('input', onFilterInput);
  kindSelect.addEventListener('change', onFilterInput);
  levelSelect.addEventListener('change', onFilterInput);
  for (const b of countButtons) b.addEventListener('click', onCountClick);
  list.addEventListener('click', onListClick);
  list.addEventListener('keydown', onListKey);
  more.addEventListener('click', onMore);
  const offLang = onLangChange(() => {
    fillSelects();
    store.invalidate();
  });
  fillSelects();
  requestFull();

  return {
    setSelected(siteId) {
      if (selected) rows.get(selected)?.button.removeAttribute('aria-current');
      selected = siteId;
      if (siteId) rows.get(siteId)?.button.setAttribute('aria-current', 'true');
    },
    focusRow(siteId) {
      rows.get(siteId)?.button.focus();
    },
    tick() {
      const lang = getLang();
      const nowMs = now();
      for (const id of shown) rows.get(id)?.tick(lang, nowMs);
    },
    destroy() {
      clearTimeout(reorderTimer);
      unsubscribe();
      offLang();
      search.removeEventListener('input', onFilterInput);
      kindSelect.removeEventListener('change', onFilterInput);
      levelSelect.removeEventListener('change', onFilterInput);
      for (const b of countButtons) b.removeEventListener('click', onCountClick);
      list.removeEventListener('click', onListClick);
      list.removeEventListener('keydown', onListKey);
      more.removeEventListener('click', onMore);
      list.replaceChildren();
      rows.clear();
      shown.clear();
    },
  };
}
