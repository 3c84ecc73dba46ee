/**
 * The words for alarms, ONE table for every place a person reads them: the dashboard (through
 * dashboard/web/messages-alarms.ts), the compliance reports (which read those messages) and the
 * webhook / WhatsApp text (dashboard/notify/alarm-message.ts). Before this table the WhatsApp line
 * said "suhu tubuh" and "PERINGATAN" where the screen said "demam" and "WASPADA", so an operator
 * could not match a message to the alarm on screen.
 *
 * Bahasa Indonesia first (Dishub and venue staff in Batam), English second. The Indonesian words
 * are the operators' own (`kapasitas / demam / perangkat offline / gangguan sensor`); severities
 * reuse the site level words so a site's level and its capacity alarm read the same.
 *
 * No runtime imports: the browser bundle (esbuild, dashboard/web) imports this file, and it must
 * not pull zod or anything Node-only in (dashboard/web/bundle.test.ts).
 */
import type { AlarmType, Severity } from './alarms.ts';

export interface Label {
  id: string;
  en: string;
}

/** @example ALARM_TYPE_LABELS.fever.id // 'demam' */
export const ALARM_TYPE_LABELS = {
  capacity: { id: 'kapasitas', en: 'capacity' },
  fever: { id: 'demam', en: 'fever' },
  'device-offline': { id: 'perangkat offline', en: 'device offline' },
  'sensor-fault': { id: 'gangguan sensor', en: 'sensor fault' },
  'capacity-forecast': { id: 'perkiraan melebihi kapasitas', en: 'forecast over capacity' },
} as const satisfies Record<AlarmType, Label>;

/** @example SEVERITY_LABELS.warning.id // 'WASPADA' */
export const SEVERITY_LABELS = {
  warning: { id: 'WASPADA', en: 'WARNING' },
  critical: { id: 'KRITIS', en: 'CRITICAL' },
} as const satisfies Record<Severity, Label>;

/**
 * What a `sensor-fault` alarm found (`details.fault`, ingest/alarms/fault-rule.ts FaultKind).
 * `counter-reboot` is also the reason ingest records on a counter's `reboot` correction
 * (ingest/create-ingest.ts), so the correction log and the fault alarm say the same.
 */
export const SENSOR_FAULT_LABELS = {
  'counter-reboot': { id: 'penghitung dinyalakan ulang', en: 'counter rebooted' },
  'clock-skew': { id: 'jam perangkat meleset', en: 'device clock is off' },
  'impossible-occupancy': {
    id: 'jumlah orang mustahil (lebih dari 3× kapasitas desain)',
    en: 'impossible head count (over 3× design capacity)',
  },
  'negative-count': {
    id: 'hitungan pintu jauh di bawah nol',
    en: 'door count far below zero',
  },
  'impossible-temperature': {
    id: 'suhu tubuh mustahil (di luar 30–45 °C)',
    en: 'impossible body temperature (outside 30–45 °C)',
  },
} as const satisfies Record<string, Label>;

export type SensorFaultKind = keyof typeof SENSOR_FAULT_LABELS;

/**
 * A fault in words, or the raw value when it is one this table does not know (a newer ingest),
 * so nothing is hidden.
 *
 * @example sensorFaultLabel('clock-skew', 'id') // 'jam perangkat meleset'
 * @example sensorFaultLabel('lens-dirty', 'id') // 'lens-dirty'
 */
export function sensorFaultLabel(fault: string, lang: keyof Label): string {
  return Object.hasOwn(SENSOR_FAULT_LABELS, fault)
    ? SENSOR_FAULT_LABELS[fault as SensorFaultKind][lang]
    : fault;
}
