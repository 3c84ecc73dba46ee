/**
 * Model time. Batam keeps Western Indonesian Time (WIB, UTC+7) all year, with no daylight saving,
 * so local time is a fixed offset. The model clock may run faster than the wall clock (`speed`),
 * but devices stamp messages with the wall clock so InfluxDB never receives future points.
 */

export const WIB_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface LocalTime {
  /** Fractional hour of the day in WIB, 0 <= hour < 24. */
  hour: number;
  /** 0 = Sunday .. 6 = Saturday, in WIB. */
  weekday: number;
  weekend: boolean;
}

/** @example localTime(Date.UTC(2020, 5, 6, 23, 30)).hour // 6.5 (Sunday 06:30 WIB) */
export function localTime(epochMs: number): LocalTime {
  const local = epochMs + WIB_OFFSET_MS;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  const hour = (local - dayStart) / 3_600_000;
  // 1970-01-01 was a Thursday (4).
  const weekday = (((Math.floor(local / DAY_MS) + 4) % 7) + 7) % 7;
  return { hour, weekday, weekend: weekday === 0 || weekday === 6 };
}

export interface StartSpec {
  /** Minutes after local midnight. */
  minuteOfDay: number;
  weekday?: Weekday | undefined;
}

const START_PATTERN = /^(?:(sun|mon|tue|wed|thu|fri|sat)[a-z]*\s+)?([01]?\d|2[0-3]):([0-5]\d)$/i;

/**
 * Parses `--start`: `HH:MM` in WIB, optionally after a weekday (`sat 18:30`) for weekend demos.
 * Returns undefined when the text is not such a time.
 *
 * @example parseStart('06:30') // { minuteOfDay: 390, weekday: undefined }
 * @example parseStart('Sat 19:00') // { minuteOfDay: 1140, weekday: 'sat' }
 */
export function parseStart(text: string): StartSpec | undefined {
  const m = START_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const weekday = m[1]?.toLowerCase() as Weekday | undefined;
  return { minuteOfDay: Number(m[2]) * 60 + Number(m[3]), weekday };
}

/**
 * The model's starting epoch: today's WIB date (from the wall clock) at the given local time, or
 * the wall clock itself when no start is given. With a weekday, the next such day (today counts).
 *
 * @example modelStartMs(Date.now(), parseStart('05:30')) // today 05:30 WIB
 */
export function modelStartMs(wallNowMs: number, start: StartSpec | undefined): number {
  if (!start) return wallNowMs;
  const local = wallNowMs + WIB_OFFSET_MS;
  let dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  if (start.weekday) {
    const today = localTime(wallNowMs).weekday;
    const target = WEEKDAYS.indexOf(start.weekday);
    dayStart += ((target - today + 7) % 7) * DAY_MS;
  }
  return dayStart + start.minuteOfDay * 60_000 - WIB_OFFSET_MS;
}

/** `2020-06-08 06:30 WIB (mon)`, for logs and stats. */
export function formatLocal(epochMs: number): string {
  const iso = new Date(epochMs + WIB_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} WIB (${WEEKDAYS[localTime(epochMs).weekday]})`;
}
