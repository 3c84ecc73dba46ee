/**
 * What a notification says. `json` is for systems; `text` is one short Bahasa Indonesia line a
 * WhatsApp or SMS gateway can forward as is (DOMAIN.md "Who uses it": venue managers need to be
 * told fast and without spam), e.g.
 * "[KRITIS] Pasar Induk Jodoh: 312 orang, kapasitas aman 250 (125%). Sejak 08.15 WIB."
 * Times are in Batam's zone, Asia/Jakarta (WIB, UTC+7). Alarm types, severities and faults are
 * worded by shared/alarm-labels.ts, the same table the dashboard shows, so the WhatsApp line and
 * the screen use the same words.
 */
import { ALARM_TYPE_LABELS, SEVERITY_LABELS, sensorFaultLabel } from '../../shared/alarm-labels.ts';
import type { Alarm } from '../../shared/alarms.ts';
import type { SiteKind } from '../../shared/registry-schemas.ts';
import type { NotifyEvent } from './delivery-log.ts';

export interface SiteRef {
  id: string;
  name: string;
  kind: SiteKind | null;
}

const timeFormat = new Intl.DateTimeFormat('id-ID', {
  timeZone: 'Asia/Jakarta',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dayFormat = new Intl.DateTimeFormat('id-ID', {
  timeZone: 'Asia/Jakarta',
  day: 'numeric',
  month: 'short',
});
const number = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });

/** `08.15 WIB`, with the date in front when it is not the same day as `now` in Batam. */
export function wib(ms: number, now: number): string {
  const time = timeFormat.format(ms).replace(':', '.');
  return dayFormat.format(ms) === dayFormat.format(now)
    ? `${time} WIB`
    : `${dayFormat.format(ms)} ${time} WIB`;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** A WhatsApp line names this many silent devices, then says how many more. */
const MAX_NAMED_DEVICES = 3;

/** The condition in words, from the alarm's details (whatever of them ingest filled in). */
function condition(alarm: Alarm, now: number): string {
  const d = alarm.details;
  const device = str(d.deviceId);
  switch (alarm.type) {
    case 'capacity': {
      const occupancy = num(d.occupancy);
      const safe = num(d.safeCapacity);
      const load = num(d.load) ?? (occupancy !== undefined && safe ? occupancy / safe : undefined);
      const parts = [
        occupancy !== undefined ? `${number.format(occupancy)} orang` : 'kepadatan tinggi',
        safe !== undefined ? `kapasitas aman ${number.format(safe)}` : undefined,
      ].filter(Boolean);
      return `${parts.join(', ')}${load !== undefined ? ` (${Math.round(load * 100)}%)` : ''}`;
    }
    case 'fever': {
      const celsius = num(d.celsius);
      const reading = celsius !== undefined ? `suhu tubuh ${number.format(celsius)} °C` : 'suhu tubuh tinggi';
      return `${reading} terdeteksi di pintu masuk${device ? ` (perangkat ${device})` : ''}`;
    }
    case 'device-offline': {
      // ingest/alarms/deadman-rule.ts: `silentDevices` (comma-separated), `lastHeardAt` (ms or null).
      const silent = str(d.silentDevices)?.split(',') ?? [];
      const named = silent.slice(0, MAX_NAMED_DEVICES).join(', ');
      const more =
        silent.length > MAX_NAMED_DEVICES ? ` (+${silent.length - MAX_NAMED_DEVICES} lainnya)` : '';
      const heard = num(d.lastHeardAt);
      return `${named ? `perangkat ${named}${more}` : 'perangkat'} tidak mengirim data, ${
        heard !== undefined ? `terakhir terdengar ${wib(heard, now)}` : 'belum pernah terdengar'
      }`;
    }
    case 'sensor-fault': {
      const fault = str(d.fault);
      const what = fault ? sensorFaultLabel(fault, 'id') : 'data tidak wajar';
      return `${ALARM_TYPE_LABELS['sensor-fault'].id}${device ? ` pada perangkat ${device}` : ''}: ${what}`;
    }
    case 'capacity-forecast': {
      const peak = num(d.forecastPeak);
      const safe = num(d.safeCapacity);
      const at = num(d.expectedAt);
      return [
        peak !== undefined ? `diperkirakan ${number.format(Math.round(peak))} orang` : 'diperkirakan penuh',
        at !== undefined ? `sekitar pukul ${wib(at, at)}` : undefined,
        safe !== undefined ? `kapasitas aman ${number.format(safe)}` : undefined,
      ]
        .filter(Boolean)
        .join(', ');
    }
  }
}

/**
 * @example
 * alarmText('raised', alarm, { id: 'pasar-induk-jodoh', name: 'Pasar Induk Jodoh', kind: 'market' }, now)
 * // "[KRITIS] Pasar Induk Jodoh: 312 orang, kapasitas aman 250 (125%). Sejak 08.15 WIB."
 */
export function alarmText(event: NotifyEvent, alarm: Alarm, site: SiteRef, now: number): string {
  if (event === 'cleared') {
    const at = alarm.clearedAt ?? alarm.updatedAt;
    const by = alarm.clearedBy && alarm.clearedBy !== 'system' ? ` oleh ${alarm.clearedBy}` : '';
    return `[PULIH] ${site.name}: alarm ${ALARM_TYPE_LABELS[alarm.type].id} selesai pukul ${wib(at, now)}${by}.`;
  }
  const label = `[${SEVERITY_LABELS[alarm.severity].id}]`;
  const since = `Sejak ${wib(alarm.raisedAt, now)}.`;
  if (event === 'escalated')
    return `${label} ${site.name}: ${condition(alarm, now)}, naik ke kritis. ${since}`;
  if (event === 'renotify')
    return `${label} Pengingat: ${site.name}: ${condition(alarm, now)}. ${since} Belum ditanggapi.`;
  return `${label} ${site.name}: ${condition(alarm, now)}. ${since}`;
}

/** The `json` format body. */
export function alarmJson(event: NotifyEvent, alarm: Alarm, site: SiteRef, now: number) {
  return {
    event,
    alarm,
    site,
    text: alarmText(event, alarm, site, now),
    createdAt: new Date(now).toISOString(),
  };
}
