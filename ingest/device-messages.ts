/**
 * One device message through ingest, on the hot path (every message of every device):
 * validate it (a rejection goes to the dead letters; a provisioned device sending garbage is still
 * alive for the deadman, just broken), store the reading, apply it to its site, feed the alarm
 * monitor, and re-evaluate the site. A door counter whose totals went down has rebooted: its new
 * baseline goes to the store before the message is acknowledged (ack-gate.ts), so a restart
 * resumes it instead of losing what the counter carried (state-restore.ts).
 *
 * Never throws: an unexpected error is counted and logged, and the next message is handled.
 */
import { SYSTEM_ACTOR } from '../shared/alarms.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import type { AlarmMonitor } from './alarms/alarm-monitor.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { correctionPoint, readingPoint } from './points.ts';
import type { SiteTracker } from './site-tracker.ts';
import { validateMessage } from './validate-message.ts';

export interface DeviceMessageDeps {
  registry: RegistryReplica;
  tracker: SiteTracker;
  monitor: AlarmMonitor;
  store: HistoryStore;
  deadLetters: DeadLetters;
  metrics: IngestMetrics;
  clock: Clock;
  log: Logger;
  /** Re-runs the site's level machine and capacity alarm and queues its state for publishing. */
  markChanged(siteId: string): void;
}

/**
 * @example
 * const onDeviceMessage = deviceMessageHandler({ registry, tracker, monitor, store, deadLetters, metrics, clock, log, markChanged });
 * onDeviceMessage('crowd/v1/devices/bus-k1-07-gw/counts', payload, false);
 */
export function deviceMessageHandler(deps: DeviceMessageDeps) {
  const { registry, tracker, monitor, store, deadLetters, metrics, clock, log } = deps;

  function recordReboot(deviceId: string, siteId: string, now: number): void {
    metrics.reboots.inc();
    const before = tracker.snapshot(siteId, { devices: false })?.occupancy ?? null;
    const baselines = JSON.stringify(tracker.baselines(siteId));
    store.write(
      correctionPoint(
        siteId,
        'reboot',
        { before, after: before },
        'counter-reboot',
        SYSTEM_ACTOR,
        now,
        baselines,
      ),
    );
    log.info({ deviceId, siteId }, 'door counter totals went down: device rebooted, new baseline');
  }

  return (topic: string, payload: Buffer, retained: boolean): void => {
    try {
      const v = validateMessage(topic, payload, registry);
      if (!v.ok) {
        if (v.deviceId && !retained && registry.devices.has(v.deviceId))
          monitor.heard(v.deviceId, clock.now());
        deadLetters.reject(topic, payload, v.reason, v.error, v.deviceId);
        return;
      }
      const now = clock.now();
      metrics.received.inc({ stream: v.message.stream });
      store.write(readingPoint(v.message, v.device, v.site, now));
      const outcome = tracker.apply(v.site.id, v.message, now, retained);
      monitor.observe(v, outcome, now, retained);
      if (outcome === 'stale') {
        metrics.stale.inc();
        return;
      }
      if (outcome === 'reboot') recordReboot(v.device.id, v.site.id, now);
      deps.markChanged(v.site.id);
    } catch (err) {
      metrics.handlerErrors.inc();
      log.error({ err, topic: topic.slice(0, 200) }, 'unexpected error handling a device message');
    }
  };
}
