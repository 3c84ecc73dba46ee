/**
 * Every MQTT topic of protocol v1, built and parsed in one place. No other folder writes a
 * topic string literal (STYLE.md rule 1).
 *
 * Device topics:  crowd/v1/devices/{deviceId}/{stream}
 * Derived topics: crowd/v1/sites/{siteId}/state, crowd/v1/sites/{siteId}/alarms/{type}
 * Registry:       crowd/v1/registry/sites/{siteId}, crowd/v1/registry/devices/{deviceId},
 *                 crowd/v1/registry/policy
 *                 (retained; the control plane replicates sites and devices to every service
 *                 over plain MQTT so broker, ingest and dashboard can run on separate machines)
 */
export const ROOT = 'crowd/v1';

export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** Site ids follow the same shape as device ids so they are safe in topics and URLs. */
export const SITE_ID_PATTERN = DEVICE_ID_PATTERN;

/** Streams a device publishes. `cmd` flows the other way (server -> device). */
export const DEVICE_STREAMS = ['counts', 'occupancy', 'temperature', 'position', 'status'] as const;
export type DeviceStream = (typeof DEVICE_STREAMS)[number];

export function isDeviceStream(value: string): value is DeviceStream {
  return (DEVICE_STREAMS as readonly string[]).includes(value);
}

export const topics = {
  device: (deviceId: string, stream: DeviceStream | 'cmd') => `${ROOT}/devices/${deviceId}/${stream}`,
  deviceCmd: (deviceId: string) => `${ROOT}/devices/${deviceId}/cmd`,
  siteState: (siteId: string) => `${ROOT}/sites/${siteId}/state`,
  /**
   * Ingest's live feed: every STATE_FLUSH_MS one message (QoS 0, not retained) with the states
   * of the sites that changed, without their device lists (shared/site-state.ts
   * `siteStateBatchSchema`). The retained per-site `state` is paced to level changes and about
   * once a second, so a live view subscribes to both (docs/queues.md "Live path").
   */
  liveSiteStates: () => `${ROOT}/live/site-states`,
  siteAlarm: (siteId: string, type: string) => `${ROOT}/sites/${siteId}/alarms/${type}`,
  registrySite: (siteId: string) => `${ROOT}/registry/sites/${siteId}`,
  registryDevice: (deviceId: string) => `${ROOT}/registry/devices/${deviceId}`,
  /** The city capacity policy in force (retained). */
  registryPolicy: () => `${ROOT}/registry/policy`,
  /** City-wide alarm thresholds, per site kind (retained). */
  registryAlarmSettings: () => `${ROOT}/registry/alarm-settings`,
  /** Operator actions on the alarm of (site, type), from the dashboard to ingest. */
  controlAlarm: (siteId: string, type: string) => `${ROOT}/control/alarms/${siteId}/${type}`,
  /** Counting corrections of a site (reset, manual correction), to ingest. */
  controlCounts: (siteId: string) => `${ROOT}/control/sites/${siteId}/counts`,
  /** Ingest's answer to one control request. */
  controlReply: (requestId: string) => `${ROOT}/control/replies/${requestId}`,
} as const;

/** Subscription filters used by the services. */
export const filters = {
  allDeviceStreams: `${ROOT}/devices/+/+`,
  allSiteStates: `${ROOT}/sites/+/state`,
  liveSiteStates: `${ROOT}/live/site-states`,
  allSiteAlarms: `${ROOT}/sites/+/alarms/+`,
  registry: `${ROOT}/registry/#`,
  control: `${ROOT}/control/alarms/+/+`,
  controlCounts: `${ROOT}/control/sites/+/counts`,
  controlReplies: `${ROOT}/control/replies/+`,
} as const;

export type ParsedTopic =
  | { kind: 'device'; deviceId: string; stream: DeviceStream | 'cmd' }
  | { kind: 'site-state'; siteId: string }
  | { kind: 'live-site-states' }
  | { kind: 'site-alarm'; siteId: string; type: string }
  | { kind: 'registry-site'; siteId: string }
  | { kind: 'registry-device'; deviceId: string }
  | { kind: 'registry-policy' }
  | { kind: 'registry-alarm-settings' }
  | { kind: 'control-alarm'; siteId: string; type: string }
  | { kind: 'control-counts'; siteId: string }
  | { kind: 'control-reply'; requestId: string };

/**
 * Parses a protocol v1 topic; returns undefined for anything else (wrong root, bad id,
 * unknown stream, extra levels).
 *
 * @example parseTopic('crowd/v1/devices/bus-k1-07/counts') // { kind: 'device', deviceId: 'bus-k1-07', stream: 'counts' }
 */
export function parseTopic(topic: string): ParsedTopic | undefined {
  if (!topic.startsWith(`${ROOT}/`)) return undefined;
  const parts = topic.slice(ROOT.length + 1).split('/');
  const [area, id, a, b] = parts;
  if (area === 'registry' && parts.length === 2 && id === 'policy') return { kind: 'registry-policy' };
  if (area === 'registry' && parts.length === 2 && id === 'alarm-settings')
    return { kind: 'registry-alarm-settings' };
  if (area === 'control') return parseControl(parts);
  if (area === 'live' && parts.length === 2 && id === 'site-states') return { kind: 'live-site-states' };
  if (id === undefined) return undefined;
  if (area === 'devices' && parts.length === 3 && DEVICE_ID_PATTERN.test(id) && a !== undefined) {
    if (a === 'cmd' || isDeviceStream(a)) return { kind: 'device', deviceId: id, stream: a };
    return undefined;
  }
  if (area === 'sites' && SITE_ID_PATTERN.test(id)) {
    if (parts.length === 3 && a === 'state') return { kind: 'site-state', siteId: id };
    if (parts.length === 4 && a === 'alarms' && b) return { kind: 'site-alarm', siteId: id, type: b };
    return undefined;
  }
  if (area === 'registry' && parts.length === 3 && a !== undefined) {
    if (id === 'sites' && SITE_ID_PATTERN.test(a)) return { kind: 'registry-site', siteId: a };
    if (id === 'devices' && DEVICE_ID_PATTERN.test(a)) return { kind: 'registry-device', deviceId: a };
  }
  return undefined;
}

function parseControl(parts: string[]): ParsedTopic | undefined {
  const [, what, a, b] = parts;
  if (what === 'alarms' && parts.length === 4 && a && SITE_ID_PATTERN.test(a) && b) {
    return { kind: 'control-alarm', siteId: a, type: b };
  }
  if (what === 'sites' && parts.length === 4 && a && SITE_ID_PATTERN.test(a) && b === 'counts') {
    return { kind: 'control-counts', siteId: a };
  }
  if (what === 'replies' && parts.length === 3 && a && /^[A-Za-z0-9_-]{1,64}$/.test(a)) {
    return { kind: 'control-reply', requestId: a };
  }
  return undefined;
}
