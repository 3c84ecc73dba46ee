/**
 * Pure operations on one alarm record (shared/alarms.ts): raising it and appending a transition.
 * Every function returns a new record; the engine decides which transition applies.
 *
 * Time rule: the transitions of one (site, type) get strictly increasing times (`at` is bumped by
 * 1 ms when two land in the same millisecond). Each transition is stored as an `alarm_event` point
 * at time `at` in a series tagged (site, type, action), so distinct times mean no point ever
 * overwrites another, and "newest point" always means "latest state" when ingest restores.
 */
import {
  type Alarm,
  type AlarmAction,
  type AlarmTransition,
  type AlarmType,
  alarmId,
  MAX_ALARM_HISTORY,
  type Severity,
  SYSTEM_ACTOR,
} from '../../shared/alarms.ts';
import { MAX_STRING_FIELD_CHARS } from '../../shared/store/line-protocol.ts';

export type AlarmDetails = Alarm['details'];

/** One applied transition: the alarm after it, and what happened. */
export interface AlarmChange {
  alarm: Alarm;
  action: AlarmAction;
  by: string;
}

/** The time for the next transition after `previous` (an alarm of the same site and type). */
export function transitionTime(previous: Alarm | undefined, now: number): number {
  return previous ? Math.max(now, previous.updatedAt + 1) : now;
}

/**
 * A new open alarm, raised by the system.
 *
 * @example raiseAlarm('pasar-tos-3000', 'capacity', 'warning', { load: 0.82 }, 1764313200000).id
 * // 'pasar-tos-3000:capacity:1764313200000'
 */
export function raiseAlarm(
  siteId: string,
  type: AlarmType,
  severity: Severity,
  details: AlarmDetails,
  at: number,
): Alarm {
  return {
    id: alarmId(siteId, type, at),
    siteId,
    type,
    severity,
    state: 'open',
    raisedAt: at,
    updatedAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    clearedAt: null,
    clearedBy: null,
    assignee: null,
    details: { ...details },
    history: [{ at, action: 'raised', by: SYSTEM_ACTOR, severity }],
  };
}

/**
 * Applies `patch` and appends the transition (the oldest entries beyond MAX_ALARM_HISTORY are
 * dropped; the full trail stays in the store).
 *
 * @example transition(alarm, { at, action: 'assigned', by: 'budi', assignee: 'sari' }, { assignee: 'sari' })
 */
export function transition(alarm: Alarm, entry: AlarmTransition, patch: Partial<Alarm> = {}): Alarm {
  const history = [...alarm.history, entry].slice(-MAX_ALARM_HISTORY);
  return { ...alarm, ...patch, updatedAt: entry.at, history };
}

/** Keeps well below the store's string field limit, so a restored record always parses. */
const MAX_STORED_JSON_CHARS = MAX_STRING_FIELD_CHARS - 1024;

/**
 * The alarm as JSON for the store's `alarm` field. Comments may make 50 history entries longer
 * than a string field holds (a cut string would no longer parse on restore), so the oldest
 * history entries are dropped until it fits; the store keeps each of them in its own point anyway.
 */
export function alarmJsonForStore(alarm: Alarm): string {
  let json = JSON.stringify(alarm);
  let record = alarm;
  while (json.length > MAX_STORED_JSON_CHARS && record.history.length > 1) {
    record = { ...record, history: record.history.slice(Math.ceil(record.history.length / 4)) };
    json = JSON.stringify(record);
  }
  return json;
}
