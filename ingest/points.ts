/**
 * Store points for raw readings, site state and dead letters (schema in
 * shared/store/history-store.ts). Raw readings keep the device timestamp so a QoS 1 duplicate
 * overwrites itself instead of adding a point.
 */
import type { DeviceMessage } from '../shared/device-schemas.ts';
import type { DeviceRecord, Site } from '../shared/registry-schemas.ts';
import type { SiteState } from '../shared/site-state.ts';
import type { StorePoint } from '../shared/store/history-store.ts';

export function readingPoint(msg: DeviceMessage, device: DeviceRecord, site: Site, now: number): StorePoint {
  const tags = { site: site.id, device: device.id, kind: site.kind };
  switch (msg.stream) {
    case 'counts':
      return {
        measurement: 'counts',
        tags,
        fields: { in: msg.payload.in, out: msg.payload.out, seq: msg.payload.seq },
        ts: msg.payload.ts,
      };
    case 'occupancy':
      return {
        measurement: 'occupancy',
        tags,
        fields: { count: msg.payload.count, seq: msg.payload.seq },
        ts: msg.payload.ts,
      };
    case 'temperature':
      return {
        measurement: 'temperature',
        tags: { ...tags, type: msg.payload.kind },
        fields: { celsius: msg.payload.celsius, seq: msg.payload.seq },
        ts: msg.payload.ts,
      };
    case 'position': {
      const { lat, lon, speedKmh, heading, seq, ts } = msg.payload;
      const fields: StorePoint['fields'] = { lat, lon, seq };
      if (speedKmh !== undefined) fields.speedKmh = speedKmh;
      if (heading !== undefined) fields.heading = heading;
      return { measurement: 'position', tags: { site: site.id, device: device.id }, fields, ts };
    }
    case 'status': {
      const fields: StorePoint['fields'] = { online: msg.payload.online };
      if (msg.payload.fw !== undefined) fields.fw = msg.payload.fw;
      return {
        measurement: 'status',
        tags: { site: site.id, device: device.id },
        fields,
        ts: msg.payload.ts ?? now,
      };
    }
  }
}

export function siteStatePoint(state: SiteState, site: Site, now: number): StorePoint | undefined {
  if (state.occupancy === null) return undefined;
  const fields: StorePoint['fields'] = {
    occupancy: state.occupancy,
    safeCapacity: state.safeCapacity,
    level: state.level,
  };
  if (state.load !== null) fields.load = state.load;
  return { measurement: 'site_state', tags: { site: site.id, kind: site.kind }, fields, ts: now };
}

/** Dead letters are kept for inspection; the payload is cut to 1 KiB so a flood cannot fill the store. */
export function rejectedPoint(
  topic: string,
  payload: Buffer,
  reason: string,
  error: string,
  deviceId: string | undefined,
  now: number,
): StorePoint {
  return {
    measurement: 'rejected',
    tags: { reason, device: deviceId ?? 'unknown' },
    fields: {
      topic: topic.slice(0, 256),
      payload: payload.subarray(0, 1024).toString('utf8'),
      error: error.slice(0, 1024),
    },
    ts: now,
  };
}

/**
 * A counting correction (reset or manual correction) as a `correction` point; the raw readings
 * stay as they were. A door counter's reboot is recorded the same way (action `reboot`, the count
 * unchanged): its new baseline must survive an ingest restart (state-restore.ts). Unknown occupancy (no counter yet) is left out of the fields. The extra
 * field `counts` (JSON) carries the door baselines and offset after the correction.
 */
export function correctionPoint(
  siteId: string,
  action: 'reset' | 'correct' | 'reboot',
  occupancy: { before: number | null; after: number | null },
  reason: string,
  by: string,
  now: number,
  baselines?: string,
): StorePoint {
  const fields: StorePoint['fields'] = { reason: reason.slice(0, 500), by };
  // The site's correction state after it (SiteTracker.baselines), so a restart continues from it.
  if (baselines !== undefined) fields.counts = baselines;
  if (occupancy.before !== null) fields.occupancyBefore = occupancy.before;
  if (occupancy.after !== null) fields.occupancyAfter = occupancy.after;
  return { measurement: 'correction', tags: { site: siteId, action }, fields, ts: now };
}
