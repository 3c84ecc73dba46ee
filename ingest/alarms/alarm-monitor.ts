/**
 * Ingest's alarm side: feeds the four rules (capacity from the level machine, fever, deadman,
 * sensor faults) from device messages and the tick, runs their conditions through the AlarmEngine
 * and makes every transition durable and visible: an `alarm_event` point in the store and the
 * alarm RETAINED (QoS 1) on `topics.siteAlarm(siteId, type)` (shared/alarms.ts).
 *
 * Thresholds are per site: `registry.alarmSettingsFor(site)` (defaults <- city <- kind <- site).
 */
import {
  ALARM_TYPES,
  type Alarm,
  type AlarmCommand,
  type AlarmSettings,
  type AlarmType,
  alarmSchema,
  SEVERITIES,
  SYSTEM_ACTOR,
} from '../../shared/alarms.ts';
import type { Logger } from '../../shared/log.ts';
import type { RegistryReplica } from '../../shared/registry-replica.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { HistoryStore } from '../../shared/store/history-store.ts';
import { topics } from '../../shared/topics.ts';
import { safeParse } from '../../shared/validation.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';
import type { ApplyOutcome, SiteTracker } from '../site-tracker.ts';
import type { Validated } from '../validate-message.ts';
import { AlarmEngine, type Condition } from './alarm-engine.ts';
import type { AlarmChange } from './alarm-record.ts';
import { alarmEventPoint, restoreAlarms } from './alarm-store.ts';
import { DeadmanRule, silentDevicesOf } from './deadman-rule.ts';
import { FaultRule } from './fault-rule.ts';
import { FeverRule } from './fever-rule.ts';

export interface AlarmMonitorDeps {
  registry: RegistryReplica;
  tracker: SiteTracker;
  store: HistoryStore;
  /** Publishes retained with QoS 1. */
  publish: (topic: string, payload: string) => void;
  log: Logger;
  metrics: IngestMetrics;
  /** Called after each transition is stored and published. */
  onChange?: (change: AlarmChange) => void;
}

export type CommandOutcome = { ok: true; alarm: Alarm } | { ok: false; error: string };

export class AlarmMonitor {
  readonly engine = new AlarmEngine();
  private readonly fever = new FeverRule();
  private readonly deadman = new DeadmanRule();
  private readonly faults = new FaultRule();

  constructor(private readonly deps: AlarmMonitorDeps) {}

  /** A retained alarm replayed by the broker at start; the newest record of a (site, type) wins. */
  offerRetained(payload: Buffer): void {
    if (payload.length === 0) return;
    try {
      const parsed = safeParse(alarmSchema, JSON.parse(payload.toString('utf8')));
      if (parsed.ok) this.engine.restore(parsed.value);
    } catch {
      // Not JSON: someone else's junk on our topic; the store is the source of truth anyway.
    }
  }

  /** Takes back the newest stored alarm of each (site, type); returns how many are open. */
  async restore(now: number, lookbackMs?: number): Promise<number> {
    const siteIds = [...this.deps.registry.sites.keys()];
    const { alarms, invalid } = await restoreAlarms(this.deps.store, now, siteIds, lookbackMs);
    if (invalid) this.deps.log.warn({ invalid }, 'stored alarm records that did not parse were skipped');
    for (const alarm of alarms) this.engine.restore(alarm);
    return this.engine.open().length;
  }

  /**
   * Starts the deadman clock and primes the rules with the restored alarms so that the first
   * evaluation continues them instead of clearing and raising them again. Open alarms are
   * published again (the broker may have lost its retained messages).
   */
  start(now: number): void {
    this.deadman.start(now);
    for (const id of this.deps.registry.devices.keys()) this.deadman.known(id, now);
    for (const alarm of this.engine.all()) {
      const open = alarm.state !== 'cleared';
      const d = alarm.details;
      if (alarm.type === 'capacity' && open)
        this.deps.tracker.seedLevel(alarm.siteId, alarm.severity, alarm.updatedAt);
      if (alarm.type === 'fever' && open)
        this.fever.seed(
          alarm.siteId,
          alarm.severity === 'critical',
          typeof d.celsius === 'number' ? d.celsius : 0,
          typeof d.deviceId === 'string' ? d.deviceId : '',
          now,
        );
      if (alarm.type === 'sensor-fault' && open) this.faults.seed(alarm.siteId, d, now);
      if (alarm.type === 'device-offline' && (open || alarm.clearedBy !== SYSTEM_ACTOR))
        this.deadman.seedSilent(silentDevicesOf(d));
      if (open) this.deps.publish(topics.siteAlarm(alarm.siteId, alarm.type), JSON.stringify(alarm));
    }
  }

  /** A device spoke (any live message, valid or not): it is not silent. */
  heard(deviceId: string, now: number): void {
    this.deadman.heard(deviceId, now);
  }

  /** Observes a validated device message after SiteTracker applied it. */
  observe(v: Validated, outcome: ApplyOutcome, now: number, retained: boolean): void {
    const { message: msg, site } = v;
    const s = this.deps.registry.alarmSettingsFor(site);
    const offlineWill = msg.stream === 'status' && !msg.payload.online;
    if (!retained && !offlineWill) this.deadman.heard(msg.deviceId, now);
    const ts = msg.payload.ts;
    if (!retained && ts !== undefined) {
      const birth = msg.stream === 'status' && msg.payload.online;
      this.faults.checkClock(site.id, msg.deviceId, ts, now, s.clockSkewMs, birth);
    }
    if (outcome === 'reboot') this.faults.report(site.id, 'counter-reboot', { deviceId: msg.deviceId }, now);
    if ((msg.stream === 'counts' || msg.stream === 'occupancy') && outcome !== 'stale')
      this.faults.checkCounts(
        site.id,
        msg.deviceId,
        this.deps.tracker.rawCounts(site.id),
        site.designCapacity,
        now,
      );
    if (msg.stream === 'temperature' && msg.payload.kind === 'body' && outcome !== 'stale') {
      const { celsius } = msg.payload;
      if (!this.faults.checkBodyTemperature(site.id, msg.deviceId, celsius, now))
        this.fever.reading(site.id, msg.deviceId, celsius, now, s);
    }
    this.evaluateRules(site, s, now, this.engine.isPresent(site.id, 'device-offline'));
  }

  /** Capacity follows the site's level (level machine, thresholds per site); `unknown` changes nothing. */
  capacity(siteId: string, now: number): void {
    const state = this.deps.tracker.snapshot(siteId, { devices: false });
    if (!state || state.level === 'unknown') return;
    const condition: Condition =
      state.level === 'ok'
        ? null
        : {
            severity: state.level,
            details: { occupancy: state.occupancy, safeCapacity: state.safeCapacity, load: state.load },
          };
    this.apply(siteId, 'capacity', condition, now);
  }

  /** Time-driven conditions of every site: fever and fault quiet periods, deadman. */
  tick(now: number): void {
    for (const site of this.deps.registry.sites.values())
      this.evaluateRules(site, this.deps.registry.alarmSettingsFor(site), now);
    const open = new Map<string, number>();
    for (const a of this.engine.open())
      open.set(`${a.type}|${a.severity}`, (open.get(`${a.type}|${a.severity}`) ?? 0) + 1);
    for (const type of ALARM_TYPES)
      for (const severity of SEVERITIES)
        this.deps.metrics.openAlarms.set({ type, severity }, open.get(`${type}|${severity}`) ?? 0);
  }

  /** Applies an operator's command; the transition is stored and published before this returns. */
  command(siteId: string, type: AlarmType, cmd: AlarmCommand, now: number): CommandOutcome {
    const result = this.engine.command(siteId, type, cmd, now);
    if (!result.ok) return result;
    if (result.change) this.emit(result.change);
    return { ok: true, alarm: result.alarm };
  }

  deviceKnown(deviceId: string, now: number): void {
    this.deadman.known(deviceId, now);
  }

  deviceForgotten(deviceId: string): void {
    this.deadman.forget(deviceId);
    this.faults.forgetDevice(deviceId);
  }

  /** The site left the registry: its open alarms are cleared by the system. */
  siteRemoved(siteId: string, now: number): void {
    this.fever.forget(siteId);
    this.faults.forget(siteId);
    for (const change of this.engine.forgetSite(siteId, now)) this.emit(change);
  }

  /** A condition from a rule driven outside the monitor (forecast-rule.ts): same engine, same store and publish path. */
  report(siteId: string, type: AlarmType, condition: Condition, now: number): void {
    this.apply(siteId, type, condition, now);
  }

  /**
   * A message can only end a device's silence, so per message the deadman (a walk over the
   * site's devices, 8 % of ingest's CPU at 10,000 devices) runs only while the site has silent
   * devices; new silence is found by the tick (LEVEL_TICK_MS, against minutes of offlineAfterMs).
   */
  private evaluateRules(site: Site, s: AlarmSettings, now: number, deadman = true): void {
    this.apply(site.id, 'fever', this.fever.condition(site.id, now, s), now);
    this.apply(site.id, 'sensor-fault', this.faults.condition(site.id, now, s.faultClearMs), now);
    if (!deadman) return;
    const devices = this.deps.registry.devicesOf(site.id).map((d) => d.id);
    this.apply(site.id, 'device-offline', this.deadman.condition(devices, now, s.offlineAfterMs), now);
  }

  private apply(siteId: string, type: AlarmType, condition: Condition, now: number): void {
    const change = this.engine.setCondition(siteId, type, condition, now);
    if (change) this.emit(change);
  }

  private emit(change: AlarmChange): void {
    const { alarm, action, by } = change;
    this.deps.metrics.alarmTransitions.inc({ type: alarm.type, action });
    this.deps.store.write(alarmEventPoint(change));
    this.deps.publish(topics.siteAlarm(alarm.siteId, alarm.type), JSON.stringify(alarm));
    this.deps.log.info(
      { alarmId: alarm.id, siteId: alarm.siteId, type: alarm.type, severity: alarm.severity, action, by },
      `alarm ${action}`,
    );
    this.deps.onChange?.(change);
  }
}
