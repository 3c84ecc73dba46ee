/**
 * The occupancy-against-safe-capacity line chart (chart.js, bundled; tree-shaken to the line
 * parts). The x axis is plain epoch milliseconds on a linear scale, labelled in WIB by our own
 * Intl formatter, so no date adapter package is needed. Animations are off: this is a live
 * operations screen, and an animation per live point costs CPU for nothing. The canvas carries
 * `data-points` (occupancy points drawn) so tests can tell a drawn chart from an empty one.
 */
import type { ChartConfiguration } from 'chart.js';
import { Chart, cssVar, setTimeWindow, sparsePoints, timeChartOptions } from './chart-base.ts';
import { formatNumber } from './format.ts';
import { mergePoint, type Point, RANGES, type RangeId, type Series, trimBefore } from './history-data.ts';
import { getLang, t } from './locale.ts';

export interface HistoryChart {
  /** Replaces the data with a freshly loaded window [fromMs, toMs]. */
  show(series: Series, range: RangeId, fromMs: number, toMs: number): void;
  /** Merges a live reading and slides the window so its right edge is `nowMs`. */
  appendLive(atMs: number, occupancy: number, safeCapacity: number, nowMs: number): void;
  /**
   * Draws the next hour's forecast as a dashed continuation of the occupancy line, with the safe
   * capacity carried on to its end, and widens the window to show it (empty points remove it).
   */
  showForecast(points: Point[], safeCapacity: number | null): void;
  /** Re-labels after a language switch. */
  relabel(): void;
  destroy(): void;
}

/**
 * @example
 * const chart = createHistoryChart(canvas);
 * chart.show(seriesFromBuckets(res.buckets), '1h', from, to);
 */
export function createHistoryChart(canvas: HTMLCanvasElement): HistoryChart {
  let range: RangeId = '1h';
  const occupancy: Point[] = [];
  const safeCapacity: Point[] = [];
  const forecast: Point[] = [];
  /** Safe capacity from now to the forecast's end (its own dataset: live readings merge into the other). */
  const capacityAhead: Point[] = [];
  let windowFrom = 0;
  let windowTo = 0;
  const occColor = cssVar('--chart-occupancy', '#1d4ed8');
  const capColor = cssVar('--chart-capacity', '#b91c1c');

  const config: ChartConfiguration<'line', Point[]> = {
    type: 'line',
    data: {
      datasets: [
        {
          label: t('chart.occupancy'),
          data: occupancy,
          borderColor: occColor,
          backgroundColor: occColor,
          borderWidth: 2,
          pointRadius: sparsePoints,
          pointHitRadius: 6,
        },
        {
          label: t('chart.safeCapacity'),
          data: safeCapacity,
          borderColor: capColor,
          backgroundColor: capColor,
          borderWidth: 2,
          borderDash: [6, 4],
          stepped: 'after',
          pointRadius: sparsePoints,
          pointHitRadius: 6,
        },
        {
          label: t('chart.forecast'),
          data: forecast,
          borderColor: occColor,
          backgroundColor: occColor,
          borderWidth: 2,
          borderDash: [3, 3],
          pointRadius: 0,
          pointHitRadius: 6,
        },
        {
          label: t('chart.safeCapacity'),
          data: capacityAhead,
          borderColor: capColor,
          backgroundColor: capColor,
          borderWidth: 2,
          borderDash: [6, 4],
          pointRadius: 0,
          pointHitRadius: 0,
        },
      ],
    },
    options: timeChartOptions({
      range: () => range,
      maxTicks: 8,
      y: {
        beginAtZero: true,
        ticks: { precision: 0, callback: (value) => formatNumber(Number(value), getLang()) },
      },
      formatValue: (value) => formatNumber(value, getLang()),
    }),
  };
  const legend = config.options?.plugins?.legend;
  // The capacity-ahead line is the same safe capacity: one legend entry for both.
  if (legend) legend.labels = { ...legend.labels, filter: (item) => item.datasetIndex !== 3 };
  const chart = new Chart(canvas, config);

  const setWindow = (fromMs: number, toMs: number) => {
    windowFrom = fromMs;
    windowTo = toMs;
    const ahead = forecast[forecast.length - 1]?.x ?? toMs;
    setTimeWindow(chart, fromMs, Math.max(toMs, ahead));
  };

  return {
    show(series, nextRange, fromMs, toMs) {
      range = nextRange;
      occupancy.splice(0, occupancy.length, ...series.occupancy);
      safeCapacity.splice(0, safeCapacity.length, ...series.safeCapacity);
      setWindow(fromMs, toMs);
      canvas.dataset.points = String(occupancy.length);
      chart.update('none');
    },
    appendLive(atMs, occ, cap, nowMs) {
      const { spanMs, stepMs } = RANGES[range];
      mergePoint(occupancy, { x: atMs, y: occ }, stepMs, 'max');
      mergePoint(safeCapacity, { x: atMs, y: cap }, stepMs, 'last');
      const fromMs = nowMs - spanMs;
      trimBefore(occupancy, fromMs);
      trimBefore(safeCapacity, fromMs);
      setWindow(fromMs, Math.max(nowMs, atMs));
      canvas.dataset.points = String(occupancy.length);
      chart.update('none');
    },
    showForecast(points, cap) {
      forecast.splice(0, forecast.length, ...points);
      const first = points[0];
      const last = points[points.length - 1];
      capacityAhead.splice(0, capacityAhead.length);
      if (first && last && cap !== null) capacityAhead.push({ x: first.x, y: cap }, { x: last.x, y: cap });
      setWindow(windowFrom, windowTo);
      canvas.dataset.forecastPoints = String(forecast.length);
      chart.update('none');
    },
    relabel() {
      const [occ, cap, ahead, capAhead] = chart.data.datasets;
      if (occ) occ.label = t('chart.occupancy');
      if (cap) cap.label = t('chart.safeCapacity');
      if (ahead) ahead.label = t('chart.forecast');
      if (capAhead) capAhead.label = t('chart.safeCapacity');
      const x = chart.options.scales?.x;
      if (x && 'title' in x && x.title) x.title.text = t('chart.time');
      chart.update('none');
    },
    destroy() {
      chart.destroy();
      delete canvas.dataset.points;
      delete canvas.dataset.forecastPoints;
    },
  };
}
