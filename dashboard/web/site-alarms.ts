/**
 * The alarm history of one site in its detail panel: the alarms the server keeps for the site
 * (open ones and the latest cleared one of each type), newest first, each with every step of
 * its history (raised, escalated, acknowledged by whom, comments, cleared), kept live from the
 * alarm store; then one line per earlier alarm of the last 7 days, from the stored alarm events
 * (`GET /api/sites/:id/alarm-events`). Elements carry `data-testid="site-alarm"` (not `alarm-row`, which is the alarms
 * view's) with `data-alarm-id`, `data-severity`, `data-state`.
 */
import type { Alarm } from '../../shared/alarms.ts';
import { type AlarmEvent, pastAlarms, siteAlarmHistory } from './alarm-order.ts';
import type { AlarmStore } from './alarm-store.ts';
import { actorText, alarmSince, alarmSummary, alarmTime, transitionText } from './alarm-text.ts';
import { api } from './api.ts';
import { byTestId, h } from './dom.ts';
import { alarmStateText, alarmTypeText, severityText } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';

export interface SiteAlarms {
  open(siteId: string): void;
  close(): void;
  tick(): void;
  destroy(): void;
}

export function createSiteAlarms(options: { alarms: AlarmStore; now?: () => number }): SiteAlarms {
  const { alarms } = options;
  const now = options.now ?? Date.now;
  const list = byTestId<HTMLUListElement>('detail-alarms');
  const known = new Map<string, Alarm>();
  let events: AlarmEvent[] = [];
  let siteId: string | undefined;
  let loading: AbortController | undefined;
  let failed = false;
  let lastTick = 0;

  const keep = (alarm: Alarm) => {
    const before = known.get(alarm.id);
    if (!before || before.updatedAt <= alarm.updatedAt) known.set(alarm.id, alarm);
  };

  const render = () => {
    const lang = getLang();
    const nowMs = now();
    const shown = siteId ? siteAlarmHistory(known.values(), siteId) : [];
    const past = pastAlarms(events, new Set(shown.map((a) => a.id))).map((p) =>
      h(
        'li',
        {
          class: 'site-alarm past',
          'data-testid': 'site-past-alarm',
          'data-alarm-id': p.alarmId,
          'data-severity': p.severity,
        },
        h('span', { class: 'severity-badge', 'data-severity': p.severity }, severityText(lang, p.severity)),
        ' ',
        h('strong', {}, alarmTypeText(lang, p.type)),
        ` · ${alarmTime(p.raisedAt, lang, nowMs)} – `,
        p.clearedAt === null ? t('detail.stillOpen') : alarmTime(p.clearedAt, lang, nowMs),
        p.acknowledgedBy
          ? ` · ${t('alarm.by', { action: t('alarm.action.acknowledged'), by: actorText(p.acknowledgedBy, lang) })}`
          : '',
        p.clearedBy
          ? ` · ${t('alarm.by', { action: t('alarm.action.cleared'), by: actorText(p.clearedBy, lang) })}`
          : '',
      ),
    );
    const pastBlock = past.length
      ? [h('li', { class: 'past-head' }, h('h4', {}, t('detail.pastAlarms'))), ...past]
      : [];
    if (shown.length === 0) {
      list.replaceChildren(
        h('li', { class: 'muted' }, failed ? t('detail.alarmsError') : t('detail.noAlarms')),
        ...pastBlock,
      );
      return;
    }
    list.replaceChildren(
      ...shown.map((alarm) =>
        h(
          'li',
          {
            class: 'site-alarm',
            'data-testid': 'site-alarm',
            'data-alarm-id': alarm.id,
            'data-severity': alarm.severity,
            'data-state': alarm.state,
          },
          h(
            'p',
            { class: 'site-alarm-head' },
            h(
              'span',
              { class: 'severity-badge', 'data-severity': alarm.severity },
              severityText(lang, alarm.severity),
            ),
            ' ',
            h('strong', {}, alarmTypeText(lang, alarm.type)),
            ' · ',
            h('span', { class: 'alarm-state', 'data-state': alarm.state }, alarmStateText(lang, alarm.state)),
            ' · ',
            alarmSince(alarm, lang, nowMs),
          ),
          h('p', { class: 'alarm-summary' }, alarmSummary(alarm, lang)),
          h(
            'ol',
            { class: 'alarm-steps' },
            ...alarm.history.map((step) => h('li', {}, transitionText(step, lang, nowMs))),
          ),
        ),
      ),
      ...pastBlock,
    );
  };

  const load = async (id: string) => {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    failed = false;
    try {
      const [list, stored] = await Promise.all([
        api.alarms({ siteId: id }, controller.signal),
        // Past alarms are a nice-to-have: the store may be down (503) while current alarms are not.
        api.alarmEvents(id, controller.signal).catch(() => [] as AlarmEvent[]),
      ]);
      if (controller.signal.aborted || id !== siteId) return;
      for (const alarm of list) keep(alarm);
      events = stored;
    } catch (err) {
      if ((err as Error).name === 'AbortError' || controller.signal.aborted) return;
      failed = known.size === 0;
    }
    render();
  };

  const unsubscribe = alarms.subscribe(({ changed }) => {
    if (!siteId) return;
    let touched = false;
    for (const alarm of changed) {
      if (alarm.siteId !== siteId) continue;
      keep(alarm);
      touched = true;
    }
    if (touched) render();
  });
  const offLang = onLangChange(() => {
    if (siteId) render();
  });

  const close = () => {
    siteId = undefined;
    loading?.abort();
    known.clear();
    events = [];
    list.replaceChildren();
  };

  return {
    open(id) {
      if (id === siteId) return;
      close();
      siteId = id;
      for (const alarm of alarms.open.values()) if (alarm.siteId === id) keep(alarm);
      render();
      void load(id);
    },
    close,
    tick() {
      // Ages in the history change slowly; once a minute is enough and spares the DOM.
      const nowMs = now();
      if (siteId && nowMs - lastTick >= 60_000) {
        lastTick = nowMs;
        render();
      }
    },
    destroy() {
      close();
      unsubscribe();
      offLang();
    },
  };
}
