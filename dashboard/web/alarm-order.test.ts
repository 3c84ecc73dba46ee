import { describe, expect, it } from 'vitest';
import type { Alarm } from '../../shared/alarms.ts';
import { ALARM_TYPES } from '../../shared/alarms.ts';
import { alarm } from './alarm-fixture.ts';
import {
  ALARM_TYPE_LIST,
  type AlarmEvent,
  countAlarms,
  newCriticalAlarms,
  pastAlarms,
  siteAlarmHistory,
  visibleAlarms,
} from './alarm-order.ts';

const ids = (list: Alarm[]) => list.map((a) => a.siteId);
const T = Date.UTC(2025, 10, 28, 1, 0, 0);

describe('alarm order', () => {
  it('puts critical alarms before warnings, whatever their age', () => {
    const list = [
      alarm('old-warning', { severity: 'warning', raisedAt: T - 3_600_000 }),
      alarm('new-critical', { severity: 'critical', raisedAt: T }),
    ];
    expect(ids(visibleAlarms(list))).toEqual(['new-critical', 'old-warning']);
  });

  it('within a severity puts the alarm open longest first', () => {
    const list = [
      alarm('b', { severity: 'critical', raisedAt: T }),
      alarm('a', { severity: 'critical', raisedAt: T - 60_000 }),
      alarm('c', { severity: 'critical', raisedAt: T + 60_000 }),
    ];
    expect(ids(visibleAlarms(list))).toEqual(['a', 'b', 'c']);
  });

  it('is stable by id for alarms raised at the same moment', () => {
    const list = [alarm('z', { type: 'fever' }), alarm('z', { type: 'capacity' })];
    expect(visibleAlarms(list).map((a) => a.type)).toEqual(['capacity', 'fever']);
  });

  it('leaves cleared alarms out and keeps acknowledged ones (they stay open)', () => {
    const list = [
      alarm('cleared', { state: 'cleared' }),
      alarm('acked', { state: 'acknowledged' }),
      alarm('open', { raisedAt: T + 1 }),
    ];
    expect(ids(visibleAlarms(list))).toEqual(['acked', 'open']);
  });

  it('filters by state and by type', () => {
    const list = [
      alarm('s1', { state: 'acknowledged', type: 'fever' }),
      alarm('s2', { state: 'open', type: 'fever', raisedAt: T + 1 }),
      alarm('s3', { state: 'open', type: 'device-offline', raisedAt: T + 2 }),
    ];
    expect(ids(visibleAlarms(list, { state: 'open', type: '' }))).toEqual(['s2', 's3']);
    expect(ids(visibleAlarms(list, { state: '', type: 'fever' }))).toEqual(['s1', 's2']);
    expect(ids(visibleAlarms(list, { state: 'acknowledged', type: 'device-offline' }))).toEqual([]);
  });

  it('offers every alarm type of the contract in the type filter', () => {
    expect([...ALARM_TYPE_LIST].sort()).toEqual([...ALARM_TYPES].sort());
  });
});

describe('alarm counts', () => {
  it('counts open, critical and unacknowledged alarms and names the worst severity', () => {
    const counts = countAlarms([
      alarm('a', { severity: 'critical' }),
      alarm('b', { severity: 'warning', state: 'acknowledged' }),
      alarm('c', { severity: 'critical', state: 'cleared' }),
    ]);
    expect(counts).toEqual({ open: 2, critical: 1, unacknowledged: 1, worst: 'critical' });
  });

  it('has no worst severity when nothing is open', () => {
    expect(countAlarms([alarm('a', { state: 'cleared' })]).worst).toBeUndefined();
  });
});

describe('new critical alarms (the loud cue)', () => {
  it('cues a critical alarm seen for the first time', () => {
    const a = alarm('a', { severity: 'critical' });
    expect(newCriticalAlarms(new Map(), [a])).toEqual([a]);
  });

  it('cues a warning that escalated to critical in place', () => {
    const warning = alarm('a', { severity: 'warning' });
    const critical = { ...warning, severity: 'critical' as const, updatedAt: warning.updatedAt + 1 };
    expect(newCriticalAlarms(new Map([[warning.id, warning]]), [critical])).toEqual([critical]);
  });

  it('stays quiet for an alarm that was already critical (a comment, a re-sent snapshot)', () => {
    const critical = alarm('a', { severity: 'critical' });
    expect(
      newCriticalAlarms(new Map([[critical.id, critical]]), [{ ...critical, assignee: 'budi' }]),
    ).toEqual([]);
  });

  it('stays quiet for warnings and for acknowledged or cleared critical alarms', () => {
    const list = [
      alarm('w', { severity: 'warning' }),
      alarm('ack', { severity: 'critical', state: 'acknowledged' }),
      alarm('gone', { severity: 'critical', state: 'cleared' }),
    ];
    expect(newCriticalAlarms(new Map(), list)).toEqual([]);
  });
});

describe('site alarm history', () => {
  it('lists one site’s alarms, newest first, cleared ones included', () => {
    const list = [
      alarm('x', { raisedAt: T, state: 'cleared' }),
      alarm('y', { raisedAt: T + 5 }),
      alarm('x', { raisedAt: T + 10, type: 'fever' }),
    ];
    expect(siteAlarmHistory(list, 'x').map((a) => a.raisedAt)).toEqual([T + 10, T]);
  });
});

describe('past alarms from stored events', () => {
  const ev = (at: number, alarmId: string, action: string, patch: Partial<AlarmEvent> = {}): AlarmEvent => ({
    at: new Date(at).toISOString(),
    type: 'capacity',
    action,
    alarmId,
    severity: 'warning',
    state: action === 'cleared' ? 'cleared' : 'open',
    by: 'system',
    ...patch,
  });

  it('summarises each alarm once: raised, worst severity, who acknowledged and cleared it, newest first', () => {
    const events = [
      ev(T, 'a1', 'raised'),
      ev(T + 1000, 'a1', 'escalated', { severity: 'critical' }),
      ev(T + 2000, 'a1', 'acknowledged', { severity: 'critical', by: 'budi' }),
      ev(T + 3000, 'a1', 'cleared', { by: 'system' }),
      ev(T + 5000, 'a2', 'raised', { type: 'fever' }),
    ];
    expect(pastAlarms(events, new Set())).toEqual([
      {
        alarmId: 'a2',
        type: 'fever',
        severity: 'warning',
        raisedAt: T + 5000,
        clearedAt: null,
        clearedBy: null,
        acknowledgedBy: null,
      },
      {
        alarmId: 'a1',
        type: 'capacity',
        severity: 'critical',
        raisedAt: T,
        clearedAt: T + 3000,
        clearedBy: 'system',
        acknowledgedBy: 'budi',
      },
    ]);
  });

  it('leaves out alarms shown in full and events it cannot read', () => {
    const events = [
      ev(T, 'shown', 'raised'),
      ev(T, 'x', 'raised', { type: 'unknown' }),
      ev(T, 'y', 'raised', { at: 'nope' }),
    ];
    expect(pastAlarms(events, new Set(['shown']))).toEqual([]);
  });
});
