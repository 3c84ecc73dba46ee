/**
 * What a starting ingest takes back from the history store so a restart changes no site's count
 * (issue #6 item 2): each device's newest stored reading (door totals, head count, temperature,
 * position), replayed into SiteTracker on top of the door baselines that CountCorrections.restore
 * already resumed from the newest `correction` point (resets, corrections and counter reboots).
 *
 * Why the store and not a retained MQTT message: the store is what ingest writes anyway, it is
 * reachable from any machine ingest runs on, and with the AckGate (ack-gate.ts) it holds every
 * message the broker saw acknowledged, so nothing between the last checkpoint and the crash is
 * missing. Door totals are cumulative, so the newest `counts` point alone restores a door as long
 * as its baseline is known; the baseline changes only at a correction or a counter reboot, and
 * both are written as `correction` points before the message that caused them is acknowledged.
 * A retained message would also vanish with aedes' in-memory persistence on a broker restart.
 *
 * `lastSeenAt` of a restored device is its newest reading's device time (capped at now), the best
 * known stand-in for the server time it arrived, instead of "unknown" until it speaks again.
 */
import type { DeviceMessage } from '../shared/device-schemas.ts';
import { streamSchemas } from '../shared/device-schemas.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import { deviceMayPublish } from '../shared/registry-schemas.ts';
import type { HistoryStore, Measurement, StorePoint } from '../shared/store/history-store.ts';
import type { DeviceStream } from '../shared/topics.ts';
import { safeParse } from '../shared/validation.ts';
import { newestPoints } from './newest-points.ts';
import type { SiteTracker } from './site-tracker.ts';

/** Readings that make up site state, with the tags that name one series of a device. */
const RESTORED: Array<{ measurement: Measurement & DeviceStream; groupBy: string[] }> = [
  { measurement: 'counts', groupBy: ['device'] },
  { measurement: 'occupancy', groupBy: ['device'] },
  { measurement: 'temperature', groupBy: ['device', 'type'] },
  { measurement: 'position', groupBy: ['device'] },
];

export interface RestoreResult {
  /** Sites whose state was rebuilt (re-evaluate and publish them once alarms are back). */
  sites: string[];
  /** Readings replayed into the tracker. */
  readings: number;
}

/**
 * @example
 * await corrections.restore(store, now, lookback); // baselines first
 * const { sites } = await restoreSiteState(store, registry, tracker, now, lookback);
 */
export async function restoreSiteState(
  store: HistoryStore,
  registry: RegistryReplica,
  tracker: SiteTracker,
  now: number,
  lookbackMs: number,
): Promise<RestoreResult> {
  const range = { fromMs: now - lookbackMs, toMs: now + 86_400_000 };
  const devices = [...registry.devices.values()];
  const messages: Array<{ siteId: string; message: DeviceMessage }> = [];
  for (const { measurement, groupBy } of RESTORED) {
    const expected = devices
      .filter((d) => deviceMayPublish(d.type, measurement))
      .flatMap((d) =>
        measurement === 'temperature'
          ? [
              { device: d.id, type: 'body' },
              { device: d.id, type: 'ambient' },
            ]
          : [{ device: d.id }],
      );
    if (expected.length === 0) continue;
    for (const point of await newestPoints(store, { measurement, groupBy, ...range, expected })) {
      const restored = messageOf(point, registry);
      if (restored) messages.push(restored);
    }
  }
  // Oldest first, as they arrived: the tracker keeps the newest of each and `lastSeenAt` ends at the newest.
  messages.sort((a, b) => a.message.payload.ts! - b.message.payload.ts!);
  const sites = new Set<string>();
  for (const { siteId, message } of messages) {
    const seenAt = Math.min(now, message.payload.ts ?? now);
    tracker.apply(siteId, message, seenAt, false);
    sites.add(siteId);
  }
  return { sites: [...sites], readings: messages.length };
}

/**
 * The stored point as the device message it came from; undefined when the device is gone or now
 * belongs to another site (its old readings say nothing about the new one), or the point does not
 * validate as that stream (written by an older version).
 */
function messageOf(
  point: StorePoint,
  registry: RegistryReplica,
): { siteId: string; message: DeviceMessage } | undefined {
  const deviceId = point.tags.device;
  const device = deviceId ? registry.devices.get(deviceId) : undefined;
  if (!device || !deviceId || device.siteId !== point.tags.site || !registry.sites.has(device.siteId))
    return undefined;
  const stream = point.measurement as 'counts' | 'occupancy' | 'temperature' | 'position';
  const f = point.fields;
  const raw =
    stream === 'temperature'
      ? { ts: point.ts, seq: f.seq, kind: point.tags.type, celsius: f.celsius }
      : { ts: point.ts, ...f };
  const parsed = safeParse(streamSchemas[stream], raw);
  if (!parsed.ok) return undefined;
  return { siteId: device.siteId, message: { stream, deviceId, payload: parsed.value } as DeviceMessage };
}
