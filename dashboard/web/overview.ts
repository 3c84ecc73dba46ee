/**
 * The overview: level counts, search and filters, and the ordered list of sites (worst first).
 * The list is virtualised (virtual-window.ts): it is as tall as all its rows, but only the rows
 * in and near the viewport are in the DOM, each placed at its index; rows are kept per site id
 * and patched in place, so a city of thousands of sites costs a few dozen rows of DOM work.
 * The page itself scrolls (native scrolling, keyboard and touch); arrow keys, Page Up/Down, Home
 * and End walk the whole list, not only the rows that happen to be rendered.
 *
 * Rows show new values on the next frame, but the list is re-ordered at most once per
 * `reorderIntervalMs` (unless the filter changed or sites came or went): a list that reshuffles
 * on every frame cannot be read.
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
import { rowWindow } from './virtual-window.ts';

const rowKey = (item: Element) => item.firstElementChild?.getAttribute('data-site-id') ?? '';

/** Space between rows (styles.css `.site-item` has no margin: the stride adds it). */
const ROW_GAP_PX = 5;
/** Rows rendered above and below the viewport, so a fast scroll does not show blank space. */
const OVERSCAN = 8;
/** A row's height plus gap until the first row is measured. */
const ESTIMATED_STRIDE_PX = 60;

export interface OverviewOptions {
  store: SiteStore;
  onSelect(siteId: string): void;
  schedule(callback: () => void): void;
  now?: () => number;
  reorderIntervalMs?: number;
}

export interface Overview {
  setSelected(siteId: string | undefined): void;
  /** Scrolls to the row of a site and focuses it, if the filter shows it (after the detail closes). */
  focusRow(siteId: string): void;
  /** Refreshes reading ages and stale marks; called once a second. */
  tick(): void;
  destroy(): void;
}

export function createOverview(options: OverviewOptions): Overview {
  const { store, onSelect, schedule } = options;
  const now = options.now ?? Date.now;
  const reorderIntervalMs = options.reorderIntervalMs ?? 1000;

  const list = byTestId<HTMLUListElement>('site-list');
  const search = byTestId<HTMLInputElement>('search');
  const kindSelect = byTestId<HTMLSelectElement>('filter-kind');
  const levelSelect = byTestId<HTMLSelectElement>('filter-level');
  const summary = byTestId('list-summary');
  const emptyNote = byTestId('list-empty');
  const countButtons = [...document.querySelectorAll<HTMLButtonElement>('[data-filter-level]')];

  /** Every row built so far, by site id; only `rendered` ones are in the DOM. */
  const rows = new Map<string, SiteRow>();
  const rendered = new Set<string>();
  /** The translateY each row element was last given, so unchanged rows are not written. */
  const placed = new Map<string, number>();
  let orderedIds: string[] = [];
  let indexOf = new Map<string, number>();
  let stride = 0;
  let measuredWidth = -1;
  /** A row kept in the DOM outside the window: the keyboard's target. */
  let pinned: string | undefined;
  let filter: SiteFilter = { ...EMPTY_FILTER };
  let selected: string | undefined;
  let fullPending = false;
  let paintPending = false;
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

  /** Puts the rows of the visible window (plus the focused and pinned ones) in the DOM, in order. */
  const paint = () => {
    paintPending = false;
    // A hidden overview (another view is shown) has no window; the ResizeObserver repaints on show.
    if (list.offsetParent === null) return;
    const lang = getLang();
    const nowMs = now();
    const rect = list.getBoundingClientRect();
    if (rect.width !== measuredWidth) {
      // A narrower column turns rows into two-line cards (styles.css container query).
      measuredWidth = rect.width;
      stride = 0;
    }
    const used = stride || ESTIMATED_STRIDE_PX;
    const { start, end } = rowWindow(rect.top, window.innerHeight, used, orderedIds.length, OVERSCAN);
    const indices: number[] = [];
    for (let i = start; i < end; i++) indices.push(i);
    const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.siteId;
    for (const id of new Set([focusedId, pinned])) {
      const i = id === undefined ? undefined : indexOf.get(id);
      if (i !== undefined && (i < start || i >= end)) indices.push(i);
    }
    indices.sort((a, b) => a - b);

    const items: HTMLLIElement[] = [];
    const next = new Set<string>();
    for (const i of indices) {
      const id = orderedIds[i]!;
      const site = store.get(id);
      if (!site) continue;
      let row = rows.get(id);
      if (!row) {
        row = createSiteRow(site, lang, nowMs);
        if (id === selected) row.button.setAttribute('aria-current', 'true');
        rows.set(id, row);
      } else if (!rendered.has(id)) {
        row.update(site, lang, nowMs);
      }
      setAttr(row.item, 'aria-posinset', String(i + 1));
      setAttr(row.item, 'aria-setsize', String(orderedIds.length));
      next.add(id);
      items.push(row.item);
    }
    reorderChildren(list, items, rowKey);
    rendered.clear();
    for (const id of next) rendered.add(id);

    let tallest = 0;
    for (const item of items) tallest = Math.max(tallest, item.offsetHeight);
    if (tallest > 0) stride = Math.max(stride, tallest + ROW_GAP_PX);
    const step = stride || ESTIMATED_STRIDE_PX;
    for (const i of indices) {
      const id = orderedIds[i]!;
      const y = i * step;
      const item = rows.get(id)?.item;
      if (!item || placed.get(id) === y) continue;
      placed.set(id, y);
      // CSSOM, not a style attribute in markup: allowed under a 'self'-only style-src CSP.
      item.style.transform = `translateY(${y}px)`;
    }
    list.style.height = `${Math.max(0, orderedIds.length * step - ROW_GAP_PX)}px`;
    // Moving a focused node blurs it in most browsers; keep keyboard users where they were.
    if (focusedId && document.activeElement === document.body)
      rows.get(focusedId)?.button.focus({ preventScroll: true });
    // The window was sized with an estimate: fill it again with the measured row height.
    if (step !== used) requestPaint();
  };

  const requestPaint = () => {
    if (paintPending) return;
    paintPending = true;
    schedule(paint);
  };

  const reorder = () => {
    const lang = getLang();
    orderedIds = visibleSites(store.sites.values(), filter).map((s) => s.id);
    indexOf = new Map(orderedIds.map((id, i) => [id, i]));
    setText(
      summary,
      store.loaded
        ? t('list.summary', {
            shown: formatNumber(orderedIds.length, lang),
            total: formatNumber(store.sites.size, lang),
          })
        : t('list.loading'),
    );
    emptyNote.hidden = !store.loaded || orderedIds.length > 0;
    paint();
  };

  const render = (changes: SiteChanges | undefined) => {
    const lang = getLang();
    const nowMs = now();
    for (const id of changes?.removed ?? []) {
      rows.get(id)?.item.remove();
      rows.delete(id);
      rendered.delete(id);
      placed.delete(id);
    }
    for (const id of changes?.changed ?? []) {
      const site = store.get(id);
      // Rows outside the window are patched when they come into it (paint()).
      if (site && rendered.has(id)) rows.get(id)?.update(site, lang, nowMs);
    }
    const orderDue =
      !changes || changes.reset || changes.removed.size > 0 || nowMs - lastOrderAt >= reorderIntervalMs;
    if (orderDue) {
      clearTimeout(reorderTimer);
      reorderTimer = undefined;
      lastOrderAt = nowMs;
      reorder();
    } else {
      reorderTimer ??= setTimeout(
        () => {
          reorderTimer = undefined;
          requestFull();
        },
        Math.max(0, lastOrderAt + reorderIntervalMs - nowMs),
      );
    }
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
  /** Renders row `index` (even far outside the window) and focuses it; focus scrolls it into view. */
  const focusIndex = (index: number) => {
    const id = orderedIds[index];
    if (id === undefined) return;
    pinned = id;
    paint();
    rows.get(id)?.button.focus();
  };
  // Arrow keys, Page Up/Down, Home and End walk the list like a listbox; Enter and Space are the
  // button's own.
  const onListKey = (event: KeyboardEvent) => {
    const id = (event.target as Element).closest<HTMLElement>('[data-site-id]')?.dataset.siteId;
    const current = id === undefined ? undefined : indexOf.get(id);
    if (current === undefined) return;
    const page = Math.max(1, Math.floor(window.innerHeight / (stride || ESTIMATED_STRIDE_PX)) - 1);
    const last = orderedIds.length - 1;
    const targets: Record<string, number> = {
      ArrowDown: Math.min(last, current + 1),
      ArrowUp: Math.max(0, current - 1),
      PageDown: Math.min(last, current + page),
      PageUp: Math.max(0, current - page),
      Home: 0,
      End: last,
    };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    focusIndex(target);
  };
  const onFocusOut = (event: FocusEvent) => {
    if (!list.contains(event.relatedTarget as Node | null)) pinned = undefined;
  };
  const resize = new ResizeObserver(() => requestPaint());

  search.addEventListener('input', onFilterInput);
  kindSelect.addEventListener('change', onFilterInput);
  levelSelect.addEventListener('change', onFilterInput);
  for (const b of countButtons) b.addEventListener('click', onCountClick);
  list.addEventListener('click', onListClick);
  list.addEventListener('keydown', onListKey);
  list.addEventListener('focusout', onFocusOut);
  window.addEventListener('scroll', requestPaint, { passive: true });
  window.addEventListener('resize', requestPaint);
  resize.observe(list);
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
      const index = indexOf.get(siteId);
      if (index !== undefined) focusIndex(index);
    },
    tick() {
      const lang = getLang();
      const nowMs = now();
      for (const id of rendered) rows.get(id)?.tick(lang, nowMs);
    },
    destroy() {
      clearTimeout(reorderTimer);
      unsubscribe();
      offLang();
      resize.disconnect();
      search.removeEventListener('input', onFilterInput);
      kindSelect.removeEventListener('change', onFilterInput);
      levelSelect.removeEventListener('change', onFilterInput);
      for (const b of countButtons) b.removeEventListener('click', onCountClick);
      list.removeEventListener('click', onListClick);
      list.removeEventListener('keydown', onListKey);
      list.removeEventListener('focusout', onFocusOut);
      window.removeEventListener('scroll', requestPaint);
      window.removeEventListener('resize', requestPaint);
      list.replaceChildren();
      list.style.height = '';
      rows.clear();
      rendered.clear();
      placed.clear();
    },
  };
}
