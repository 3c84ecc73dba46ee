import { describe, expect, it } from 'vitest';
import type { AlarmCommand } from '../../shared/alarms.ts';
import { AlarmEngine, type Condition } from './alarm-engine.ts';

const T0 = 1_764_313_200_000;
const warn: Condition = { severity: 'warning', details: { load: 0.85 } };
const crit: Condition = { severity: 'critical', details: { load: 1.2 } };

function cmd(partial: Partial<AlarmCommand> & Pick<AlarmCommand, 'action' | 'alarmId'>): AlarmCommand {
  return { by: 'sari', requestId: 'r1', ...partial } as AlarmCommand;
}

describe('AlarmEngine', () => {
  it('raises one open alarm per (site, type) and ignores a repeated condition', () => {
    const e = new AlarmEngine();
    const raised = e.setCondition('pasar-tos', 'capacity', warn, T0);
    expect(raised).toMatchObject({ action: 'raised', by: 'system' });
    expect(raised?.alarm).toMatchObject({
      id: `pasar-tos:capacity:${T0}`,
      state: 'open',
      severity: 'warning',
      raisedAt: T0,
      details: { load: 0.85 },
    });
    expect(e.setCondition('pasar-tos', 'capacity', warn, T0 + 1000)).toBeUndefined();
    expect(e.setCondition('pasar-tos', 'fever', warn, T0)?.action).toBe('raised');
    expect(e.open()).toHaveLength(2);
  });

  it('escalates and de-escalates in place, keeping the id and recording each step', () => {
    const e = new AlarmEngine();
    const id = e.setCondition('s', 'capacity', warn, T0)!.alarm.id;
    expect(e.setCondition('s', 'capacity', crit, T0 + 1000)).toMatchObject({
      action: 'escalated',
      alarm: { id, severity: 'critical', details: { load: 1.2 } },
    });
    const down = e.setCondition('s', 'capacity', warn, T0 + 2000)!;
    expect(down).toMatchObject({ action: 'de-escalated', alarm: { id, severity: 'warning', state: 'open' } });
    expect(down.alarm.history.map((h) => [h.action, h.severity, h.at])).toEqual([
      ['raised', 'warning', T0],
      ['escalated', 'critical', T0 + 1000],
      ['de-escalated', 'warning', T0 + 2000],
    ]);
  });

  it('clears by system when the condition is gone, and a new occurrence gets a new id', () => {
    const e = new AlarmEngine();
    const first = e.setCondition('s', 'fever', crit, T0)!.alarm;
    expect(e.setCondition('s', 'fever', null, T0 + 5000)?.alarm).toMatchObject({
      id: first.id,
      state: 'cleared',
      clearedAt: T0 + 5000,
      clearedBy: 'system',
    });
    expect(e.setCondition('s', 'fever', null, T0 + 6000)).toBeUndefined();
    const second = e.setCondition('s', 'fever', warn, T0 + 7000)!.alarm;
    expect(second.id).not.toBe(first.id);
    expect(e.open().map((a) => a.id)).toEqual([second.id]);
  });

  it('gives transitions in the same millisecond strictly increasing times', () => {
    const e = new AlarmEngine();
    const a = e.setCondition('s', 'capacity', warn, T0)!.alarm;
    const b = e.setCondition('s', 'capacity', null, T0)!.alarm;
    const c = e.setCondition('s', 'capacity', crit, T0)!.alarm;
    expect([a.updatedAt, b.updatedAt, c.raisedAt]).toEqual([T0, T0 + 1, T0 + 2]);
    expect(c.id).not.toBe(a.id);
  });

  it('acknowledging keeps the alarm open, records who and when, and stops nothing else', () => {
    const e = new AlarmEngine();
    const { id } = e.setCondition('s', 'capacity', warn, T0)!.alarm;
    const r = e.command(
      's',
      'capacity',
      cmd({ action: 'acknowledge', alarmId: id, comment: 'on my way' }),
      T0 + 10,
    );
    expect(r).toMatchObject({
      ok: true,
      alarm: { id, state: 'acknowledged', acknowledgedAt: T0 + 10, acknowledgedBy: 'sari', clearedAt: null },
    });
    expect(r.ok && r.alarm.history.at(-1)).toEqual({
      at: T0 + 10,
      action: 'acknowledged',
      by: 'sari',
      comment: 'on my way',
    });
    expect(e.open()).toHaveLength(1);
    const again = e.command(
      's',
      'capacity',
      cmd({ action: 'acknowledge', alarmId: id, by: 'budi' }),
      T0 + 20,
    );
    expect(again).toMatchObject({ ok: true, change: undefined, alarm: { acknowledgedBy: 'sari' } });
  });

  it('re-opens an acknowledged alarm when it escalates; de-escalation keeps the acknowledgement', () => {
    const e = new AlarmEngine();
    const { id } = e.setCondition('s', 'capacity', warn, T0)!.alarm;
    e.command('s', 'capacity', cmd({ action: 'acknowledge', alarmId: id }), T0 + 1);
    expect(e.setCondition('s', 'capacity', crit, T0 + 2)?.alarm).toMatchObject({
      state: 'open',
      acknowledgedBy: null,
    });
    e.command('s', 'capacity', cmd({ action: 'acknowledge', alarmId: id, by: 'budi' }), T0 + 3);
    expect(e.setCondition('s', 'capacity', warn, T0 + 4)?.alarm).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'budi',
      severity: 'warning',
    });
  });

  it('records comments and assignments with their actor', () => {
    const e = new AlarmEngine();
    const { id } = e.setCondition('s', 'device-offline', warn, T0)!.alarm;
    e.command('s', 'device-offline', cmd({ action: 'comment', alarmId: id, comment: 'kabel putus' }), T0 + 1);
    const r = e.command(
      's',
      'device-offline',
      cmd({ action: 'assign', alarmId: id, assignee: 'teknisi-1' }),
      T0 + 2,
    );
    expect(r.ok && r.alarm.assignee).toBe('teknisi-1');
    expect(r.ok && r.alarm.history.slice(1)).toEqual([
      { at: T0 + 1, action: 'commented', by: 'sari', comment: 'kabel putus' },
      { at: T0 + 2, action: 'assigned', by: 'sari', assignee: 'teknisi-1' },
    ]);
  });

  it('refuses an unknown alarm id and any action on a cleared alarm', () => {
    const e = new AlarmEngine();
    const { id } = e.setCondition('s', 'capacity', warn, T0)!.alarm;
    expect(e.command('s', 'capacity', cmd({ action: 'acknowledge', alarmId: 'nope' }), T0)).toEqual({
      ok: false,
      error: "unknown alarm 'nope'",
    });
    expect(e.command('s', 'fever', cmd({ action: 'acknowledge', alarmId: id }), T0).ok).toBe(false);
    e.setCondition('s', 'capacity', null, T0 + 1);
    expect(e.command('s', 'capacity', cmd({ action: 'clear', alarmId: id }), T0 + 2)).toEqual({
      ok: false,
      error: `alarm '${id}' is already cleared`,
    });
  });

  it('after a manual clear, does not re-raise while the condition persists, only once it went and came back', () => {
    const e = new AlarmEngine();
    const { id } = e.setCondition('s', 'capacity', warn, T0)!.alarm;
    const cleared = e.command(
      's',
      'capacity',
      cmd({ action: 'clear', alarmId: id, comment: 'hitung manual' }),
      T0 + 1,
    );
    expect(cleared).toMatchObject({
      ok: true,
      alarm: { state: 'cleared', clearedBy: 'sari', clearedAt: T0 + 1 },
    });
    expect(e.setCondition('s', 'capacity', warn, T0 + 2)).toBeUndefined();
    expect(e.setCondition('s', 'capacity', warn, T0 + 60_000)).toBeUndefined();
    expect(e.setCondition('s', 'capacity', null, T0 + 70_000)).toBeUndefined();
    expect(e.setCondition('s', 'capacity', warn, T0 + 80_000)?.action).toBe('raised');
  });

  it('after a manual clear, raises a new alarm at once when the condition escalates', () => {
    const e = new AlarmEngine();
    const { id } = e.setCondition('s', 'capacity', warn, T0)!.alarm;
    e.command('s', 'capacity', cmd({ action: 'clear', alarmId: id }), T0 + 1);
    const raised = e.setCondition('s', 'capacity', crit, T0 + 2);
    expect(raised).toMatchObject({ action: 'raised', alarm: { severity: 'critical', state: 'open' } });
    expect(raised?.alarm.id).not.toBe(id);
  });

  it('restores the newest record of a (site, type), open or silenced by a manual clear', () => {
    const source = new AlarmEngine();
    const open = source.setCondition('s', 'capacity', warn, T0)!.alarm;
    const escalated = source.setCondition('s', 'capacity', crit, T0 + 5)!.alarm;
    const fever = source.setCondition('s', 'fever', warn, T0)!.alarm;
    const manuallyCleared = source.command('s', 'fever', cmd({ action: 'clear', alarmId: fever.id }), T0 + 1);

    const e = new AlarmEngine();
    e.restore(escalated);
    expect(e.restore(open)).toBe(false);
    if (manuallyCleared.ok) e.restore(manuallyCleared.alarm);
    expect(e.get('s', 'capacity')).toEqual(escalated);
    expect(e.setCondition('s', 'capacity', crit, T0 + 10)).toBeUndefined();
    expect(e.setCondition('s', 'capacity', warn, T0 + 11)?.alarm.id).toBe(open.id);
    expect(e.setCondition('s', 'fever', warn, T0 + 12)).toBeUndefined();
  });

  it('clears the open alarms of a site removed from the registry', () => {
    const e = new AlarmEngine();
    e.setCondition('s', 'capacity', warn, T0);
    e.setCondition('s', 'fever', crit, T0);
    const changes = e.forgetSite('s', T0 + 1);
    expect(changes.map((c) => [c.alarm.type, c.alarm.state])).toEqual([
      ['capacity', 'cleared'],
      ['fever', 'cleared'],
    ]);
    expect(e.all()).toEqual([]);
  });
});
