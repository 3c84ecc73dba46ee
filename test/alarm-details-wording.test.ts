/**
 * The contract between ingest's alarm rules and the two places that put their `details` into
 * words: the dashboard (dashboard/web/alarm-text.ts) and the WhatsApp / webhook text
 * (dashboard/notify/alarm-message.ts). The details come from the real rules, so a key renamed on
 * one side shows up here, not as `readAt: 1.795.919.299.876` on an operator's screen.
 */
import { describe, expect, it } from 'vitest';
import { alarmText } from '../dashboard/notify/alarm-message.ts';
import { alarm } from '../dashboard/web/alarm-fixture.ts';
import { alarmSummary } from '../dashboard/web/alarm-text.ts';
import type { Condition } from '../ingest/alarms/alarm-engine.ts';
import { DeadmanRule } from '../ingest/alarms/deadman-rule.ts';
import { FaultRule } from '../ingest/alarms/fault-rule.ts';
import { FeverRule } from '../ingest/alarms/fever-rule.ts';
import { SENSOR_FAULT_LABELS as L } from '../shared/alarm-labels.ts';
import type { Alarm, AlarmType } from '../shared/alarms.ts';
import { DEFAULT_ALARM_SETTINGS } from '../shared/alarms.ts';

const SITE = { id: 'mpp-batam', name: 'MPP Batam', kind: 'public-service' as const };
/** 28 November 2025, 08:15 WIB. */
const T = Date.UTC(2025, 10, 28, 1, 15, 0);
const MIN = 60_000;

function raised(type: AlarmType, condition: Condition): Alarm {
  if (!condition) throw new Error(`the ${type} rule reported no condition`);
  return alarm(SITE.id, { type, severity: condition.severity, details: condition.details, raisedAt: T });
}

/** No raw detail key (`readAt: …`) and no epoch milliseconds in any wording. */
function expectWorded(a: Alarm): { id: string; en: string; text: string } {
  const words = {
    id: alarmSummary(a, 'id'),
    en: alarmSummary(a, 'en'),
    text: alarmText('raised', a, SITE, T),
  };
  for (const [where, said] of Object.entries(words)) {
    expect(said, where).not.toMatch(/\b[a-z]+[A-Z][A-Za-z]*:/);
    expect(said, where).not.toMatch(/\d[.,\d]{12,}/);
  }
  return words;
}

describe('alarm details from the rules, in words', () => {
  it('a fever names the scanner and when it measured', () => {
    const rule = new FeverRule();
    rule.reading(SITE.id, 'mpp-thermal-1', 38.4, T - 2 * MIN, DEFAULT_ALARM_SETTINGS);
    const words = expectWorded(raised('fever', rule.condition(SITE.id, T, DEFAULT_ALARM_SETTINGS)));
    expect(words.id).toBe('suhu tubuh 38,4 °C · perangkat mpp-thermal-1 · diukur 08.13 WIB');
    expect(words.en).toBe('body temperature 38.4 °C · device mpp-thermal-1 · measured 08:13 WIB');
    expect(words.text).toContain('suhu tubuh 38,4 °C terdeteksi di pintu masuk (perangkat mpp-thermal-1)');
  });

  it('device offline names the silent devices and when they were last heard', () => {
    const rule = new DeadmanRule();
    rule.start(T - 60 * MIN);
    for (const id of ['mpp-door-1', 'mpp-door-2', 'mpp-thermal-1']) rule.known(id, T - 60 * MIN);
    rule.heard('mpp-door-1', T);
    rule.heard('mpp-door-2', T - 9 * MIN);
    const words = expectWorded(
      raised('device-offline', rule.condition(['mpp-door-1', 'mpp-door-2', 'mpp-thermal-1'], T, 5 * MIN)),
    );
    expect(words.id).toBe('tidak ada data dari mpp-door-2, mpp-thermal-1 · terakhir terdengar 08.06 WIB');
    expect(words.en).toBe('no data from mpp-door-2, mpp-thermal-1 · last heard 08:06 WIB');
    expect(words.text).toBe(
      '[WASPADA] MPP Batam: perangkat mpp-door-2, mpp-thermal-1 tidak mengirim data, terakhir terdengar 08.06 WIB. Sejak 08.15 WIB.',
    );
  });

  it('device offline for devices never heard from, and many of them, stays short', () => {
    const rule = new DeadmanRule();
    rule.start(T - 60 * MIN);
    const ids = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5'];
    const words = expectWorded(raised('device-offline', rule.condition(ids, T, 5 * MIN)));
    expect(words.id).toBe('tidak ada data dari a-1, a-2, a-3, a-4, a-5 · belum pernah terdengar');
    expect(words.text).toBe(
      '[KRITIS] MPP Batam: perangkat a-1, a-2, a-3 (+2 lainnya) tidak mengirim data, belum pernah terdengar. Sejak 08.15 WIB.',
    );
  });

  it('each sensor fault says what was measured', () => {
    const faults = new FaultRule();
    const cases: Array<[(rule: FaultRule) => void, string, string]> = [
      [
        (r) => r.checkClock(SITE.id, 'mpp-cam-1', T + 62 * MIN, T, 10 * MIN, true),
        `gangguan: ${L['clock-skew'].id} · perangkat mpp-cam-1 · jam perangkat selisih +62 menit · terakhir 08.15 WIB`,
        'device clock off by +62 min',
      ],
      [
        (r) => r.checkCounts(SITE.id, 'mpp-cam-1', { absolute: 1900, doorNet: null }, 500, T),
        `gangguan: ${L['impossible-occupancy'].id} · perangkat mpp-cam-1 · 1.900 orang terhitung, kapasitas desain 500 · terakhir 08.15 WIB`,
        '1,900 people counted, design capacity 500',
      ],
      [
        (r) => r.checkCounts(SITE.id, 'mpp-door-1', { absolute: null, doorNet: -400 }, 500, T),
        `gangguan: ${L['negative-count'].id} · perangkat mpp-door-1 · hitungan pintu -400 · terakhir 08.15 WIB`,
        'door count -400',
      ],
      [
        (r) => r.checkBodyTemperature(SITE.id, 'mpp-thermal-1', 120, T),
        `gangguan: ${L['impossible-temperature'].id} · perangkat mpp-thermal-1 · suhu tubuh 120,0 °C · terakhir 08.15 WIB`,
        'body temperature 120.0 °C',
      ],
      [
        (r) => r.report(SITE.id, 'counter-reboot', { deviceId: 'mpp-door-1' }, T),
        `gangguan: ${L['counter-reboot'].id} · perangkat mpp-door-1 · terakhir 08.15 WIB`,
        'device mpp-door-1',
      ],
    ];
    for (const [cause, id, en] of cases) {
      faults.forget(SITE.id);
      cause(faults);
      const words = expectWorded(raised('sensor-fault', faults.condition(SITE.id, T, 10 * MIN)));
      expect(words.id).toBe(id);
      expect(words.en).toContain(en);
    }
  });
});
