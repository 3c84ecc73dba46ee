/**
 * Numbers, times and ages as operators in Batam read them: id-ID grouping (`1.234`), clock
 * times in WIB (Asia/Jakarta, UTC+7, no DST) whatever the browser's own time zone is, and
 * reading ages like `12 dtk lalu`. Pure functions (the current time is passed in) so they are
 * tested in Node with the same ICU data the browser has.
 */
import { type Lang, translate } from './i18n.ts';

export const TIME_ZONE = 'Asia/Jakarta';

/** A site with no reading for longer than this is marked stale (operator brief: 2 minutes). */
export const STALE_AFTER_MS = 2 * 60_000;

const LOCALES: Record<Lang, string> = { id: 'id-ID', en: 'en-GB' };

// Intl formatters are costly to build and the list formats thousands of cells: cache them.
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(lang: Lang, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `n|${lang}|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[lang], options);
    cache.set(key, f);
  }
  return f;
}
function dateFormat(lang: Lang, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${lang}|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[lang], { timeZone: TIME_ZONE, hourCycle: 'h23', ...options });
    cache.set(key, f);
  }
  return f;
}

/**
 * @example formatNumber(1234, 'id') // '1.234'
 * @example formatNumber(1234, 'en') // '1,234'
 */
export function formatNumber(value: number, lang: Lang, maximumFractionDigits = 0): string {
  return numberFormat(lang, { maximumFractionDigits }).format(value);
}

/**
 * Load (occupancy / safe capacity) as a whole percentage; `∞` for an occupied site whose safe
 * capacity is 0 (closed by policy), `—` when nothing is known.
 *
 * @example formatLoad(0.856, 'id') // '86%'
 */
export function formatLoad(
  load: number | null,
  lang: Lang,
  occupancy: number | null = null,
  safeCapacity = 1,
): string {
  if (load === null || !Number.isFinite(load)) {
    return safeCapacity === 0 && occupancy !== null && occupancy > 0 ? '∞' : '—';
  }
  return numberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(load);
}

/** @example formatCelsius(37.85, 'id') // '37,9 °C' */
export function formatCelsius(celsius: number, lang: Lang): string {
  return `${numberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(celsius)} °C`;
}

/** @example formatCoordinate(1.13012345, 'id') // '1,13012' */
export function formatCoordinate(value: number, lang: Lang): string {
  return numberFormat(lang, { minimumFractionDigits: 5, maximumFractionDigits: 5 }).format(value);
}

/**
 * Clock time in WIB.
 *
 * @example formatTimeWib(Date.UTC(2025, 10, 28, 7, 5, 9), 'id') // '14.05.09 WIB'
 * @example formatTimeWib(Date.UTC(2025, 10, 28, 7, 5, 9), 'en') // '14:05:09 WIB'
 */
export function formatTimeWib(ms: number, lang: Lang, seconds = true): string {
  const f = dateFormat(lang, seconds ? { timeStyle: 'medium' } : { timeStyle: 'short' });
  return `${f.format(ms)} WIB`;
}

/**
 * Date and time in WIB, for readings older than today and chart tooltips.
 *
 * @example formatDateTimeWib(Date.UTC(2025, 10, 28, 7, 5), 'id') // '28 Nov, 14.05 WIB'
 */
export function formatDateTimeWib(ms: number, lang: Lang): string {
  const f = dateFormat(lang, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return `${f.format(ms)} WIB`;
}

/** Axis tick for a chart spanning `spanMs`: time of day for a day or less, the date beyond. */
export function formatAxisTick(ms: number, lang: Lang, spanMs: number): string {
  if (spanMs > 36 * 3_600_000) return dateFormat(lang, { day: 'numeric', month: 'short' }).format(ms);
  return dateFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(ms);
}

/** Milliseconds since the reading, never negative (device clocks may run ahead of ours). */
export function readingAgeMs(updatedAt: string | null, nowMs: number): number | null {
  if (updatedAt === null) return null;
  const t = Date.parse(updatedAt);
  if (Number.isNaN(t)) return null;
  return Math.max(0, nowMs - t);
}

/** A site that never reported is stale too: it has had no reading for over 2 minutes either. */
export function isStale(updatedAt: string | null, nowMs: number): boolean {
  const age = readingAgeMs(updatedAt, nowMs);
  return age === null || age > STALE_AFTER_MS;
}

/**
 * `12 dtk lalu`, `3 mnt lalu`, `2 jam lalu`, `1 hr lalu` (English: `12 s ago` ...).
 *
 * @example formatAge(12_400, 'id') // '12 dtk lalu'
 */
export function formatAge(ageMs: number | null, lang: Lang): string {
  if (ageMs === null) return translate(lang, 'age.none');
  const s = Math.floor(ageMs / 1000);
  if (s < 2) return translate(lang, 'age.now');
  if (s < 60) return translate(lang, 'age.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return translate(lang, 'age.minutes', { n: m });
  const h = Math.floor(m / 60);
  if (h < 24) return translate(lang, 'age.hours', { n: h });
  return translate(lang, 'age.days', { n: formatNumber(Math.floor(h / 24), lang) });
}
