/**
 * Alarms in the history store (issue part 2, "Durable"): every transition is an `alarm_event`
 * point (tags site, type, action; fields alarmId, severity, state, by, alarm = the whole record as
 * JSON), and a restarted ingest takes the newest record of each (site, type) back, so open alarms
 * stay open with the same id: none is raised twice, none is lost.
 */
import { ALARM_TYPES, type Alarm, alarmSchema } from '../../shared/alarms.ts';
import type { HistoryStore, StorePoint } from '../../shared/store/history-store.ts';
import { safeParse } from '../../shared/validation.ts';
import { newestPoints } from '../newest-points.ts';
import { type AlarmChange, alarmJsonForStore } from './alarm-record.ts';

/** How far back a restart looks for alarms; an alarm silent for longer is not an open concern. */
export const DEFAULT_RESTORE_LOOKBACK_MS = 30 * 86_400_000;

/** @example store.write(alarmEventPoint({ alarm, action: 'raised', by: 'system' })) */
export function alarmEventPoint({ alarm, action, by }: AlarmChange): StorePoint {
  return {
    measurement: 'alarm_event',
    tags: { site: alarm.siteId, type: alarm.type, action },
    fields: {
      alarmId: alarm.id,
      severity: alarm.severity,
      state: alarm.state,
      by,
      alarm: alarmJsonForStore(alarm),
    },
    ts: alarm.updatedAt,
  };
}

export interface RestoreResult {
  alarms: Alarm[];
  /** Points whose `alarm` JSON did not parse (skipped). */
  invalid: number;
}

/**
 * The newest alarm record of each (site, type) stored in the look-back window.
 *
 * @example const { alarms } = await restoreAlarms(store, Date.now(), [...registry.sites.keys()]);
 */
export async function restoreAlarms(
  store: HistoryStore,
  now: number,
  siteIds: string[],
  lookbackMs = DEFAULT_RESTORE_LOOKBACK_MS,
): Promise<RestoreResult> {
  const points = await newestPoints(store, {
    measurement: 'alarm_event',
    groupBy: ['site', 'type'],
    // Transition times may run a little ahead of this clock (another host, +1 ms bumps).
    fromMs: now - lookbackMs,
    toMs: now + 86_400_000,
    expected: siteIds.flatMap((site) => ALARM_TYPES.map((type) => ({ site, type }))),
  });
  const alarms: Alarm[] = [];
  let invalid = 0;
  for (const p of points) {
    const alarm = parseStoredAlarm(p);
    if (alarm) alarms.push(alarm);
    else invalid++;
  }
  return { alarms, invalid };
}

function parseStoredAlarm(p: StorePoint): Alarm | undefined {
  if (typeof p.fields.alarm !== 'string') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(p.fields.alarm);
  } catch {
    return undefined;
  }
  const parsed = safeParse(alarmSchema, json);
  if (!parsed.ok || parsed.value.siteId !== p.tags.site || parsed.value.type !== p.tags.type)
    return undefined;
  return parsed.value;
}
