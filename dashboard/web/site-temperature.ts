/**
 * The temperature part of the site detail: loads body and ambient readings for the chosen range
 * from `GET /api/sites/:id/temperature` (downsampled on the server), draws them with the fever
 * thresholds (temperature-chart.ts) and appends live readings from the site store. A server
 * without the route, or a store that is down, leaves a message instead of a chart, never an
 * error on the page.
 */
import type { SiteView } from '../../shared/site-state.ts';
import { api } from './api.ts';
import { setText } from './dom.ts';
import { formatCelsius } from './format.ts';
import { RANGES, type RangeId } from './history-data.ts';
import { getLang, t } from './locale.ts';
import { createTemperatureChart, type TemperatureChart } from './temperature-chart.ts';
import { bucketsToPoints, summarizeTemperature, type TemperatureSeries } from './temperature-data.ts';

export interface SiteTemperature {
  /** Loads the window for `range`; readings the site view already carries count as seen. */
  load(site: SiteView, range: RangeId): void;
  /** A changed site view: appends readings that changed since, once the history is in. */
  live(site: SiteView): void;
  close(): void;
  relabel(): void;
}

export function createSiteTemperature(options: {
  canvas: HTMLCanvasElement;
  status: HTMLElement;
  now?: () => number;
}): SiteTemperature {
  const { canvas, status } = options;
  const now = options.now ?? Date.now;
  let chart: TemperatureChart | undefined;
  let loading: AbortController | undefined;
  let ready = false;
  let series: TemperatureSeries = { body: [], ambient: [] };
  let range: RangeId = '1h';
  let lastBody: number | null = null;
  let lastAmbient: number | null = null;

  const setStatus = (text: string) => {
    setText(status, text);
    status.hidden = text === '';
  };

  const describe = () => {
    const lang = getLang();
    const { bodyMax, ambientLast } = summarizeTemperature(series);
    const none = t('detail.none');
    canvas.setAttribute(
      'aria-label',
      t('temp.summary', {
        range: t(`chart.range.${range}.label`),
        body: bodyMax === null ? none : formatCelsius(bodyMax, lang),
        ambient: ambientLast === null ? none : formatCelsius(ambientLast, lang),
      }),
    );
    setStatus(series.body.length + series.ambient.length === 0 ? t('temp.empty') : '');
  };

  return {
    load(site, nextRange) {
      const siteId = site.id;
      lastBody = site.bodyTempC;
      lastAmbient = site.ambientTempC;
      loading?.abort();
      const controller = new AbortController();
      loading = controller;
      range = nextRange;
      ready = false;
      setStatus(t('chart.loading'));
      const { spanMs, step } = RANGES[range];
      const toMs = now();
      const fromMs = toMs - spanMs;
      const fetchKind = (kind: 'body' | 'ambient') =>
        api.temperature(siteId, kind, fromMs, toMs, step, controller.signal);
      Promise.all([fetchKind('body'), fetchKind('ambient')]).then(
        ([body, ambient]) => {
          if (controller.signal.aborted) return;
          series = {
            body: bucketsToPoints(body.buckets, 'max'),
            ambient: bucketsToPoints(ambient.buckets, 'mean'),
          };
          chart ??= createTemperatureChart(canvas);
          chart.show(series, range, fromMs, toMs);
          ready = true;
          describe();
        },
        (err: unknown) => {
          if ((err as Error).name === 'AbortError' || controller.signal.aborted) return;
          setStatus(t('temp.error'));
        },
      );
    },
    live(site) {
      const at = site.updatedAt === null ? now() : Date.parse(site.updatedAt) || now();
      const changed: Array<['body' | 'ambient', number]> = [];
      if (site.bodyTempC !== null && site.bodyTempC !== lastBody) changed.push(['body', site.bodyTempC]);
      if (site.ambientTempC !== null && site.ambientTempC !== lastAmbient)
        changed.push(['ambient', site.ambientTempC]);
      lastBody = site.bodyTempC;
      lastAmbient = site.ambientTempC;
      if (!ready || !chart) return;
      for (const [kind, celsius] of changed) chart.appendLive(kind, at, celsius, now());
      if (changed.length) setStatus('');
    },
    close() {
      loading?.abort();
      chart?.destroy();
      chart = undefined;
      ready = false;
      series = { body: [], ambient: [] };
      lastBody = null;
      lastAmbient = null;
      setStatus('');
    },
    relabel() {
      chart?.relabel();
      if (ready) describe();
    },
  };
}
