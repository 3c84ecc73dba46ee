/**
 * Which alarms the operator sees first: worst severity first, then the one open longest (an
 * alarm that has waited for 20 minutes needs a person more than one raised a second ago), then
 * by id for a stable order. The same rule the server uses for `GET /api/alarms`. Pure, tested.
 */
import type { Alarm, AlarmState, AlarmType, Severity } from '../../shared/alarms.ts';

/** Mirrors shared/alarms.ts SEVERITY_RANK; kept here so the bundle pulls in no zod. */
export const SEVERITY_ORDER: Record<Severity, number> = { warning: 1, critical: 2 };

export const ALARM_TYPE_LIST = [
  'capacity',
  'fever',
  'device-offline',
  'sensor-fault',
  'capacity-forecast',
] as const satisfies readonly AlarmType[];

/** An alarm is open until it is cleared; an acknowledged alarm stays open (DOMAIN.md "Alarms"). */
export function isOpen(alarm: Pick<Alarm, 'state'>): boolean {
  return alarm.state !== 'cleared';
}

/**
 * @example [critical raised 08:00, warning 07:00, critical 08:10].sort(compareAlarms) // crit 08:00, crit 08:10, warn 07:00
 */
export function compareAlarms(a: Alarm, b: Alarm): number {
  const bySeverity = SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity];
  if (bySeverity !== 0) return bySeverity;
  if (a.raisedAt !== b.raisedAt) return a.raisedAt - b.raisedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface AlarmFilter {
  /** '' = every open alarm; otherwise only that state. */
  state: Exclude<AlarmState, 'cleared'> | '';
  type: AlarmType | '';
}

export const EMPTY_ALARM_FILTER: AlarmFilter = { state: '', type: '' };

/** Open alarms matching the filter, worst first. */
export function visibleAlarms(alarms: Iterable<Alarm>, filter: AlarmFilter = EMPTY_ALARM_FILTER): Alarm[] {
  const out: Alarm[] = [];
  for (const alarm of alarms) {
    if (!isOpen(alarm)) continue;
    if (filter.state && alarm.state !== filter.state) continue;
    if (filter.type && alarm.type !== filter.type) continue;
    out.push(alarm);
  }
  return out.sort(compareAlarms);
}

export interface AlarmCounts {
  open: number;
  critical: number;
  /** Open and not yet acknowledged: someone still has to look. */
  unacknowledged: number;
  /** The worst severity among open alarms, or undefined when none is open. */
  worst: Severity | undefined;
}

export function countAlarms(alarms: Iterable<Alarm>): AlarmCounts {
  const counts: AlarmCounts = { open: 0, critical: 0, unacknowledged: 0, worst: undefined };
  for (const alarm of alarms) {
    if (!isOpen(alarm)) continue;
    counts.open++;
    if (alarm.severity === 'critical') counts.critical++;
    if (alarm.state === 'open') counts.unacknowledged++;
    if (!counts.worst || SEVERITY_ORDER[alarm.severity] > SEVERITY_ORDER[counts.worst])
      counts.worst = alarm.severity;
  }
  return counts;
}

/**
 * The alarms of `incoming` that deserve the loud cue: critical, not acknowledged, and either
 * unknown before or escalated from warning. An alarm that was already critical (a re-sent
 * snapshot after a reconnect, a comment added) stays quiet.
 *
 * @example newCriticalAlarms(new Map(), [critical]) // [critical]
 */
export function newCriticalAlarms(previous: ReadonlyMap<string, Alarm>, incoming: readonly Alarm[]): Alarm[] {
  const out: Alarm[] = [];
  for (const alarm of incoming) {
    if (alarm.severity !== 'critical' || alarm.state !== 'open') continue;
    const before = previous.get(alarm.id);
    if (before?.severity !== 'critical') out.push(alarm);
  }
  return out;
}

/** The alarms of one site, newest first (the site detail's alarm history). */
export function siteAlarmHistory(alarms: Iterable<Alarm>, siteId: string): Alarm[] {
  const out: Alarm[] = [];
  for (const alarm of alarms) if (alarm.siteId === siteId) out.push(alarm);
  return out.sort((a, b) => b.raisedAt - a.raisedAt || (a.id < b.id ? -1 : 1));
}

/** One row of `GET /api/sites/:id/alarm-events` (the store's alarm_event points), oldest first. */
export interface AlarmEvent {
  at: string;
  type: string | null;
  action: string | null;
  alarmId: string | null;
  severity: string | null;
  state: string | null;
  by: string | null;
}

/** A past alarm summarised from its stored events. */
export interface PastAlarm {
  alarmId: string;
  type: AlarmType;
  /** The worst severity it reached. */
  severity: Severity;
  raisedAt: number;
  clearedAt: number | null;
  clearedBy: string | null;
  acknowledgedBy: string | null;
}

const isAlarmType = (v: string | null): v is AlarmType =>
  (ALARM_TYPE_LIST as readonly string[]).includes(v ?? '');

/**
 * Groups stored alarm events into one line per alarm, newest first, leaving out the alarms
 * already shown in full (`shownIds`). Events of an alarm raised before the queried range have
 * no `raised` event: the first event's time stands in.
 *
 * @example pastAlarms(events, new Set([current.id])) // [{ alarmId, type: 'capacity', severity: 'critical', ... }]
 */
export function pastAlarms(events: readonly AlarmEvent[], shownIds: ReadonlySet<string>): PastAlarm[] {
  const byId = new Map<string, PastAlarm>();
  for (const e of events) {
    if (!e.alarmId || shownIds.has(e.alarmId) || !isAlarmType(e.type)) continue;
    const at = Date.parse(e.at);
    if (Number.isNaN(at)) continue;
    let past = byId.get(e.alarmId);
    if (!past) {
      past = {
        alarmId: e.alarmId,
        type: e.type,
        severity: 'warning',
        raisedAt: at,
        clearedAt: null,
        clearedBy: null,
        acknowledgedBy: null,
      };
      byId.set(e.alarmId, past);
    }
    if (e.action === 'raised') past.raisedAt = Math.min(past.raisedAt, at);
    if (e.severity === 'critical') past.severity = 'critical';
    if (e.action === 'acknowledged') past.acknowledgedBy = e.by;
    if (e.action === 'cleared' || e.state === 'cleared') {
      past.clearedAt = at;
      past.clearedBy = e.by;
    }
  }
  return [...byId.values()].sort((a, b) => b.raisedAt - a.raisedAt);
}
