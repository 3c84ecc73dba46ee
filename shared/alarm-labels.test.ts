import { describe, expect, it } from 'vitest';
import { ALARM_TYPE_LABELS, SENSOR_FAULT_LABELS, SEVERITY_LABELS, sensorFaultLabel } from './alarm-labels.ts';
import { ALARM_TYPES, SEVERITIES } from './alarms.ts';

describe('alarm label table', () => {
  it('names every alarm type and severity of the contract in both languages, each differently', () => {
    expect(Object.keys(ALARM_TYPE_LABELS).sort()).toEqual([...ALARM_TYPES].sort());
    expect(Object.keys(SEVERITY_LABELS).sort()).toEqual([...SEVERITIES].sort());
    for (const lang of ['id', 'en'] as const) {
      const types = ALARM_TYPES.map((type) => ALARM_TYPE_LABELS[type][lang]);
      expect(new Set(types).size).toBe(types.length);
      for (const label of types) expect(label.trim()).not.toBe('');
    }
  });

  it('uses the operators’ own Bahasa Indonesia words and the site level words for severities', () => {
    expect(ALARM_TYPES.map((type) => ALARM_TYPE_LABELS[type].id)).toEqual([
      'kapasitas',
      'demam',
      'perangkat offline',
      'gangguan sensor',
      'perkiraan melebihi kapasitas',
    ]);
    expect(SEVERITY_LABELS.warning.id).toBe('WASPADA');
    expect(SEVERITY_LABELS.critical).toEqual({ id: 'KRITIS', en: 'CRITICAL' });
  });

  it('names the faults ingest reports and passes an unknown one through unchanged', () => {
    // ingest/alarms/fault-rule.ts FaultKind
    expect(Object.keys(SENSOR_FAULT_LABELS).sort()).toEqual(
      [
        'clock-skew',
        'counter-reboot',
        'impossible-occupancy',
        'negative-count',
        'impossible-temperature',
      ].sort(),
    );
    expect(sensorFaultLabel('counter-reboot', 'id')).toBe('penghitung dinyalakan ulang');
    expect(sensorFaultLabel('clock-skew', 'en')).toBe('device clock is off');
    expect(sensorFaultLabel('lens-dirty', 'id')).toBe('lens-dirty');
    // Not fooled by inherited object keys.
    expect(sensorFaultLabel('toString', 'id')).toBe('toString');
  });
});
