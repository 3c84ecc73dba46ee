/**
 * What the site detail's time charts share (chart.js, bundled and tree-shaken to the line parts):
 * a linear x axis of epoch milliseconds with ticks on round WIB times, labelled by our own Intl
 * formatter (no date adapter package), animations off (a live operations screen; an animation per point costs CPU
 * for nothing), the legend below, tooltips titled with the WIB time.
 */
import {
  Chart,
  type ChartOptions,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type TooltipItem,
} from 'chart.js';
import { formatAxisTick, formatDateTimeWib } from './format.ts';
import { RANGES, type RangeId } from './history-data.ts';
import { getLang, t } from './locale.ts';
import { timeTicks } from './time-ticks.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend, Filler);

export { Chart };

export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Points are drawn only while a series is sparse: a lone live reading would otherwise be invisible. */
export const sparsePoints = (ctx: { dataset: { data: unknown[] } }) => (ctx.dataset.data.length < 40 ? 3 : 0);

export interface TimeChartOptions {
  /** The range in force, read at draw time (it changes with the range buttons). */
  range: () => RangeId;
  maxTicks: number;
  /** The y scale (its grid and tick colour are filled in). */
  y: NonNullable<ChartOptions<'line'>['scales']>['y'];
  /** Tooltip value of one point. */
  formatValue: (value: number) => string;
  /** Which datasets get a tooltip (default all). */
  tooltipFilter?: (item: TooltipItem<'line'>) => boolean;
}

export function timeChartOptions(o: TimeChartOptions): ChartOptions<'line'> {
  const gridColor = cssVar('--chart-grid', 'rgba(0,0,0,0.1)');
  const textColor = cssVar('--fg-muted', '#555');
  return {
    parsing: false,
    normalized: true,
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: {
        type: 'linear',
        // Ticks on round WIB times (time-ticks.ts), not chart.js's round epoch milliseconds.
        afterBuildTicks: (axis) => {
          axis.ticks = timeTicks(axis.min, axis.max, o.maxTicks).map((value) => ({ value }));
        },
        grid: { color: gridColor },
        ticks: {
          color: textColor,
          maxTicksLimit: o.maxTicks,
          maxRotation: 0,
          callback: (value) => formatAxisTick(Number(value), getLang(), RANGES[o.range()].spanMs),
        },
        title: { display: true, text: t('chart.time'), color: textColor },
      },
      y: { ...o.y, grid: { color: gridColor }, ticks: { color: textColor, ...o.y?.ticks } },
    },
    plugins: {
      legend: { position: 'bottom', labels: { color: textColor, boxWidth: 24, boxHeight: 3 } },
      tooltip: {
        ...(o.tooltipFilter ? { filter: o.tooltipFilter } : {}),
        callbacks: {
          title: (items) => (items[0] ? formatDateTimeWib(items[0].parsed.x ?? 0, getLang()) : ''),
          label: (item) => `${item.dataset.label}: ${o.formatValue(item.parsed.y ?? 0)}`,
        },
      },
    },
  };
}

/** Sets the visible time window of a chart built with timeChartOptions. */
export function setTimeWindow(chart: Chart<'line', unknown>, fromMs: number, toMs: number): void {
  const x = chart.options.scales?.x;
  if (x) {
    x.min = fromMs;
    x.max = toMs;
  }
}
