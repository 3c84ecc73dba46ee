/**
 * Occupancy forecast for one site (issue #7 item 3): the next hour from the site's own history.
 * Pure (no I/O, no clock): ingest (capacity-forecast warning), the dashboard (site detail chart)
 * and the accuracy benchmark all call the same two functions.
 *
 * Method:
 * - Profile: mean occupancy per weekday x 15-minute slot of the day in WIB (Asia/Jakarta, UTC+7,
 *   no daylight saving, DOMAIN.md "Counting people"), over the last FORECAST_FIT_DAYS days. A
 *   weekday slot seen on fewer than MIN_WEEKDAY_DAYS days falls back to the same slot over all
 *   days. 15 minutes because demand profiles change on that scale (firmware-sim/demand-profiles.ts
 *   interpolates hourly shapes), 4 weeks give each weekday slot 4 samples (672 slots, 2,688
 *   buckets: one store query well under MAX_HISTORY_BUCKETS), and a mean stay of 20-90 minutes
 *   smooths anything faster. Between slot centres the profile is interpolated linearly.
 * - Blend: forecast(now + h) = profile(now + h) + (current - profile(now)) * exp(-h / tau)
 *   + slope * D * (1 - exp(-h / D)): today's deviation from the usual decays into the profile
 *   (people who came early or a surge leave over about a mean stay), and the recent slope of that
 *   deviation continues, damped so it cannot run away (a damped trend; its total effect is at
 *   most slope * D). Clamped at 0.
 * - With fewer than MIN_PROFILE_DAYS days of history there is no profile: persistence plus the
 *   damped trend of the occupancy itself, reported as `basis: 'trend-only'`.
 *
 * Defaults were chosen with test/bench/forecast-accuracy.ts on simulated Batam days (README
 * "Forecast" has the figures): tau = 60 min (about a mean stay; longer helps venues, whose whole
 * day runs above or below the usual, and hurts buses, whose deviations are passing noise), D =
 * 3 min (a longer trend amplified boarding noise on buses: +3 points of MAE at D = 10 min).
 */

export const FORECAST_SLOT_MS = 15 * 60_000;
/** History the profile is fitted from. */
export const FORECAST_FIT_DAYS = 28;
/** A weekday slot needs this many days of data, else the all-days slot stands in. */
export const MIN_WEEKDAY_DAYS = 2;
/** Fewer distinct days of history than this: no profile, trend only. */
export const MIN_PROFILE_DAYS = 3;
/** A gap between samples up to this long is read as "unchanged" (state is written on change). */
export const MAX_CARRY_MS = 2 * 3_600_000;

const WIB_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** One observation: epoch ms (a bucket's start, or a reading's time) and occupancy (persons). */
export interface OccupancySample {
  t: number;
  occupancy: number;
}

export interface ForecastModel {
  slotMs: number;
  /** Mean occupancy by WIB weekday (0 = Sunday) and slot of the day; null where never seen. */
  weekday: Array<Array<number | null>>;
  /** Days seen per weekday and slot (the fallback rule reads it). */
  weekdayDays: number[][];
  /** Mean occupancy by slot over all days; null where never seen. */
  allDays: Array<number | null>;
  /** Distinct WIB days with any data. */
  days: number;
}

export interface ForecastOptions {
  /** How far ahead; default 60 min. */
  horizonMs?: number;
  /** Spacing of the points; default 5 min. */
  stepMs?: number;
  /** Decay time of today's deviation from the profile (tau); default 60 min. */
  decayMs?: number;
  /** Damping time of the trend (D); default 3 min. */
  trendDampMs?: number;
  /** Recent samples the slope is fitted over; default 15 min. */
  trendWindowMs?: number;
}

export const DEFAULT_FORECAST_OPTIONS: Required<ForecastOptions> = {
  horizonMs: 60 * 60_000,
  stepMs: 5 * 60_000,
  decayMs: 60 * 60_000,
  trendDampMs: 3 * 60_000,
  trendWindowMs: 15 * 60_000,
};

export type ForecastBasis = 'profile+trend' | 'trend-only';

export interface Forecast {
  basis: ForecastBasis;
  generatedAt: number;
  /** From `now` (the current value) to `now + horizonMs`, every `stepMs`; empty with no data at all. */
  points: OccupancySample[];
}

/** 1970-01-01 was a Thursday (4). */
const weekdayOfDay = (day: number) => (((day + 4) % 7) + 7) % 7;

/**
 * Fits the weekday x slot profile from history samples (any resolution; oldest first or not).
 * Samples of one (day, slot) are averaged first so a busy writer does not outweigh a quiet day.
 *
 * @example
 * const model = fitForecastModel(buckets.map((b) => ({ t: Date.parse(b.t), occupancy: b.occupancyMean! })));
 */
export function fitForecastModel(
  samples: readonly OccupancySample[],
  slotMs = FORECAST_SLOT_MS,
): ForecastModel {
  const slots = Math.round(DAY_MS / slotMs);
  const sorted = samples
    .filter((s) => Number.isFinite(s.t) && Number.isFinite(s.occupancy))
    .sort((a, b) => a.t - b.t);
  // (local day * slots + slot) -> [sum, n]
  const cells = new Map<number, [number, number]>();
  const slotIndex = (t: number) => Math.floor((t + WIB_OFFSET_MS) / slotMs);
  const add = (index: number, value: number) => {
    const cell = cells.get(index);
    if (cell) {
      cell[0] += value;
      cell[1]++;
    } else cells.set(index, [value, 1]);
  };
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    const own = slotIndex(s.t);
    add(own, s.occupancy);
    const next = sorted[i + 1];
    if (!next || next.t - s.t > MAX_CARRY_MS) continue;
    // Slots the next sample does not reach kept this value (no change, no point written).
    for (let k = own + 1; k < slotIndex(next.t); k++) if (!cells.has(k)) add(k, s.occupancy);
  }
  const wSum = Array.from({ length: 7 }, () => new Array<number>(slots).fill(0));
  const wDays = Array.from({ length: 7 }, () => new Array<number>(slots).fill(0));
  const aSum = new Array<number>(slots).fill(0);
  const aDays = new Array<number>(slots).fill(0);
  const days = new Set<number>();
  for (const [index, [sum, n]] of cells) {
    const day = Math.floor(index / slots);
    const slot = index - day * slots;
    const w = weekdayOfDay(day);
    const mean = sum / n;
    wSum[w]![slot]! += mean;
    wDays[w]![slot]!++;
    aSum[slot]! += mean;
    aDays[slot]!++;
    days.add(day);
  }
  return {
    slotMs,
    weekday: wSum.map((row, w) => row.map((sum, k) => (wDays[w]![k]! > 0 ? sum / wDays[w]![k]! : null))),
    weekdayDays: wDays,
    allDays: aSum.map((sum, k) => (aDays[k]! > 0 ? sum / aDays[k]! : null)),
    days: days.size,
  };
}

/** Whether the model has enough history to forecast from its profile. */
export function hasProfile(model: ForecastModel | undefined): model is ForecastModel {
  return model !== undefined && model.days >= MIN_PROFILE_DAYS;
}

function slotValue(model: ForecastModel, absoluteSlot: number): number | null {
  const slots = model.allDays.length;
  const day = Math.floor(absoluteSlot / slots);
  const slot = absoluteSlot - day * slots;
  const w = weekdayOfDay(day);
  if (model.weekdayDays[w]![slot]! >= MIN_WEEKDAY_DAYS) return model.weekday[w]![slot]!;
  return model.allDays[slot] ?? null;
}

/**
 * The usual occupancy at time t: linear between the two nearest slot centres (across midnight
 * into the neighbouring weekday); null where the profile has never seen either slot.
 *
 * @example profileAt(model, Date.UTC(2026, 10, 30, 1, 0)) // Monday 08:00 WIB, e.g. 212.5
 */
export function profileAt(model: ForecastModel, t: number): number | null {
  const x = (t + WIB_OFFSET_MS) / model.slotMs - 0.5;
  const k0 = Math.floor(x);
  const f = x - k0;
  const a = slotValue(model, k0);
  const b = slotValue(model, k0 + 1);
  if (a === null) return b;
  if (b === null) return a;
  return a * (1 - f) + b * f;
}

/** Least-squares slope (persons per ms) of residuals; 0 with fewer than two distinct times. */
function slope(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/**
 * Forecasts occupancy from `now` to `now + horizonMs`. `recent` are the latest observations (any
 * order; the newest at or before `now` is "current"); the model may be undefined (no history).
 *
 * @example
 * forecastOccupancy(model, [{ t: now - 60_000, occupancy: 180 }, { t: now, occupancy: 190 }], now)
 * // { basis: 'profile+trend', generatedAt: now, points: [{ t: now, occupancy: 190 }, ...] }
 */
export function forecastOccupancy(
  model: ForecastModel | undefined,
  recent: readonly OccupancySample[],
  now: number,
  options: ForecastOptions = {},
): Forecast {
  const o = { ...DEFAULT_FORECAST_OPTIONS, ...options };
  const profile = hasProfile(model) ? (t: number) => profileAt(model, t) : () => null;
  const basis: ForecastBasis = hasProfile(model) ? 'profile+trend' : 'trend-only';
  const seen = recent.filter((s) => s.t <= now && Number.isFinite(s.occupancy)).sort((a, b) => a.t - b.t);
  const last = seen[seen.length - 1];
  const points: OccupancySample[] = [];
  const pNow = profile(now);
  if (!last && pNow === null) return { basis, generatedAt: now, points };
  const current = last?.occupancy ?? pNow!;
  const deviation = pNow === null ? 0 : current - pNow;
  const window = seen
    .filter((s) => s.t >= now - o.trendWindowMs)
    .map((s): [number, number] => [s.t - now, s.occupancy - (profile(s.t) ?? 0)]);
  const b = slope(window);
  for (let h = 0; h <= o.horizonMs; h += o.stepMs) {
    const p = profile(now + h);
    const trend = b * o.trendDampMs * (1 - Math.exp(-h / o.trendDampMs));
    const value =
      p === null || pNow === null ? current + trend : p + deviation * Math.exp(-h / o.decayMs) + trend;
    points.push({ t: now + h, occupancy: Math.max(0, value) });
  }
  return { basis, generatedAt: now, points };
}

/**
 * The first forecast point above `threshold` within `withinMs` of the forecast's start, if any.
 *
 * @example firstAbove(forecast, 250, 30 * 60_000) // { t: ..., occupancy: 262.4 }
 */
export function firstAbove(
  forecast: Forecast,
  threshold: number,
  withinMs: number,
): OccupancySample | undefined {
  return forecast.points.find((p) => p.t - forecast.generatedAt <= withinMs && p.occupancy > threshold);
}

/** The highest forecast point within `withinMs` of the forecast's start. */
export function peakWithin(forecast: Forecast, withinMs: number): OccupancySample | undefined {
  let peak: OccupancySample | undefined;
  for (const p of forecast.points)
    if (p.t - forecast.generatedAt <= withinMs && (!peak || p.occupancy > peak.occupancy)) peak = p;
  return peak;
}

/** `GET /api/sites/:id/forecast`: a point every 5 minutes from now to an hour ahead (times ISO 8601). */
export interface ForecastResponse {
  siteId: string;
  basis: 'profile+trend' | 'trend-only';
  generatedAt: string;
  horizonMinutes: number;
  safeCapacity: number | null;
  points: Array<{ t: string; occupancy: number }>;
}
