/**
 * The detail panel of one site: current numbers, temperatures, bus position, the history chart
 * (1 h / 24 h / 7 d) with live readings appended as they arrive, the temperature chart for the
 * same range (site-temperature.ts) and the site's devices (site-devices.ts). Requests are
 * aborted when the operator switches site or range, so a slow answer never paints over a newer
 * choice.
 */
import type { SiteView } from '../../shared/site-state.ts';
import { api } from './api.ts';
import { byTestId, setAttr, setText } from './dom.ts';
import {
  formatAge,
  formatCelsius,
  formatCoordinate,
  formatLoad,
  formatNumber,
  formatTimeWib,
  readingAgeMs,
} from './format.ts';
import { createHistoryChart, type HistoryChart } from './history-chart.ts';
import { type Point, RANGE_IDS, RANGES, type RangeId, seriesFromBuckets, summarize } from './history-data.ts';
import { kindText, levelText } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';
import { createSiteDevices } from './site-devices.ts';
import { createSiteForecast } from './site-forecast.ts';
import type { SiteChanges, SiteStore } from './site-store.ts';
import { createSiteTemperature } from './site-temperature.ts';

export interface SiteDetailOptions {
  store: SiteStore;
  /** Called after the panel closed itself (close button, Escape). */
  onClose(siteId: string): void;
  now?: () => number;
}

export interface SiteDetail {
  open(siteId: string): void;
  close(): void;
  /** Fetches what came over HTTP again (history, temperatures, devices), e.g. after a reconnect. */
  refresh(): void;
  readonly siteId: string | undefined;
  onChanges(changes: SiteChanges): void;
  tick(): void;
  destroy(): void;
}

export function createSiteDetail(options: SiteDetailOptions): SiteDetail {
  const { store, onClose } = options;
  const now = options.now ?? Date.now;
  const panel = byTestId('site-detail');
  const title = byTestId('detail-name');
  const canvas = byTestId<HTMLCanvasElement>('history-chart');
  const chartStatus = byTestId('chart-status');
  const devicesList = byTestId<HTMLUListElement>('detail-devices');
  const closeButton = byTestId<HTMLButtonElement>('detail-close');
  const rangeButtons = [...panel.querySelectorAll<HTMLButtonElement>('[data-range]')];
  const field = (name: string) => byTestId(`detail-${name}`, panel);
  const fact = (name: string) => field(name).closest<HTMLElement>('.fact');

  let siteId: string | undefined;
  let range: RangeId = '1h';
  let chart: HistoryChart | undefined;
  let loading: AbortController | undefined;
  /** Live readings that arrived while the history was loading, applied after it. */
  let pendingLive: Array<{ at: number; occupancy: number; safeCapacity: number }> = [];
  let historyReady = false;
  const devices = createSiteDevices({ list: devicesList, now });
  const forecast = createSiteForecast({ now });
  const temperature = createSiteTemperature({
    canvas: byTestId<HTMLCanvasElement>('temperature-chart'),
    status: byTestId('temperature-status'),
    now,
  });

  const setStatus = (text: string) => {
    setText(chartStatus, text);
    chartStatus.hidden = text === '';
  };

  const renderFacts = (site: SiteView) => {
    const lang = getLang();
    setText(title, site.name);
    setText(field('id'), site.id);
    setText(field('kind'), kindText(lang, site.kind));
    const level = field('level');
    setAttr(panel, 'data-level', site.level);
    setAttr(level, 'data-level', site.level);
    setText(level, levelText(lang, site.level));
    setText(
      field('occupancy'),
      site.occupancy === null ? t('detail.none') : formatNumber(site.occupancy, lang),
    );
    setText(
      field('safe-capacity'),
      site.safeCapacity === 0 ? t('load.closed') : formatNumber(site.safeCapacity, lang),
    );
    setText(field('design-capacity'), formatNumber(site.designCapacity, lang));
    setText(field('load'), formatLoad(site.load, lang, site.occupancy, site.safeCapacity));
    renderAge(site);
    setText(field('route'), site.route ?? '');
    fact('route')!.hidden = site.route === null;
    setText(
      field('body-temp'),
      site.bodyTempC === null ? t('detail.none') : formatCelsius(site.bodyTempC, lang),
    );
    setText(
      field('ambient-temp'),
      site.ambientTempC === null ? t('detail.none') : formatCelsius(site.ambientTempC, lang),
    );
    const p = site.position;
    fact('position')!.hidden = p === null;
    if (p) {
      const parts = [
        t('detail.positionValue', { lat: formatCoordinate(p.lat, lang), lon: formatCoordinate(p.lon, lang) }),
      ];
      if (p.speedKmh !== undefined)
        parts.push(t('detail.speed', { speed: formatNumber(p.speedKmh, lang, 1) }));
      if (p.heading !== undefined)
        parts.push(t('detail.heading', { heading: formatNumber(p.heading, lang) }));
      parts.push(formatTimeWib(p.ts, lang));
      setText(field('position'), parts.join(' · '));
    }
  };

  const renderAge = (site: SiteView) => {
    const lang = getLang();
    const ms = site.updatedAt === null ? null : Date.parse(site.updatedAt);
    const age = formatAge(readingAgeMs(site.updatedAt, now()), lang);
    setText(field('updated'), ms === null || Number.isNaN(ms) ? age : `${formatTimeWib(ms, lang)} (${age})`);
  };

  const describeChart = (series: { occupancy: Point[]; safeCapacity: Point[] }) => {
    const lang = getLang();
    const { peak, safeCapacity } = summarize(series);
    const label = t(`chart.range.${range}.label`);
    const text =
      peak === null
        ? `${label}: ${t('chart.empty')}`
        : t('chart.summary', {
            range: label,
            peak: formatNumber(peak, lang),
            cap: safeCapacity === null ? t('detail.none') : formatNumber(safeCapacity, lang),
          });
    canvas.setAttribute('aria-label', text);
    return peak === null;
  };

  const loadHistory = async () => {
    const id = siteId;
    if (!id) return;
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    historyReady = false;
    pendingLive = [];
    setStatus(t('chart.loading'));
    for (const b of rangeButtons) b.setAttribute('aria-pressed', String(b.dataset.range === range));
    const { spanMs, step } = RANGES[range];
    const toMs = now();
    const fromMs = toMs - spanMs;
    try {
      const res = await api.history(id, fromMs, toMs, step, controller.signal);
      if (controller.signal.aborted || id !== siteId) return;
      const series = seriesFromBuckets(res.buckets);
      chart ??= createHistoryChart(canvas);
      chart.show(series, range, fromMs, toMs);
      forecast.load(id, chart);
      historyReady = true;
      for (const r of pendingLive) chart.appendLive(r.at, r.occupancy, r.safeCapacity, now());
      const empty = describeChart(series) && pendingLive.length === 0;
      pendingLive = [];
      setStatus(empty && series.safeCapacity.length === 0 ? t('chart.empty') : '');
    } catch (err) {
      if ((err as Error).name === 'AbortError' || controller.signal.aborted) return;
      setStatus(t('chart.error'));
    }
  };

  const appendLive = (site: SiteView) => {
    if (site.occupancy === null) return;
    const parsed = site.updatedAt === null ? Number.NaN : Date.parse(site.updatedAt);
    const reading = {
      at: Number.isNaN(parsed) ? now() : parsed,
      occupancy: site.occupancy,
      safeCapacity: site.safeCapacity,
    };
    if (historyReady && chart) {
      chart.appendLive(reading.at, reading.occupancy, reading.safeCapacity, now());
      // The window is no longer empty once a live reading is in.
      if (!chartStatus.hidden && chartStatus.textContent === t('chart.empty')) setStatus('');
    } else {
      pendingLive.push(reading);
    }
  };

  const close = () => {
    if (!siteId) return;
    const id = siteId;
    siteId = undefined;
    loading?.abort();
    forecast.close();
    chart?.destroy();
    chart = undefined;
    historyReady = false;
    devices.close();
    temperature.close();
    panel.hidden = true;
    document.body.classList.remove('has-detail');
    onClose(id);
  };

  const onRange = (event: Event) => {
    const next = (event.currentTarget as HTMLButtonElement).dataset.range as RangeId;
    if (!RANGE_IDS.includes(next) || next === range) return;
    range = next;
    void loadHistory();
    const site = siteId ? store.get(siteId) : undefined;
    if (site) temperature.load(site, range);
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && siteId && !event.defaultPrevented) {
      event.preventDefault();
      close();
    }
  };
  for (const b of rangeButtons) b.addEventListener('click', onRange);
  closeButton.addEventListener('click', close);
  document.addEventListener('keydown', onKey);
  const offLang = onLangChange(() => {
    const site = siteId ? store.get(siteId) : undefined;
    if (site) {
      renderFacts(site);
      setAttr(closeButton, 'aria-label', t('detail.closeLabel', { name: site.name }));
    }
    devices.render();
    chart?.relabel();
    temperature.relabel();
  });

  return {
    get siteId() {
      return siteId;
    },
    open(id) {
      const site = store.get(id);
      if (!site) return;
      const same = id === siteId;
      siteId = id;
      panel.hidden = false;
      document.body.classList.add('has-detail');
      setAttr(closeButton, 'aria-label', t('detail.closeLabel', { name: site.name }));
      renderFacts(site);
      title.focus();
      if (same) return;
      devices.open(id);
      void loadHistory();
      temperature.load(site, range);
    },
    close,
    refresh() {
      const site = siteId ? store.get(siteId) : undefined;
      if (!site) return;
      devices.refresh();
      void loadHistory();
      temperature.load(site, range);
    },
    onChanges(changes) {
      if (!siteId) return;
      if (changes.removed.has(siteId)) {
        setStatus(t('detail.notFound'));
        setAttr(panel, 'data-level', 'unknown');
        return;
      }
      if (!changes.changed.has(siteId)) return;
      const site = store.get(siteId);
      if (!site) return;
      renderFacts(site);
      // A snapshot after reconnect re-sends everything; a reading only counts once per bucket.
      appendLive(site);
      temperature.live(site);
    },
    tick() {
      const site = siteId ? store.get(siteId) : undefined;
      if (site) renderAge(site);
      devices.tick();
      forecast.tick();
    },
    destroy() {
      close();
      offLang();
      for (const b of rangeButtons) b.removeEventListener('click', onRange);
      closeButton.removeEventListener('click', close);
      document.removeEventListener('keydown', onKey);
    },
  };
}
