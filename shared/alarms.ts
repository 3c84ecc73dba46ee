/**
 * Alarms (DOMAIN.md "Alarms"): the contract between ingest (which detects conditions and owns
 * each alarm's lifecycle) and the dashboard (which shows alarms, takes operators' actions and
 * notifies people).
 *
 * - One open alarm per (site, type); it escalates and de-escalates in place.
 * - Lifecycle: raised (state `open`) -> `acknowledged` (silences re-notification, stays open) ->
 *   `cleared` (condition gone: by `system`; or by hand). Every transition has a time and an actor.
 * - Ingest publishes the current alarm of each (site, type) RETAINED on
 *   `topics.siteAlarm(siteId, type)`; a cleared alarm stays there (state `cleared`) until the next
 *   one of that type replaces it with a new id.
 * - Operators act through `topics.controlAlarm(siteId, type)` (`AlarmCommand`); ingest answers on
 *   `topics.controlReply(requestId)` (`ControlReply`) after applying it.
 * - Every transition is also written to the store as an `alarm_event` point carrying the whole
 *   alarm as JSON, so a restarted ingest restores open alarms from the store.
 */
import { z } from 'zod';
import { DEFAULT_THRESHOLDS, type LevelThresholds } from './capacity.ts';

export const ALARM_TYPES = [
  'capacity',
  'fever',
  'device-offline',
  'sensor-fault',
  /** Always a warning: the forecast expects the site over safe capacity soon (shared/forecast.ts). */
  'capacity-forecast',
] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];
export const alarmTypeSchema = z.enum(ALARM_TYPES);

export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES);
export const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };

export const ALARM_STATES = ['open', 'acknowledged', 'cleared'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export const ALARM_ACTIONS = [
  'raised',
  'escalated',
  'de-escalated',
  'acknowledged',
  'cleared',
  'commented',
  'assigned',
  'reopened',
] as const;
export type AlarmAction = (typeof ALARM_ACTIONS)[number];

/** Actor of automatic transitions. */
export const SYSTEM_ACTOR = 'system';

export const alarmTransitionSchema = z.object({
  at: z.number(),
  action: z.enum(ALARM_ACTIONS),
  by: z.string(),
  severity: severitySchema.optional(),
  comment: z.string().max(1000).optional(),
  assignee: z.string().max(64).nullable().optional(),
});
export type AlarmTransition = z.infer<typeof alarmTransitionSchema>;

/** Transitions kept on the alarm itself; the full trail is in the store's `alarm_event` points. */
export const MAX_ALARM_HISTORY = 50;

export const alarmSchema = z.object({
  /** Unique per occurrence: `${siteId}:${type}:${raisedAt}`. */
  id: z.string(),
  siteId: z.string(),
  type: alarmTypeSchema,
  severity: severitySchema,
  state: z.enum(ALARM_STATES),
  raisedAt: z.number(),
  updatedAt: z.number(),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  clearedAt: z.number().nullable(),
  clearedBy: z.string().nullable(),
  assignee: z.string().nullable(),
  /** What the condition is, in numbers, e.g. `{ occupancy: 7, safeCapacity: 5, load: 1.4 }` or `{ celsius: 38.2, deviceId }`. */
  details: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  history: z.array(alarmTransitionSchema),
});
export type Alarm = z.infer<typeof alarmSchema>;

export const alarmCommandSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('acknowledge'),
    alarmId: z.string(),
    by: z.string(),
    comment: z.string().max(1000).optional(),
    requestId: z.string(),
  }),
  z.object({
    action: z.literal('clear'),
    alarmId: z.string(),
    by: z.string(),
    comment: z.string().max(1000).optional(),
    requestId: z.string(),
  }),
  z.object({
    action: z.literal('comment'),
    alarmId: z.string(),
    by: z.string(),
    comment: z.string().min(1).max(1000),
    requestId: z.string(),
  }),
  z.object({
    action: z.literal('assign'),
    alarmId: z.string(),
    by: z.string(),
    assignee: z.string().max(64).nullable(),
    requestId: z.string(),
  }),
]);
export type AlarmCommand = z.infer<typeof alarmCommandSchema>;

/**
 * Counting corrections (DOMAIN.md "Counting people"): `reset` zeroes the site's live count (daily
 * reset, a bus at the end of its line), `correct` sets it to what an operator counted. The raw
 * device series is never changed; each correction is recorded as a `correction` point.
 */
export const countCommandSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('reset'),
    reason: z.enum(['daily', 'end-of-line', 'manual']),
    by: z.string(),
    requestId: z.string(),
  }),
  z.object({
    action: z.literal('correct'),
    occupancy: z.number().int().min(0).max(1_000_000),
    reason: z.string().max(500).default('manual'),
    by: z.string(),
    requestId: z.string(),
  }),
]);
export type CountCommand = z.infer<typeof countCommandSchema>;

export const controlReplySchema = z.object({
  requestId: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
  alarm: alarmSchema.optional(),
});
export type ControlReply = z.infer<typeof controlReplySchema>;

/**
 * Alarm thresholds. City-wide defaults per site kind live in the registry record
 * `topics.registryAlarmSettings()`; a site may override any of them (`Site.alarm`).
 */
export const alarmSettingsSchema = z.object({
  capacity: z
    .object({
      warnEnter: z.number().min(0).max(10),
      warnExit: z.number().min(0).max(10),
      warnPendingMs: z.number().int().min(0).max(86_400_000),
      critEnter: z.number().min(0).max(10),
      critExit: z.number().min(0).max(10),
      critPendingMs: z.number().int().min(0).max(86_400_000),
    })
    .partial()
    .optional(),
  fever: z
    .object({ warnC: z.number().min(30).max(45), critC: z.number().min(30).max(45) })
    .partial()
    .optional(),
  /** No message from a device for this long raises `device-offline` (deadman). */
  offlineAfterMs: z.number().int().min(10_000).max(86_400_000).optional(),
  /** Device clock further off than this from server time is a `sensor-fault`. */
  clockSkewMs: z.number().int().min(1000).max(86_400_000).optional(),
  /** Re-notify an open, unacknowledged alarm at this interval. */
  renotifyMs: z.number().int().min(60_000).max(86_400_000).optional(),
  /** A fever alarm clears when no fever reading came for this long. */
  feverClearMs: z.number().int().min(10_000).max(86_400_000).optional(),
  /** A `sensor-fault` alarm clears when no fault was seen for this long. */
  faultClearMs: z.number().int().min(10_000).max(86_400_000).optional(),
  /** The `capacity-forecast` warning (ingest/alarms/forecast-rule.ts). */
  capacityForecast: z
    .object({
      enabled: z.boolean(),
      /** Warn when the forecast passes safe capacity within this many minutes. */
      horizonMinutes: z.number().int().min(5).max(60),
      /** Share of safe capacity the forecast must pass to raise the warning. */
      raiseAt: z.number().min(0.1).max(10),
      /** Share of safe capacity the forecast peak must drop below to clear it (hysteresis). */
      clearBelow: z.number().min(0.1).max(10),
    })
    .partial()
    .optional(),
});
export type AlarmSettingsInput = z.infer<typeof alarmSettingsSchema>;

export interface AlarmSettings {
  capacity: LevelThresholds;
  fever: { warnC: number; critC: number };
  offlineAfterMs: number;
  clockSkewMs: number;
  renotifyMs: number;
  feverClearMs: number;
  faultClearMs: number;
  capacityForecast: { enabled: boolean; horizonMinutes: number; raiseAt: number; clearBelow: number };
}

/**
 * Defaults from DOMAIN.md: warn at 80% after 30 s, clear below 70%; critical at 100%, back to
 * warning below 90%; fever >= 37.3 C warning (KMK 382/2020), >= 38.0 C critical (PM 18/2020);
 * deadman 5 min; a fever alarm clears 5 min after the last fever reading (re-measure after 5 min);
 * a sensor fault clears after 10 quiet minutes.
 */
export const DEFAULT_ALARM_SETTINGS: AlarmSettings = {
  capacity: DEFAULT_THRESHOLDS,
  fever: { warnC: 37.3, critC: 38.0 },
  offlineAfterMs: 5 * 60_000,
  clockSkewMs: 10 * 60_000,
  renotifyMs: 15 * 60_000,
  feverClearMs: 5 * 60_000,
  faultClearMs: 10 * 60_000,
  capacityForecast: { enabled: true, horizonMinutes: 30, raiseAt: 1.0, clearBelow: 0.9 },
};

/** The registry record of city-wide alarm settings: defaults for all, then per site kind. */
export const alarmSettingsRecordSchema = z.object({
  all: alarmSettingsSchema.default({}),
  kinds: z.record(z.string(), alarmSettingsSchema).default({}),
  changedAt: z.string(),
  changedBy: z.string(),
});
export type AlarmSettingsRecord = z.infer<typeof alarmSettingsRecordSchema>;

/** Effective settings: defaults <- city-wide <- kind <- site. */
export function effectiveAlarmSettings(...layers: Array<AlarmSettingsInput | undefined>): AlarmSettings {
  const out: AlarmSettings = structuredClone(DEFAULT_ALARM_SETTINGS);
  for (const layer of layers) {
    if (!layer) continue;
    Object.assign(out.capacity, stripUndefined(layer.capacity ?? {}));
    Object.assign(out.fever, stripUndefined(layer.fever ?? {}));
    Object.assign(out.capacityForecast, stripUndefined(layer.capacityForecast ?? {}));
    for (const key of [
      'offlineAfterMs',
      'clockSkewMs',
      'renotifyMs',
      'feverClearMs',
      'faultClearMs',
    ] as const) {
      const v = layer[key];
      if (v !== undefined) out[key] = v;
    }
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function alarmId(siteId: string, type: AlarmType, raisedAt: number): string {
  return `${siteId}:${type}:${raisedAt}`;
}
