/**
 * Report days are local days in Batam: Asia/Jakarta (WIB, UTC+7). Indonesia keeps no daylight
 * saving time (WIB has been UTC+7 since 1964), so a fixed offset is exact and needs no tz data.
 * DOMAIN.md: the daily reset runs at 04:00 local, and operators read their day in WIB.
 */

export const REPORT_TIME_ZONE = 'Asia/Jakarta';
export const WIB_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** The longest range one report covers (a quarter); more is a 400, so one request stays bounded. */
export const MAX_REPORT_DAYS = 92;

export interface ReportDay {
  /** `YYYY-MM-DD` in WIB. */
  date: string;
  /** Epoch ms of 00:00 WIB. */
  startMs: number;
  /** Epoch ms of the next 00:00 WIB (exclusive). */
  endMs: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Epoch ms of 00:00 WIB on `date`, or undefined when it is not a real calendar date.
 *
 * @example wibDayStart('2026-11-28') // Date.parse('2026-11-27T17:00:00Z')
 */
export function wibDayStart(date: string): number | undefined {
  const m = DATE.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  return utc - WIB_OFFSET_MS;
}

/** @example wibDate(Date.parse('2026-11-27T17:00:00Z')) // '2026-11-28' */
export function wibDate(ms: number): string {
  return new Date(ms + WIB_OFFSET_MS).toISOString().slice(0, 10);
}

/** @example wibTime(Date.parse('2026-11-27T17:05:09Z')) // '00:05:09' */
export function wibTime(ms: number): string {
  return new Date(ms + WIB_OFFSET_MS).toISOString().slice(11, 19);
}

/** @example wibDateTime(Date.parse('2026-11-27T17:05:09Z')) // '2026-11-28 00:05:09' */
export function wibDateTime(ms: number): string {
  return `${wibDate(ms)} ${wibTime(ms)}`;
}

export type DayRangeResult = { ok: true; days: ReportDay[] } | { ok: false; error: string };

/**
 * The WIB days from `from` to `to`, both included. Days starting after `now` are left out (the
 * future has no data); a range wholly in the future is an error.
 *
 * @example reportDays('2026-11-01', '2026-11-30', Date.now()) // { ok: true, days: [30 days] }
 */
export function reportDays(from: string, to: string, now: number): DayRangeResult {
  const start = wibDayStart(from);
  const end = wibDayStart(to);
  const problems: string[] = [];
  if (start === undefined) problems.push('from must be a date YYYY-MM-DD');
  if (end === undefined) problems.push('to must be a date YYYY-MM-DD');
  if (start === undefined || end === undefined) return { ok: false, error: problems.join('; ') };
  if (end < start) return { ok: false, error: 'to must not be before from' };
  const count = Math.round((end - start) / DAY_MS) + 1;
  if (count > MAX_REPORT_DAYS)
    return {
      ok: false,
      error: `the range is ${count} days; one report covers at most ${MAX_REPORT_DAYS} days`,
    };
  if (start > now) return { ok: false, error: `from ${from} is in the future` };
  const days: ReportDay[] = [];
  for (let i = 0; i < count; i++) {
    const startMs = start + i * DAY_MS;
    if (startMs > now) break;
    days.push({ date: wibDate(startMs), startMs, endMs: startMs + DAY_MS });
  }
  return { ok: true, days };
}
