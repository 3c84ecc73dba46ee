/**
 * The devices of the site open in the detail panel: type (translated), when ingest last heard
 * from each (clock time in WIB and age) and its online state from its retained `status`
 * message, told by text and icon (● daring, ○ luring, ? unknown), never by colour alone.
 * Re-fetched every 30 s while open and after a reconnect, since `online` changes on the server
 * side only; ages tick locally every second.
 *
 * Elements: `li[data-testid="device-row"]` with `data-device-id` and `data-online`
 * (`true`, `false` or `unknown`).
 */
import { api, type SiteDevice } from './api.ts';
import { h, setText } from './dom.ts';
import { formatAge, formatDateTimeWib, formatTimeWib } from './format.ts';
import { type Lang, type MessageKey, translate } from './i18n.ts';
import { getLang, t } from './locale.ts';

const REFRESH_MS = 30_000;
const DAY_MS = 86_400_000;

export interface SiteDevices {
  open(siteId: string): void;
  /** Fetches the list again (after a reconnect). */
  refresh(): void;
  close(): void;
  /** Re-renders the ages; called once a second. */
  tick(): void;
  /** Re-renders every label (language switch). */
  render(): void;
}

/** Translated device type; an unknown type (a newer server) is shown as sent. */
export function deviceTypeText(type: string | undefined): string {
  if (!type) return '';
  const key = `device.type.${type}` as MessageKey;
  const text = t(key);
  return text === key || text === undefined ? type : text;
}

/**
 * @example lastSeenText('2025-11-28T07:05:09Z', 'id', Date.UTC(2025, 10, 28, 7, 5, 21)) // 'terakhir terlihat 14.05.09 WIB (12 dtk lalu)'
 */
export function lastSeenText(lastSeenAt: string | null | undefined, lang: Lang, nowMs: number): string {
  const ms = lastSeenAt ? Date.parse(lastSeenAt) : Number.NaN;
  if (Number.isNaN(ms)) return translate(lang, 'device.neverSeen');
  const clock = nowMs - ms < DAY_MS ? formatTimeWib(ms, lang) : formatDateTimeWib(ms, lang);
  return translate(lang, 'device.lastSeen', {
    time: `${clock} (${formatAge(Math.max(0, nowMs - ms), lang)})`,
  });
}

const STATE_ICONS = { true: '●', false: '○', unknown: '?' } as const;

export function createSiteDevices(options: { list: HTMLUListElement; now?: () => number }): SiteDevices {
  const { list } = options;
  const now = options.now ?? Date.now;
  let siteId: string | undefined;
  let devices: SiteDevice[] | undefined;
  let loading: AbortController | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const ages = new Map<string, HTMLElement>();

  const render = () => {
    ages.clear();
    if (!devices || devices.length === 0) {
      list.replaceChildren(h('li', { class: 'muted' }, devices ? t('detail.noDevices') : ''));
      return;
    }
    const lang = getLang();
    const nowMs = now();
    list.replaceChildren(
      ...devices.map((d) => {
        const online = d.online === true ? 'true' : d.online === false ? 'false' : 'unknown';
        const stateText =
          online === 'true'
            ? t('detail.deviceOnline')
            : online === 'false'
              ? t('detail.deviceOffline')
              : t('device.unknownState');
        const age = h('span', { class: 'device-seen' }, lastSeenText(d.lastSeenAt, lang, nowMs));
        ages.set(d.id, age);
        return h(
          'li',
          { 'data-testid': 'device-row', 'data-device-id': d.id, 'data-online': online },
          h(
            'span',
            { class: 'device-state' },
            h('span', { 'aria-hidden': 'true' }, STATE_ICONS[online]),
            ` ${stateText}`,
          ),
          ' ',
          h('span', { class: 'device-id' }, d.name ? `${d.name} (${d.id})` : d.id),
          d.type ? h('span', { class: 'device-type' }, ` · ${deviceTypeText(d.type)}`) : '',
          h('span', { class: 'muted' }, ' · '),
          age,
        );
      }),
    );
  };

  const load = async () => {
    const id = siteId;
    if (!id) return;
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    try {
      const detail = await api.site(id, controller.signal);
      if (controller.signal.aborted || id !== siteId) return;
      devices = Array.isArray(detail.devices) ? detail.devices : [];
    } catch (err) {
      if ((err as Error).name === 'AbortError' || controller.signal.aborted || id !== siteId) return;
      // Keep what was shown before a failed refresh; only a first load shows the empty list.
      devices ??= [];
    }
    render();
  };

  const close = () => {
    siteId = undefined;
    devices = undefined;
    loading?.abort();
    clearInterval(timer);
    timer = undefined;
    ages.clear();
    list.replaceChildren();
  };

  return {
    open(id) {
      if (id === siteId) return;
      close();
      siteId = id;
      render();
      void load();
      timer = setInterval(() => void load(), REFRESH_MS);
    },
    refresh() {
      void load();
    },
    close,
    tick() {
      if (!devices) return;
      const lang = getLang();
      const nowMs = now();
      for (const d of devices) {
        const el = ages.get(d.id);
        if (el) setText(el, lastSeenText(d.lastSeenAt, lang, nowMs));
      }
    },
    render,
  };
}
