/**
 * The current alarm of every (site, type), fed by the RETAINED `crowd/v1/sites/+/alarms/+`
 * messages ingest publishes (shared/alarms.ts): a fresh dashboard gets every alarm at once on
 * subscribe, a cleared one stays until the next of its type replaces it. Like LiveState, changes
 * are marked dirty and the socket hub drains them once per tick (DESIGN.md "Known traps"); the
 * notifier listens to `change` to tell a new alarm from an escalation.
 */
import { EventEmitter } from 'node:events';
import { type Alarm, alarmSchema, SEVERITY_RANK } from '../shared/alarms.ts';
import { type Logger, rateLimitedLog } from '../shared/log.ts';
import { safeParse } from '../shared/validation.ts';
import type { DashboardMetrics } from './metrics.ts';

export interface AlarmCacheEvents {
  /** The alarm of (site, type) now, and what was there before (another id = a new occurrence). */
  change: [alarm: Alarm, previous: Alarm | undefined];
}

/** `GET /api/alarms?state=`: `open` and `active` mean not cleared (acknowledged alarms stay open, DOMAIN.md). */
export const ALARM_STATE_FILTERS = [
  'open',
  'active',
  'unacknowledged',
  'acknowledged',
  'cleared',
  'all',
] as const;
export type AlarmStateFilter = (typeof ALARM_STATE_FILTERS)[number];

export interface AlarmFilter {
  state?: AlarmStateFilter | undefined;
  siteId?: string | undefined;
  type?: string | undefined;
  severity?: string | undefined;
  visible?: (siteId: string) => boolean;
}

export function matchesState(alarm: Alarm, state: AlarmStateFilter): boolean {
  switch (state) {
    case 'open':
    case 'active':
      return alarm.state !== 'cleared';
    case 'unacknowledged':
      return alarm.state === 'open';
    case 'acknowledged':
      return alarm.state === 'acknowledged';
    case 'cleared':
      return alarm.state === 'cleared';
    case 'all':
      return true;
  }
}

/**
 * Worst first, as operators act (DOMAIN.md "Who uses it"): alarms still open before cleared ones;
 * among open ones critical before warning, then the longest open first; cleared ones newest first.
 */
export function compareAlarms(a: Alarm, b: Alarm): number {
  const aCleared = a.state === 'cleared' ? 1 : 0;
  const bCleared = b.state === 'cleared' ? 1 : 0;
  if (aCleared !== bCleared) return aCleared - bCleared;
  if (aCleared)
    return (b.clearedAt ?? b.updatedAt) - (a.clearedAt ?? a.updatedAt) || a.id.localeCompare(b.id);
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    a.raisedAt - b.raisedAt ||
    a.id.localeCompare(b.id)
  );
}

/** Splits `${siteId}:${type}:${raisedAt}` (shared/alarms.ts alarmId); undefined when malformed. */
export function parseAlarmId(id: string): { siteId: string; type: string; raisedAt: number } | undefined {
  const parts = id.split(':');
  if (parts.length !== 3) return undefined;
  const [siteId, type, raised] = parts as [string, string, string];
  const raisedAt = Number(raised);
  if (!siteId || !type || !/^\d+$/.test(raised) || !Number.isSafeInteger(raisedAt)) return undefined;
  return { siteId, type, raisedAt };
}

/**
 * @example
 * const alarms = new AlarmCache(logger, metrics);
 * alarms.handle('pasar-tos-3000', 'capacity', payload); // from the MQTT client
 * alarms.list({ state: 'open', visible: (id) => canSee(user, id) });
 * alarms.drain(); // alarms changed since the last drain
 */
export class AlarmCache extends EventEmitter<AlarmCacheEvents> {
  private readonly current = new Map<string, Alarm>();
  private readonly dirty = new Map<string, Alarm>();
  private readonly logRejection = rateLimitedLog();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: DashboardMetrics,
  ) {
    super();
  }

  /** Never throws: an invalid alarm is counted and logged at a bounded rate. */
  handle(siteId: string, type: string, payload: Buffer): void {
    const key = `${siteId}/${type}`;
    const text = payload.toString();
    if (text.length === 0) {
      // An empty retained payload removes the record (ingest forgot the site).
      this.current.delete(key);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.reject(key, 'not-json', 'payload is not JSON');
      return;
    }
    const result = safeParse(alarmSchema, json);
    if (!result.ok) {
      this.reject(key, 'invalid', result.error);
      return;
    }
    if (result.value.siteId !== siteId || result.value.type !== type) {
      this.reject(key, 'invalid', 'siteId or type does not match the topic');
      return;
    }
    this.put(result.value);
  }

  /**
   * Takes an alarm (from a message or a control reply). An older version of the alarm already
   * held (same id, earlier updatedAt) is ignored: a reply and the retained message may cross.
   */
  put(alarm: Alarm): void {
    const key = `${alarm.siteId}/${alarm.type}`;
    const previous = this.current.get(key);
    if (previous?.id === alarm.id && previous.updatedAt > alarm.updatedAt) return;
    if (previous && previous.id !== alarm.id && previous.raisedAt > alarm.raisedAt) return;
    if (previous && JSON.stringify(previous) === JSON.stringify(alarm)) return;
    this.current.set(key, alarm);
    this.dirty.set(key, alarm);
    this.emit('change', alarm, previous);
  }

  get(id: string): Alarm | undefined {
    const parsed = parseAlarmId(id);
    const alarm = parsed && this.current.get(`${parsed.siteId}/${parsed.type}`);
    return alarm?.id === id ? alarm : undefined;
  }

  /** The current alarm of (site, type), whatever its id. */
  of(siteId: string, type: string): Alarm | undefined {
    return this.current.get(`${siteId}/${type}`);
  }

  list(filter: AlarmFilter = {}): Alarm[] {
    const state = filter.state ?? 'all';
    return [...this.current.values()]
      .filter(
        (a) =>
          matchesState(a, state) &&
          (filter.siteId === undefined || a.siteId === filter.siteId) &&
          (filter.type === undefined || a.type === filter.type) &&
          (filter.severity === undefined || a.severity === filter.severity) &&
          (filter.visible === undefined || filter.visible(a.siteId)),
      )
      .sort(compareAlarms);
  }

  /** Alarms changed since the last drain (latest version of each). */
  drain(): Alarm[] {
    const changed = [...this.dirty.values()].sort(compareAlarms);
    this.dirty.clear();
    return changed;
  }

  private reject(key: string, reason: string, error: string): void {
    this.metrics.rejected.inc({ reason: `alarm-${reason}` });
    this.logRejection(`${reason}:${key}`, (suppressed) =>
      this.logger.warn({ alarm: key, error, suppressed }, 'alarm rejected'),
    );
  }
}
