/**
 * The forecast on the site detail's history chart (issue #7 item 3): fetched when the history is
 * shown and again every minute (the server caches a site's forecast for a minute, so asking more
 * often would only repeat it). A failed fetch leaves the last forecast drawn; the live line and
 * history do not depend on it. Requests are aborted when the site or range changes.
 */
import { api } from './api.ts';
import type { HistoryChart } from './history-chart.ts';
import type { Point } from './history-data.ts';

export const FORECAST_REFRESH_MS = 60_000;

export interface SiteForecast {
  /** Fetches and draws the forecast of `siteId` on `chart` (after each history load). */
  load(siteId: string, chart: HistoryChart): void;
  /** Called every second; refetches once the forecast is a minute old. */
  tick(): void;
  close(): void;
}

/** @example const forecast = createSiteForecast({ now: Date.now }); forecast.load(siteId, chart); */
export function createSiteForecast(options: { now: () => number }): SiteForecast {
  let current: { siteId: string; chart: HistoryChart } | undefined;
  let loading: AbortController | undefined;
  let loadedAt = 0;

  const fetchNow = async () => {
    const target = current;
    if (!target) return;
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    loadedAt = options.now();
    try {
      const res = await api.forecast(target.siteId, controller.signal);
      if (controller.signal.aborted || current !== target) return;
      const points: Point[] = res.points.map((p) => ({ x: Date.parse(p.t), y: p.occupancy }));
      target.chart.showForecast(points, res.safeCapacity);
    } catch {
      // Keep what is drawn: a forecast is an aid, and the next tick tries again.
    }
  };

  return {
    load(siteId, chart) {
      current = { siteId, chart };
      void fetchNow();
    },
    tick() {
      if (current && options.now() - loadedAt >= FORECAST_REFRESH_MS) void fetchNow();
    },
    close() {
      loading?.abort();
      current = undefined;
    },
  };
}
