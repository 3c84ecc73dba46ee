/**
 * The numbers of the daily compliance report (issue #7 item 4), computed from what the store
 * holds, with no I/O here (report-data.ts reads the store):
 *
 * - Occupancy minutes integrate the `site_state` STEP function: ingest writes a point whenever a
 *   site's state is published, and that state holds until the next point. The state in force at
 *   00:00 WIB is the newest point before it, carried across midnight.
 * - A state holds for at most `staleMs` (the site's deadman, `offlineAfterMs`, default 5 min):
 *   devices report at least that often while alive, so a longer silence is counted as "no data"
 *   rather than guessed as over or under capacity. Time not yet elapsed (today after now) is
 *   neither.
 * - "Over safe capacity" is occupancy > safe capacity (at exactly 100% the site is full, not
 *   over); "warning" and "critical" are the level ingest's state machine gave (DOMAIN.md
 *   "Alarms": hysteresis and pending times included), so they match what operators saw live.
 */
import { z } from 'zod';
import { SEVERITY_RANK, type Severity, severitySchema } from '../../shared/alarms.ts';
import type { StorePoint } from '../../shared/store/history-store.ts';
import type { ReportDay } from './report-days.ts';

/** One `site_state` point, fields as stored; a missing field keeps the previous value. */
export interface StateSample {
  ts: number;
  occupancy: number | null;
  safeCapacity: number | null;
  level: string | null;
}

export interface OccupancySummary {
  /** Highest occupancy in force during the day (the carried-in state counts at 00:00). */
  peakOccupancy: number | null;
  /** Epoch ms it was first reached. */
  peakAt: number | null;
  safeCapacityAtPeak: number | null;
  minutesOverCapacity: number;
  minutesCritical: number;
  minutesWarning: number;
  /** Elapsed minutes of the day without a fresh state. */
  minutesNoData: number;
  /** Minutes of the day that have passed (1440, less for today). */
  minutesElapsed: number;
}

export interface FeverSummary {
  count: number;
  maxC: number | null;
  /** Each reading at or above the threshold (epoch ms, Celsius), oldest first. */
  readings: Array<{ ts: number; celsius: number }>;
}

export interface AlarmRow {
  siteId: string;
  /** WIB date the alarm was raised. */
  date: string;
  alarmId: string;
  type: string;
  /** The highest severity the alarm reached. */
  severity: Severity;
  raisedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  clearedAt: number | null;
  clearedBy: string | null;
}

/** Minutes to one decimal, from milliseconds. */
export const toMinutes = (ms: number) => Math.round(ms / 6000) / 10;

const numberOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** @example stateSample(point) // { ts, occupancy: 120, safeCapacity: 200, level: 'ok' } */
export function stateSample(p: StorePoint): StateSample {
  return {
    ts: p.ts,
    occupancy: numberOrNull(p.fields.occupancy),
    safeCapacity: numberOrNull(p.fields.safeCapacity),
    level: typeof p.fields.level === 'string' ? p.fields.level : null,
  };
}

/**
 * @example
 * summarizeOccupancy(day, carried, pointsOfTheDay, Date.now(), 300_000).minutesOverCapacity // 42.5
 */
export function summarizeOccupancy(
  day: ReportDay,
  carried: StateSample | undefined,
  points: StateSample[],
  now: number,
  staleMs: number,
  /** When the site was created: the hours before it are not counted as elapsed or without data. */
  existsFromMs = day.startMs,
): OccupancySummary {
  const endClip = Math.max(day.startMs, Math.min(day.endMs, now));
  // A reading before `createdAt` (a site re-created under its id) shows it existed: count from it.
  const firstReading = Math.min(
    carried?.ts ?? Number.POSITIVE_INFINITY,
    points[0]?.ts ?? Number.POSITIVE_INFINITY,
  );
  const from = Math.min(Math.max(day.startMs, Math.min(existsFromMs, firstReading)), endClip);
  const samples: StateSample[] = [];
  // A carried state older than staleMs was already stale at 00:00.
  if (carried && carried.ts < day.startMs && carried.ts + staleMs > day.startMs) samples.push(carried);
  let last: StateSample | undefined = samples[0];
  for (const p of points) {
    if (p.ts < day.startMs || p.ts >= endClip) continue;
    const merged: StateSample = {
      ts: p.ts,
      occupancy: p.occupancy ?? last?.occupancy ?? null,
      safeCapacity: p.safeCapacity ?? last?.safeCapacity ?? null,
      level: p.level ?? last?.level ?? null,
    };
    samples.push(merged);
    last = merged;
  }

  let coveredSinceCreated = 0;
  let over = 0;
  let critical = 0;
  let warning = 0;
  let peak: { occupancy: number; at: number; cap: number | null } | undefined;
  samples.forEach((s, i) => {
    const start = Math.max(s.ts, day.startMs);
    const next = samples[i + 1]?.ts ?? Number.POSITIVE_INFINITY;
    const end = Math.min(next, s.ts + staleMs, endClip);
    if (s.occupancy !== null && (!peak || s.occupancy > peak.occupancy))
      peak = { occupancy: s.occupancy, at: start, cap: s.safeCapacity };
    if (end <= start) return;
    const span = end - start;
    coveredSinceCreated += Math.max(0, end - Math.max(start, from));
    if (s.occupancy !== null && s.safeCapacity !== null && s.occupancy > s.safeCapacity) over += span;
    if (s.level === 'critical') critical += span;
    else if (s.level === 'warning') warning += span;
  });
  const elapsed = endClip - from;
  return {
    peakOccupancy: peak?.occupancy ?? null,
    peakAt: peak?.at ?? null,
    safeCapacityAtPeak: peak?.cap ?? null,
    minutesOverCapacity: toMinutes(over),
    minutesCritical: toMinutes(critical),
    minutesWarning: toMinutes(warning),
    minutesNoData: toMinutes(elapsed - coveredSinceCreated),
    minutesElapsed: toMinutes(elapsed),
  };
}

/**
 * Body-temperature readings at or above the site's fever threshold (DOMAIN.md "Temperature":
 * default 37.3 C, the site's alarm settings `fever.warnC`).
 *
 * @example summarizeFever([{ ts: 1, celsius: 38.1 }, { ts: 2, celsius: 36.6 }], 37.3) // { count: 1, maxC: 38.1, readings: [{ ts: 1, celsius: 38.1 }] }
 */
export function summarizeFever(
  readings: Array<{ ts: number; celsius: number }>,
  thresholdC: number,
): FeverSummary {
  const fevers = readings.filter((r) => r.celsius >= thresholdC).sort((a, b) => a.ts - b.ts);
  return {
    count: fevers.length,
    maxC: fevers.length ? Math.max(...fevers.map((r) => r.celsius)) : null,
    readings: fevers.map(({ ts, celsius }) => ({ ts, celsius })),
  };
}

/** What the report needs of the alarm JSON in an `alarm_event` point (ingest/alarms/alarm-store.ts). */
const storedAlarmSchema = z.object({
  id: z.string(),
  type: z.string(),
  severity: severitySchema,
  raisedAt: z.number(),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  clearedAt: z.number().nullable(),
  clearedBy: z.string().nullable(),
});

/**
 * One row per alarm raised in [fromMs, toMs), from its `alarm_event` points: the newest record
 * gives acknowledgement and clearing, every event's severity counts for the highest reached.
 * Points whose JSON does not parse are skipped.
 *
 * @example alarmRows('mpp-batam', await store.points({ measurement: 'alarm_event', ... }), from, to, wibDate)
 */
export function alarmRows(
  siteId: string,
  points: StorePoint[],
  fromMs: number,
  toMs: number,
  dateOf: (ms: number) => string,
): AlarmRow[] {
  const newest = new Map<string, { ts: number; alarm: z.infer<typeof storedAlarmSchema>; top: Severity }>();
  for (const p of points) {
    if (typeof p.fields.alarm !== 'string') continue;
    let json: unknown;
    try {
      json = JSON.parse(p.fields.alarm);
    } catch {
      continue;
    }
    const parsed = storedAlarmSchema.safeParse(json);
    if (!parsed.success) continue;
    const alarm = parsed.data;
    const seen = newest.get(alarm.id);
    const eventSeverity = severitySchema.safeParse(p.fields.severity);
    let top = seen?.top ?? alarm.severity;
    for (const s of [alarm.severity, eventSeverity.success ? eventSeverity.data : undefined])
      if (s && SEVERITY_RANK[s] > SEVERITY_RANK[top]) top = s;
    if (!seen || p.ts >= seen.ts) newest.set(alarm.id, { ts: p.ts, alarm, top });
    else seen.top = top;
  }
  return [...newest.values()]
    .filter(({ alarm }) => alarm.raisedAt >= fromMs && alarm.raisedAt < toMs)
    .map(({ alarm, top }) => ({
      siteId,
      date: dateOf(alarm.raisedAt),
      alarmId: alarm.id,
      type: alarm.type,
      severity: top,
      raisedAt: alarm.raisedAt,
      acknowledgedAt: alarm.acknowledgedAt,
      acknowledgedBy: alarm.acknowledgedBy,
      clearedAt: alarm.clearedAt,
      clearedBy: alarm.clearedBy,
    }))
    .sort((a, b) => a.raisedAt - b.raisedAt || a.alarmId.localeCompare(b.alarmId));
}
