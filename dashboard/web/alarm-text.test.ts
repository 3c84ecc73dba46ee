import { describe, expect, it } from 'vitest';
import { alarm } from './alarm-fixture.ts';
import { alarmSince, alarmSummary, lastComment, transitionText } from './alarm-text.ts';

// 2025-11-28 01:00:00 UTC = 08.00 WIB.
const T = Date.UTC(2025, 10, 28, 1, 0, 0);

describe('alarm summary', () => {
  it('tells a capacity alarm in people, safe capacity and load, as of its raise', () => {
    const a = alarm('pasar', { details: { occupancy: 312, safeCapacity: 250, load: 1.248 } });
    expect(alarmSummary(a, 'id')).toBe('312 orang, kapasitas aman 250 (125%) · pada 08.00 WIB');
    expect(alarmSummary(a, 'en')).toBe('312 people, safe capacity 250 (125%) · at 08:00 WIB');
  });

  it('says its numbers are from the last change of severity, not from an acknowledgement', () => {
    const a = alarm('pasar', {
      details: { occupancy: 400, safeCapacity: 250, load: 1.6 },
      history: [
        { at: T, action: 'raised', by: 'system', severity: 'warning' },
        { at: T + 20 * 60_000, action: 'escalated', by: 'system', severity: 'critical' },
        { at: T + 30 * 60_000, action: 'acknowledged', by: 'budi' },
      ],
    });
    expect(alarmSummary(a, 'id')).toBe('400 orang, kapasitas aman 250 (160%) · pada 08.20 WIB');
  });

  it('computes the load when ingest left it out, and calls a site with safe capacity 0 closed', () => {
    expect(alarmSummary(alarm('s', { details: { occupancy: 60, safeCapacity: 50 } }), 'id')).toBe(
      '60 orang, kapasitas aman 50 (120%) · pada 08.00 WIB',
    );
    expect(alarmSummary(alarm('s', { details: { occupancy: 4, safeCapacity: 0, load: null } }), 'id')).toBe(
      '4 orang, kapasitas aman ditutup (∞) · pada 08.00 WIB',
    );
  });

  it('tells a fever alarm by the body temperature with the local decimal separator, and the device', () => {
    const a = alarm('mpp', { type: 'fever', details: { celsius: 38.24, deviceId: 'mpp-thermal-1' } });
    expect(alarmSummary(a, 'id')).toBe('suhu tubuh 38,2 °C · perangkat mpp-thermal-1');
    expect(alarmSummary(a, 'en')).toBe('body temperature 38.2 °C · device mpp-thermal-1');
  });

  it('names the silent devices of an offline alarm', () => {
    const a = alarm('bus', {
      type: 'device-offline',
      details: { silentDevices: 'bus-apc,bus-gps', silentCount: 2, deviceCount: 2, lastHeardAt: null },
    });
    expect(alarmSummary(a, 'id')).toBe('tidak ada data dari bus-apc, bus-gps · belum pernah terdengar');
  });

  it('names the fault of a sensor-fault alarm and shows unknown details rather than hiding them', () => {
    const a = alarm('tos', {
      type: 'sensor-fault',
      raisedAt: T,
      details: { fault: 'counter-reset', deviceId: 'tos-door-1', skewMs: 900000, checkedAt: T + 60_000 },
    });
    expect(alarmSummary(a, 'id')).toBe(
      'gangguan: counter-reset · perangkat tos-door-1 · skewMs: 900.000 · checkedAt: 08.01 WIB',
    );
  });
});

describe('alarm times in WIB', () => {
  it('says since when, in WIB, and how long ago', () => {
    const a = alarm('s', { raisedAt: T });
    expect(alarmSince(a, 'id', T + 3 * 60_000)).toBe('sejak 08.00 WIB (3 mnt lalu)');
    expect(alarmSince(a, 'en', T + 3 * 60_000)).toBe('since 08:00 WIB (3 min ago)');
  });

  it('adds the date for an alarm open since yesterday', () => {
    expect(alarmSince(alarm('s', { raisedAt: T }), 'id', T + 25 * 3_600_000)).toBe(
      'sejak 28 Nov, 08.00 WIB (1 hr lalu)',
    );
  });
});

describe('alarm history lines', () => {
  it('tells who did what, when, with the comment', () => {
    expect(
      transitionText(
        { at: T, action: 'acknowledged', by: 'budi', comment: 'petugas menuju lokasi' },
        'id',
        T,
      ),
    ).toBe('08.00 WIB · diakui oleh budi · “petugas menuju lokasi”');
    expect(transitionText({ at: T, action: 'escalated', by: 'system', severity: 'critical' }, 'en', T)).toBe(
      '08:00 WIB · escalated to critical by the system',
    );
  });

  it('names the assignee of an assignment, and says when it was removed', () => {
    expect(transitionText({ at: T, action: 'assigned', by: 'ani', assignee: 'budi' }, 'id', T)).toBe(
      '08.00 WIB · ditugaskan oleh ani · budi',
    );
    expect(transitionText({ at: T, action: 'assigned', by: 'ani', assignee: null }, 'id', T)).toBe(
      '08.00 WIB · ditugaskan oleh ani · belum ada petugas',
    );
  });

  it('finds the newest comment', () => {
    const a = alarm('s', {
      history: [
        { at: T, action: 'raised', by: 'system' },
        { at: T + 1, action: 'commented', by: 'ani', comment: 'first' },
        { at: T + 2, action: 'acknowledged', by: 'budi', comment: 'second' },
        { at: T + 3, action: 'escalated', by: 'system' },
      ],
    });
    expect(lastComment(a)?.comment).toBe('second');
    expect(lastComment(alarm('s'))).toBeUndefined();
  });
});
