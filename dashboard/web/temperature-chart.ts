/**
 * The temperature chart of the site detail (chart.js, bundled): the highest body temperature
 * per bucket against the fever thresholds 37.3 °C and 38.0 °C (drawn as dashed lines, labelled
 * in the legend, so the threshold is told by text as well as colour), and the room temperature.
 * The same linear epoch-ms x axis and WIB labels as the occupancy chart; animations off.
 * The canvas carries `data-points` (readings drawn) so tests and scripts can tell an empty chart
 * from a drawn one without reaching into chart.js.
 */
import {
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { formatAxisTick, formatCelsius, formatDateTimeWib } from './format.ts';
import { mergePoint, type Point, RANGES, type RangeId, trimBefore } from './history-data.ts';
import { getLang, t } from './locale.ts';
import { FEVER_CRIT_C, FEVER_WARN_C, type TemperatureSeries, thresholdLine } from './temperature-data.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend);

export interface TemperatureChart {
  show(series: TemperatureSeries, range: RangeId, fromMs: number, toMs: number): void;
  /** Merges a live reading (highest per bucket for body, latest for ambient). */
  appendLive(kind: 'body' | 'ambient', atMs: number, celsius: number, nowMs: number): void;
  relabel(): void;
  destroy(): void;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

const sparsePoints = (ctx: { dataset: { data: unknown[] } }) => (ctx.dataset.data.length < 40 ? 3 : 0);

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
  const textColor = cssVar('--fg-muted', '#555');
  const gridColor = cssVar('--chart-grid', 'rgba(0,0,0,0.1)');
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
    options: {
      parsing: false,
      normalized: true,
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          grid: { color: gridColor },
          ticks: {
            color: textColor,
            maxTicksLimit: 6,
            maxRotation: 0,
            callback: (value) => formatAxisTick(Number(value), lang(), RANGES[range].spanMs),
          },
          title: { display: true, text: t('chart.time'), color: textColor },
        },
        y: {
          // Keeps both thresholds in view even when every reading is far below them.
          suggestedMin: 30,
          suggestedMax: 39,
          grid: { color: gridColor },
          ticks: { color: textColor, callback: (value) => formatCelsius(Number(value), lang()) },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { color: textColor, boxWidth: 24, boxHeight: 3 } },
        tooltip: {
          filter: (item) => item.datasetIndex < 2,
          callbacks: {
            title: (items) => (items[0] ? formatDateTimeWib(items[0].parsed.x ?? 0, lang()) : ''),
            label: (item) => `${item.dataset.label}: ${formatCelsius(item.parsed.y ?? 0, lang())}`,
          },
        },
      },
    },
  };
  const chart = new Chart(canvas, config);

  const setWindow = (fromMs: number, toMs: number) => {
    warn.splice(0, warn.length, ...thresholdLine(FEVER_WARN_C, fromMs, toMs));
    crit.splice(0, crit.length, ...thresholdLine(FEVER_CRIT_C, fromMs, toMs));
    const x = chart.options.scales?.x;
    if (x) {
      x.min = fromMs;
      x.max = toMs;
    }
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
