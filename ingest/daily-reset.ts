/**
 * When the daily count reset runs (DOMAIN.md "Counting people": a daily reset at the quietest
 * hour, default 04:00 local, Asia/Jakarta, UTC+7). Local time comes from Intl with the configured
 * IANA zone, so a city in WITA or WIT only changes RESET_TIMEZONE. Indonesia has no daylight
 * saving; for a zone that has it the reset stays once a day, at the hour as computed just before
 * the change.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (config validation). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock fields of an instant in a zone. */
export function localTime(ms: number, timeZone: string) {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(ms))
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return parts;
}

/** Local time minus UTC at an instant, in ms (Asia/Jakarta: +7 h). */
function offsetAt(ms: number, timeZone: string): number {
  const t = localTime(ms, timeZone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * The first instant strictly after `now` at which the local clock shows `hour`:00.
 *
 * @example new Date(nextDailyAt(Date.UTC(2026, 10, 27, 20, 0), 4, 'Asia/Jakarta')).toISOString()
 * // '2026-11-27T21:00:00.000Z' (04:00 WIB on 28 November)
 */
export function nextDailyAt(now: number, hour: number, timeZone: string): number {
  const today = localTime(now, timeZone);
  for (let dayOffset = 0; dayOffset <= 2; dayOffset++) {
    const wall = Date.UTC(today.year, today.month - 1, today.day + dayOffset, hour);
    const instant = wall - offsetAt(wall - offsetAt(now, timeZone), timeZone);
    if (instant > now) return instant;
  }
  throw new Error(`no ${hour}:00 in ${timeZone} within two days of ${new Date(now).toISOString()}`);
}

/**
 * Fires once per local day at the configured hour. Starting mid-day does not fire: a reset that
 * fell while ingest was down is not made up (its count state started afresh anyway).
 *
 * @example
 * const daily = new DailySchedule(4, 'Asia/Jakarta', clock.now());
 * setInterval(() => { if (daily.due(clock.now())) resetAll(); }, 1000);
 */
export class DailySchedule {
  next: number;

  constructor(
    private readonly hour: number,
    private readonly timeZone: string,
    now: number,
  ) {
    this.next = nextDailyAt(now, hour, timeZone);
  }

  /** True once when `now` has reached the next reset time (then the following day is scheduled). */
  due(now: number): boolean {
    if (now < this.next) return false;
    this.next = nextDailyAt(now, this.hour, this.timeZone);
    return true;
  }
}
