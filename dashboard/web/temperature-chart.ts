/**
 * The temperature chart of the site detail (chart.js, bundled): the highest body temperature
 * per bucket against the fever thresholds 37.3 °C and 38.0 °C (drawn as dashed lines, labelled
 * in the legend, so the threshold is told by text as well as colour), and the room temperature.
 * The same linear epoch-ms x axis and WIB labels as the occupancy chart; animations off.
 * The canvas carries `data-points` (readings drawn) so tests and scripts can tell an empty chart
 * from a drawn one without reaching into chart.js.
 */
import type { ChartConfiguration } from 'chart.js';
import { Chart, cssVar, setTimeWindow, sparsePoints, timeChartOptions } from './chart-base.ts';
import { formatCelsius } from './format.ts';
import { mergePoint, type Point, RANGES, type RangeId, trimBefore } from './history-data.ts';
import { getLang, t } from './locale.ts';
import { FEVER_CRIT_C, FEVER_WARN_C, type TemperatureSeries, thresholdLine } from './temperature-data.ts';

export interface TemperatureChart {
  show(series: TemperatureSeries, range: RangeId, fromMs: number, toMs: number): void;
  /** Merges a live reading (highest per bucket for body, latest for ambient). */
  appendLive(kind: 'body' | 'ambient', atMs: number, celsius: number, nowMs: number): void;
  relabel(): void;
  destroy(): void;
}

/** @example const chart = createTemperatureChart(canvas); chart.show({ body, ambient }, '1h', from, to); */
export function createTemperatureChart(canvas: HTMLCanvasElement): TemperatureChart {
  let range: RangeId = '1h';
  const body: Point[] = [];
  const ambient: Point[] = [];
  const warn: Point[] = [];
  const crit: Point[] = [];
  const lang = () => getLang();
  const label = (key: 'temp.warnLine' | 'temp.critLine', c: number) =>
    t(key, { c: formatCelsius(c, lang()) });
  const warnColor = cssVar('--warning-line', '#d97706');
  const critColor = cssVar('--critical-line', '#b91c1c');

  const config: ChartConfiguration<'line', Point[]> = {
    type: 'line',
    data: {
      datasets: [
        {
          label: t('temp.body'),
          data: body,
          borderColor: cssVar('--chart-body', '#7c2d12'),
          backgroundColor: cssVar('--chart-body', '#7c2d12'),
          borderWidth: 2,
          pointRadius: sparsePoints,
          pointHitRadius: 6,
        },
        {
          label: t('temp.ambient'),
          data: ambient,
          borderColor: cssVar('--chart-ambient', '#0e7490'),
          backgroundColor: cssVar('--chart-ambient', '#0e7490'),
          borderWidth: 2,
          pointRadius: sparsePoints,
          pointHitRadius: 6,
        },
        {
          label: label('temp.warnLine', FEVER_WARN_C),
          data: warn,
          borderColor: warnColor,
          backgroundColor: warnColor,
          borderWidth: 1.5,
          borderDash: [6, 4],
          pointRadius: 0,
          pointHitRadius: 0,
        },
        {
          label: label('temp.critLine', FEVER_CRIT_C),
          data: crit,
          borderColor: critColor,
          backgroundColor: critColor,
          borderWidth: 1.5,
          borderDash: [2, 3],
          pointRadius: 0,
          pointHitRadius: 0,
        },
      ],
    },
    options: timeChartOptions({
      range: () => range,
      maxTicks: 6,
      // Keeps both thresholds in view even when every reading is far below them.
      y: {
        suggestedMin: 30,
        suggestedMax: 39,
        ticks: { callback: (value) => formatCelsius(Number(value), lang()) },
      },
      formatValue: (value) => formatCelsius(value, lang()),
      tooltipFilter: (item) => item.datasetIndex < 2,
    }),
  };
  const chart = new Chart(canvas, config);

  const setWindow = (fromMs: number, toMs: number) => {
    warn.splice(0, warn.length, ...thresholdLine(FEVER_WARN_C, fromMs, toMs));
    crit.splice(0, crit.length, ...thresholdLine(FEVER_CRIT_C, fromMs, toMs));
    setTimeWindow(chart, fromMs, toMs);
    canvas.dataset.points = String(body.length + ambient.length);
  };

  return {
    show(series, nextRange, fromMs, toMs) {
      range = nextRange;
      body.splice(0, body.length, ...series.body);
      ambient.splice(0, ambient.length, ...series.ambient);
      setWindow(fromMs, toMs);
      chart.update('none');
    },
    appendLive(kind, atMs, celsius, nowMs) {
      const { spanMs, stepMs } = RANGES[range];
      mergePoint(
        kind === 'body' ? body : ambient,
        { x: atMs, y: celsius },
        stepMs,
        kind === 'body' ? 'max' : 'last',
      );
      trimBefore(body, nowMs - spanMs);
      trimBefore(ambient, nowMs - spanMs);
      setWindow(nowMs - spanMs, Math.max(nowMs, atMs));
      chart.update('none');
    },
    relabel() {
      const [b, a, w, c] = chart.data.datasets;
      if (b) b.label = t('temp.body');
      if (a) a.label = t('temp.ambient');
      if (w) w.label = label('temp.warnLine', FEVER_WARN_C);
      if (c) c.label = label('temp.critLine', FEVER_CRIT_C);
      const x = chart.options.scales?.x;
      if (x && 'title' in x && x.title) x.title.text = t('chart.time');
      chart.update('none');
    },
    destroy() {
      chart.destroy();
      delete canvas.dataset.points;
    },
  };
}
