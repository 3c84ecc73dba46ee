import { describe, expect, it } from 'vitest';
import { alarm } from './alarm-fixture.ts';
import { type AlarmChanges, createAlarmStore } from './alarm-store.ts';

/** A manual scheduler: nothing is delivered until the test flushes. */
function setup() {
  const queue: Array<() => void> = [];
  const store = createAlarmStore((cb) => queue.push(cb));
  const seen: AlarmChanges[] = [];
  store.subscribe((c) => seen.push(c));
  const flush = () => {
    for (const cb of queue.splice(0)) cb();
    return seen.at(-1);
  };
  return { store, flush, seen };
}

describe('alarm store', () => {
  it('keeps the open alarms of a snapshot and never cues the first snapshot', () => {
    const { store, flush } = setup();
    store.snapshot([alarm('a', { severity: 'critical' }), alarm('b', { state: 'cleared' })]);
    const changes = flush()!;
    expect([...store.open.values()].map((a) => a.siteId)).toEqual(['a']);
    expect(changes.reset).toBe(true);
    expect(changes.newCritical).toEqual([]);
  });

  it('cues a critical alarm raised after the first snapshot, once per batch', () => {
    const { store, flush } = setup();
    store.snapshot([]);
    flush();
    const critical = alarm('a', { severity: 'critical' });
    store.update([critical]);
    store.update([{ ...critical, updatedAt: critical.updatedAt + 1, assignee: 'budi' }]);
    const changes = flush()!;
    expect(changes.newCritical.map((a) => a.id)).toEqual([critical.id]);
    expect(store.counts()).toMatchObject({ open: 1, critical: 1 });
  });

  it('drops an alarm from the open set when it arrives cleared, and reports it as changed', () => {
    const { store, flush } = setup();
    const a = alarm('a');
    store.snapshot([a]);
    flush();
    store.update([{ ...a, state: 'cleared', updatedAt: a.updatedAt + 1, clearedBy: 'system' }]);
    const changes = flush()!;
    expect(store.open.size).toBe(0);
    expect(changes.changed.map((x) => x.state)).toEqual(['cleared']);
  });

  it('ignores an older version of an alarm arriving after a newer one', () => {
    const { store, flush } = setup();
    const a = alarm('a');
    const acked = { ...a, state: 'acknowledged' as const, updatedAt: a.updatedAt + 10 };
    store.snapshot([acked]);
    flush();
    store.update([a]);
    flush();
    expect(store.open.get(a.id)?.state).toBe('acknowledged');
  });

  it('does not cue a critical alarm acknowledged within the same batch', () => {
    const { store, flush } = setup();
    store.snapshot([]);
    flush();
    const critical = alarm('a', { severity: 'critical' });
    store.update([critical]);
    store.update([{ ...critical, state: 'acknowledged', updatedAt: critical.updatedAt + 1 }]);
    expect(flush()!.newCritical).toEqual([]);
  });

  it('after a reconnect cues only critical alarms it had not seen, and marks vanished ones cleared', () => {
    const { store, flush } = setup();
    const known = alarm('known', { severity: 'critical' });
    const gone = alarm('gone');
    store.snapshot([known, gone]);
    flush();
    const fresh = alarm('fresh', { severity: 'critical' });
    store.snapshot([known, fresh]);
    const changes = flush()!;
    expect(changes.newCritical.map((a) => a.siteId)).toEqual(['fresh']);
    expect(changes.changed.find((a) => a.siteId === 'gone')?.state).toBe('cleared');
  });

  it('starts quiet again after clear() (a new session)', () => {
    const { store, flush } = setup();
    store.snapshot([]);
    flush();
    store.clear();
    flush();
    store.snapshot([alarm('a', { severity: 'critical' })]);
    expect(flush()!.newCritical).toEqual([]);
  });

  it('keeps one open alarm per site and type: a newer occurrence replaces an older one', () => {
    const { store, flush } = setup();
    const older = alarm('jodoh', { raisedAt: 1000 });
    const newer = alarm('jodoh', { raisedAt: 2000 });
    store.snapshot([older]);
    flush();
    store.update([newer]);
    flush();
    expect([...store.open.keys()]).toEqual([newer.id]);
    store.update([{ ...older, updatedAt: 3000 }]);
    flush();
    expect([...store.open.keys()]).toEqual([newer.id]);
  });
});
