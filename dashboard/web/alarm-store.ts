/**
 * The browser's copy of the open alarms it may see, fed by socket.io `alarms:snapshot` (after
 * every connect) and `alarms:update` (batched; a cleared alarm arrives with state `cleared` and
 * leaves the open set). Listeners hear once per scheduled turn which alarms changed and which
 * of them are new critical alarms (for the toast, the beep and the browser notification).
 *
 * The scheduler is injected. The browser uses a timer, not requestAnimationFrame: frames stop
 * in a hidden tab, and a hidden tab is exactly where a browser notification matters.
 */
import type { Alarm } from '../../shared/alarms.ts';
import { countAlarms, isOpen, newCriticalAlarms } from './alarm-order.ts';

export interface AlarmChanges {
  /** The latest version of every alarm that changed, cleared ones included. */
  changed: Alarm[];
  /** True when a snapshot replaced everything. */
  reset: boolean;
  /** Critical, unacknowledged alarms that are new or escalated (never on the first snapshot). */
  newCritical: Alarm[];
}

export type AlarmListener = (changes: AlarmChanges) => void;

export interface AlarmStore {
  /** Open (not cleared) alarms by id. */
  readonly open: ReadonlyMap<string, Alarm>;
  snapshot(alarms: readonly Alarm[]): void;
  update(alarms: readonly Alarm[]): void;
  counts(): ReturnType<typeof countAlarms>;
  subscribe(listener: AlarmListener): () => void;
  clear(): void;
}

/**
 * @example
 * const alarms = createAlarmStore((cb) => setTimeout(cb, 0));
 * socket.on('alarms:update', (batch) => alarms.update(batch));
 */
export function createAlarmStore(schedule: (callback: () => void) => void): AlarmStore {
  const open = new Map<string, Alarm>();
  const listeners = new Set<AlarmListener>();
  let changed = new Map<string, Alarm>();
  let newCritical = new Map<string, Alarm>();
  let reset = false;
  let scheduled = false;
  /** The first snapshot of a session is what was already going on: no cue for it. */
  let primed = false;

  const flush = () => {
    scheduled = false;
    const changes: AlarmChanges = {
      changed: [...changed.values()],
      reset,
      newCritical: [...newCritical.values()],
    };
    changed = new Map();
    newCritical = new Map();
    reset = false;
    for (const listener of listeners) {
      try {
        listener(changes);
      } catch (err) {
        console.error('alarm listener failed', err);
      }
    }
  };
  const request = () => {
    if (scheduled) return;
    scheduled = true;
    schedule(flush);
  };

  /** Out-of-order batches (a reconnect racing a tick) must not roll an alarm back. */
  const isStale = (alarm: Alarm) => {
    const known = open.get(alarm.id) ?? changed.get(alarm.id);
    return known !== undefined && known.updatedAt > alarm.updatedAt;
  };

  const apply = (alarm: Alarm) => {
    if (isOpen(alarm)) {
      // One open alarm per (site, type) (shared/alarms.ts): a newer occurrence replaces an older
      // one even if its `cleared` message never reached us (a missed batch, a replaced retained
      // message); an older one arriving late is not shown.
      for (const other of open.values()) {
        if (other.id === alarm.id || other.siteId !== alarm.siteId || other.type !== alarm.type) continue;
        if (other.raisedAt > alarm.raisedAt) return;
        open.delete(other.id);
      }
      open.set(alarm.id, alarm);
    } else {
      open.delete(alarm.id);
    }
    changed.set(alarm.id, alarm);
  };

  const store: AlarmStore = {
    open,
    snapshot(list) {
      const fresh = list.filter(isOpen);
      if (primed) for (const a of newCriticalAlarms(open, fresh)) newCritical.set(a.id, a);
      const ids = new Set(fresh.map((a) => a.id));
      // Alarms gone from the snapshot were cleared while we were away.
      for (const [id, alarm] of open) if (!ids.has(id)) changed.set(id, { ...alarm, state: 'cleared' });
      open.clear();
      for (const alarm of fresh) apply(alarm);
      primed = true;
      reset = true;
      request();
    },
    update(list) {
      const fresh = list.filter((a) => !isStale(a));
      if (fresh.length === 0) return;
      for (const a of newCriticalAlarms(open, fresh)) newCritical.set(a.id, a);
      for (const alarm of fresh) {
        apply(alarm);
        if (!isOpen(alarm) || alarm.state !== 'open') newCritical.delete(alarm.id);
      }
      request();
    },
    counts: () => countAlarms(open.values()),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear() {
      open.clear();
      changed = new Map();
      newCritical = new Map();
      primed = false;
      reset = true;
      request();
    },
  };
  return store;
}
