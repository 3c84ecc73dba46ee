/**
 * The alarms view: every open alarm the user may see (the server scopes them), worst first,
 * then longest open; filters by state and type; a summary line for screen readers. Rows are
 * kept per alarm id and patched; the order is reconciled with the fewest DOM moves.
 */
import type { Alarm, AlarmType } from '../../shared/alarms.ts';
import {
  ALARM_TYPE_LIST,
  type AlarmFilter,
  countAlarms,
  EMPTY_ALARM_FILTER,
  visibleAlarms,
} from './alarm-order.ts';
import { type AlarmRow, createAlarmRow } from './alarm-row.ts';
import type { AlarmChanges, AlarmStore } from './alarm-store.ts';
import { api } from './api.ts';
import { byTestId, h, setText } from './dom.ts';
import { formatNumber } from './format.ts';
import { alarmTypeText } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';
import { reorderChildren } from './reorder.ts';
import type { SiteStore } from './site-store.ts';

export interface AlarmsViewOptions {
  alarms: AlarmStore;
  sites: SiteStore;
  onOpenSite(siteId: string): void;
  now?: () => number;
}

export interface AlarmsView {
  /** Refreshes ages and site names; called once a second. */
  tick(): void;
  destroy(): void;
}

const rowKey = (el: Element) => el.getAttribute('data-alarm-id') ?? '';

export function createAlarmsView(options: AlarmsViewOptions): AlarmsView {
  const { alarms, sites, onOpenSite } = options;
  const now = options.now ?? Date.now;
  const list = byTestId<HTMLUListElement>('alarm-list');
  const summary = byTestId('alarm-summary');
  const empty = byTestId('alarm-empty');
  const stateSelect = byTestId<HTMLSelectElement>('alarm-filter-state');
  const typeSelect = byTestId<HTMLSelectElement>('alarm-filter-type');

  const rows = new Map<string, AlarmRow>();
  let filter: AlarmFilter = { ...EMPTY_ALARM_FILTER };

  const siteName = (siteId: string) => sites.get(siteId)?.name ?? siteId;

  const onAction = async (alarm: Alarm, verb: Parameters<typeof api.alarmAction>[1], body: object) => {
    const updated = await api.alarmAction(alarm.id, verb, body);
    // The socket brings the same change within a tick; showing the answer now feels instant.
    if (updated && typeof updated === 'object' && 'id' in updated) alarms.update([updated]);
  };

  const fillSelects = () => {
    const state = stateSelect.value;
    const type = typeSelect.value;
    stateSelect.replaceChildren(
      h('option', { value: '' }, t('alarms.stateAll')),
      h('option', { value: 'open' }, t('alarms.stateOpen')),
      h('option', { value: 'acknowledged' }, t('alarms.stateAcknowledged')),
    );
    typeSelect.replaceChildren(
      h('option', { value: '' }, t('filter.all')),
      ...ALARM_TYPE_LIST.map((k) => h('option', { value: k }, alarmTypeText(getLang(), k))),
    );
    stateSelect.value = state;
    typeSelect.value = type;
  };

  const render = (changed?: readonly Alarm[]) => {
    const lang = getLang();
    const nowMs = now();
    for (const alarm of changed ?? []) {
      const row = rows.get(alarm.id);
      if (row && alarm.state !== 'cleared') row.update(alarm, siteName(alarm.siteId), lang, nowMs);
    }
    const shown = visibleAlarms(alarms.open.values(), filter);
    const wanted = new Set(shown.map((a) => a.id));
    // Keep keyboard focus in the list when the focused row goes (cleared, filtered out).
    const focusedRow = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>(
      '[data-alarm-id]',
    );
    const focusedId = focusedRow && list.contains(focusedRow) ? rowKey(focusedRow) : undefined;
    let focusNext: string | undefined;
    if (focusedId && !wanted.has(focusedId)) {
      const ids = [...list.children].map(rowKey);
      const at = ids.indexOf(focusedId);
      focusNext =
        ids.slice(at + 1).find((id) => wanted.has(id)) ??
        ids
          .slice(0, at)
          .reverse()
          .find((id) => wanted.has(id));
    }
    for (const [id, row] of rows) {
      if (!wanted.has(id)) {
        row.item.remove();
        rows.delete(id);
      }
    }
    const items = shown.map((alarm) => {
      let row = rows.get(alarm.id);
      if (!row) {
        row = createAlarmRow(alarm, siteName(alarm.siteId), lang, nowMs, { onAction, onOpenSite });
        rows.set(alarm.id, row);
      }
      return row.item;
    });
    reorderChildren(list, items, rowKey);
    if (focusedId && !wanted.has(focusedId)) {
      if (focusNext) rows.get(focusNext)?.focus();
      else list.closest('section')?.querySelector<HTMLElement>('h1')?.focus();
    }

    const counts = countAlarms(alarms.open.values());
    setText(
      summary,
      t('alarms.summary', {
        n: formatNumber(counts.open, lang),
        critical: formatNumber(counts.critical, lang),
        unacked: formatNumber(counts.unacknowledged, lang),
      }),
    );
    empty.hidden = shown.length > 0;
  };

  const onFilter = () => {
    filter = {
      state: stateSelect.value as AlarmFilter['state'],
      type: typeSelect.value as AlarmType | '',
    };
    render();
  };

  const unsubscribe = alarms.subscribe((changes: AlarmChanges) => render(changes.changed));
  // Site names arrive with the sites snapshot, possibly after the alarms.
  const unsubscribeSites = sites.subscribe((changes) => {
    if (changes.reset) relabel();
  });
  const relabel = () => {
    const lang = getLang();
    const nowMs = now();
    for (const [id, row] of rows) {
      const alarm = alarms.open.get(id);
      if (alarm) row.update(alarm, siteName(alarm.siteId), lang, nowMs);
    }
    render();
  };
  const offLang = onLangChange(() => {
    fillSelects();
    relabel();
  });
  stateSelect.addEventListener('change', onFilter);
  typeSelect.addEventListener('change', onFilter);
  fillSelects();
  render();

  return {
    tick() {
      const lang = getLang();
      const nowMs = now();
      for (const row of rows.values()) row.tick(lang, nowMs);
    },
    destroy() {
      unsubscribe();
      unsubscribeSites();
      offLang();
      stateSelect.removeEventListener('change', onFilter);
      typeSelect.removeEventListener('change', onFilter);
      list.replaceChildren();
      rows.clear();
    },
  };
}
