/**
 * Alarms as text: what the condition is in numbers (`312 orang, kapasitas aman 250 (125%)`,
 * `suhu tubuh 38,2 °C`), since when in WIB, and each step of its history. Pure functions (the
 * current time is passed in), tested in Node.
 *
 * `details` is free-form per type (shared/alarms.ts); the keys ingest's rules write are read here
 * (test/alarm-details-wording.test.ts renders what the real rules produce), and anything unknown
 * is shown as `key: value` rather than hidden, a `…At` key as a time.
 */
import { sensorFaultLabel } from '../../shared/alarm-labels.ts';
import type { Alarm, AlarmTransition } from '../../shared/alarms.ts';
import {
  formatAge,
  formatCelsius,
  formatDateTimeWib,
  formatLoad,
  formatNumber,
  formatTimeWib,
} from './format.ts';
import { type Lang, type MessageKey, translate } from './i18n.ts';

type Details = Alarm['details'];

const num = (d: Details, ...keys: string[]): number | undefined => {
  for (const key of keys) {
    const v = d[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
};

const str = (d: Details, ...keys: string[]): string | undefined => {
  for (const key of keys) {
    const v = d[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
};

/** Keys each type's summary already tells, so they are not repeated as `key: value`. */
const KNOWN: Record<Alarm['type'], string[]> = {
  capacity: ['occupancy', 'safeCapacity', 'load', 'level'],
  fever: ['celsius', 'deviceId', 'readAt'],
  'device-offline': ['silentDevices', 'silentCount', 'deviceCount', 'lastHeardAt'],
  'sensor-fault': [
    'fault',
    'deviceId',
    'lastFaultAt',
    'clockOffsetMs',
    'occupancy',
    'designCapacity',
    'doorNet',
    'celsius',
  ],
  'capacity-forecast': ['occupancy', 'safeCapacity', 'forecastPeak', 'expectedAt', 'horizonMinutes', 'basis'],
};

/** When the alarm last took its details: its raise or its last change of severity. */
function lastSeverityChange(alarm: Alarm): number | undefined {
  for (let i = alarm.history.length - 1; i >= 0; i--) {
    const step = alarm.history[i]!;
    if (step.action === 'raised' || step.action === 'escalated' || step.action === 'de-escalated')
      return step.at;
  }
  return undefined;
}

/** A time in the details: the clock time, with the date when it is a day or more from the raise. */
function detailTime(ms: number, alarm: Alarm, lang: Lang): string {
  return Math.abs(alarm.raisedAt - ms) > 20 * 3_600_000
    ? formatDateTimeWib(ms, lang)
    : formatTimeWib(ms, lang, false);
}

/** Keys ingest may add later: epoch-ms times (`…At`) read as times, other values as they are. */
function otherDetails(alarm: Alarm, lang: Lang): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(alarm.details)) {
    if (KNOWN[alarm.type].includes(key) || value === null) continue;
    const shown =
      typeof value !== 'number'
        ? String(value)
        : key.endsWith('At')
          ? detailTime(value, alarm, lang)
          : formatNumber(value, lang, 2);
    out.push(`${key}: ${shown}`);
  }
  return out;
}

/** What a sensor fault measured, in words (ingest/alarms/fault-rule.ts writes these keys). */
function faultEvidence(d: Details, lang: Lang): string | undefined {
  const offset = num(d, 'clockOffsetMs');
  if (offset !== undefined) {
    const minutes = Math.round(offset / 60_000);
    return translate(lang, 'alarm.detail.clockOffset', {
      offset: `${minutes > 0 ? '+' : ''}${formatNumber(minutes, lang)}`,
    });
  }
  const occ = num(d, 'occupancy');
  const design = num(d, 'designCapacity');
  if (occ !== undefined && design !== undefined)
    return translate(lang, 'alarm.detail.impossible', {
      occ: formatNumber(occ, lang),
      cap: formatNumber(design, lang),
    });
  const celsius = num(d, 'celsius');
  if (celsius !== undefined)
    return translate(lang, 'alarm.detail.fever', { celsius: formatCelsius(celsius, lang) });
  const net = num(d, 'doorNet');
  if (net !== undefined) return translate(lang, 'alarm.detail.doorNet', { net: formatNumber(net, lang) });
  return undefined;
}

/**
 * @example alarmSummary({ type: 'capacity', details: { occupancy: 312, safeCapacity: 250, load: 1.248 }, history: [raised at 08.15] }, 'id')
 *   // '312 orang, kapasitas aman 250 (125%) · pada 08.15 WIB'
 */
export function alarmSummary(alarm: Alarm, lang: Lang): string {
  const d = alarm.details;
  const parts: string[] = [];
  if (alarm.type === 'capacity') {
    const occ = num(d, 'occupancy');
    const cap = num(d, 'safeCapacity');
    if (occ !== undefined && cap !== undefined) {
      const load = num(d, 'load') ?? (cap > 0 ? occ / cap : null);
      parts.push(
        translate(lang, 'alarm.detail.capacity', {
          occ: formatNumber(occ, lang),
          cap: cap === 0 ? translate(lang, 'load.closed') : formatNumber(cap, lang),
          load: formatLoad(load, lang, occ, cap),
        }),
      );
      // The numbers are from the raise or the last change of severity, not live: say when.
      const measured = lastSeverityChange(alarm);
      if (measured !== undefined)
        parts.push(translate(lang, 'alarm.detail.asOf', { time: detailTime(measured, alarm, lang) }));
    }
  } else if (alarm.type === 'fever') {
    const celsius = num(d, 'celsius');
    if (celsius !== undefined)
      parts.push(translate(lang, 'alarm.detail.fever', { celsius: formatCelsius(celsius, lang) }));
    const device = str(d, 'deviceId');
    if (device) parts.push(translate(lang, 'alarm.detail.device', { device }));
    const readAt = num(d, 'readAt');
    if (readAt !== undefined)
      parts.push(translate(lang, 'alarm.detail.readAt', { time: detailTime(readAt, alarm, lang) }));
  } else if (alarm.type === 'device-offline') {
    const devices = str(d, 'silentDevices');
    if (devices)
      parts.push(translate(lang, 'alarm.detail.offline', { devices: devices.split(',').join(', ') }));
    const heard = num(d, 'lastHeardAt');
    parts.push(
      heard === undefined
        ? translate(lang, 'alarm.detail.neverHeard')
        : translate(lang, 'alarm.detail.lastHeard', { time: detailTime(heard, alarm, lang) }),
    );
  } else if (alarm.type === 'capacity-forecast') {
    const peak = num(d, 'forecastPeak');
    const cap = num(d, 'safeCapacity');
    const at = num(d, 'expectedAt');
    if (peak !== undefined && cap !== undefined && at !== undefined)
      parts.push(
        translate(lang, 'alarm.detail.forecast', {
          peak: formatNumber(Math.round(peak), lang),
          time: formatTimeWib(at, lang, false),
          cap: formatNumber(cap, lang),
        }),
      );
  } else {
    const reason = str(d, 'fault');
    if (reason) parts.push(translate(lang, 'alarm.detail.fault', { reason: sensorFaultLabel(reason, lang) }));
    const device = str(d, 'deviceId');
    if (device) parts.push(translate(lang, 'alarm.detail.device', { device }));
    const evidence = faultEvidence(d, lang);
    if (evidence) parts.push(evidence);
    const last = num(d, 'lastFaultAt');
    if (last !== undefined)
      parts.push(translate(lang, 'alarm.detail.lastFault', { time: detailTime(last, alarm, lang) }));
  }
  parts.push(...otherDetails(alarm, lang));
  return parts.join(' · ');
}

/** A clock time for today, a date and time beyond 20 hours (an alarm open overnight). */
export function alarmTime(ms: number, lang: Lang, nowMs: number): string {
  return nowMs - ms > 20 * 3_600_000 ? formatDateTimeWib(ms, lang) : formatTimeWib(ms, lang, false);
}

/** @example alarmSince(alarm, 'id', now) // 'sejak 14.05 WIB (3 mnt lalu)' */
export function alarmSince(alarm: Alarm, lang: Lang, nowMs: number): string {
  return translate(lang, 'alarm.since', {
    time: alarmTime(alarm.raisedAt, lang, nowMs),
    age: formatAge(Math.max(0, nowMs - alarm.raisedAt), lang),
  });
}

/** shared/alarms.ts SYSTEM_ACTOR; not imported, as that module would bring zod into the bundle. */
const SYSTEM_ACTOR_NAME = 'system';

/** Who acted: a user name as it is, the system (ingest's rules, the daily reset) in the operator's language. */
export function actorText(by: string, lang: Lang): string {
  return by === SYSTEM_ACTOR_NAME ? translate(lang, 'actor.system') : by;
}

/** The newest comment on the alarm, if any. */
export function lastComment(alarm: Alarm): AlarmTransition | undefined {
  for (let i = alarm.history.length - 1; i >= 0; i--) {
    const step = alarm.history[i]!;
    if (step.comment) return step;
  }
  return undefined;
}

/**
 * One line of an alarm's history: `14.05 WIB · diakui oleh budi · “petugas menuju lokasi”`.
 *
 * @example transitionText({ at, action: 'acknowledged', by: 'budi' }, 'id', now) // '14.05 WIB · diakui oleh budi'
 */
export function transitionText(step: AlarmTransition, lang: Lang, nowMs: number): string {
  const action = translate(lang, `alarm.action.${step.action}` as MessageKey);
  const parts = [
    alarmTime(step.at, lang, nowMs),
    translate(lang, 'alarm.by', { action, by: actorText(step.by, lang) }),
  ];
  if (step.action === 'assigned')
    parts.push(step.assignee ? step.assignee : translate(lang, 'alarm.unassigned'));
  if (step.comment) parts.push(`“${step.comment}”`);
  return parts.join(' · ');
}
