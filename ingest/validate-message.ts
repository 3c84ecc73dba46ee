/**
 * The ingest trust boundary: turns a raw MQTT message on a device topic into a validated,
 * typed message of a known device at a known site, or a rejection with a stable reason and a
 * readable error. The broker already checks topic ownership; this layer assumes nothing about
 * the broker (ingest must work behind any MQTT 3.1.1 broker).
 */
import { type DeviceMessage, MAX_DEVICE_PAYLOAD_BYTES, streamSchemas } from '../shared/device-schemas.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import { type DeviceRecord, deviceMayPublish, type Site } from '../shared/registry-schemas.ts';
import { isDeviceStream, parseTopic } from '../shared/topics.ts';
import { safeParse } from '../shared/validation.ts';

export const REJECT_REASONS = [
  'bad-topic',
  'unknown-device',
  'unknown-site',
  'stream-not-allowed',
  'too-large',
  'invalid-utf8',
  'invalid-json',
  'invalid-payload',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type Validated = { ok: true; message: DeviceMessage; device: DeviceRecord; site: Site };
export type Rejected = { ok: false; reason: RejectReason; error: string; deviceId: string | undefined };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function reject(reason: RejectReason, error: string, deviceId?: string): Rejected {
  return { ok: false, reason, error, deviceId };
}

export function validateMessage(
  topic: string,
  payload: Buffer,
  registry: RegistryReplica,
): Validated | Rejected {
  const parsed = parseTopic(topic);
  if (parsed?.kind !== 'device' || !isDeviceStream(parsed.stream)) {
    return reject('bad-topic', `topic '${topic.slice(0, 200)}' is not a protocol v1 device stream`);
  }
  const { deviceId, stream } = parsed;
  const device = registry.devices.get(deviceId);
  if (!device) return reject('unknown-device', `device '${deviceId}' is not provisioned`, deviceId);
  if (!deviceMayPublish(device.type, stream)) {
    return reject('stream-not-allowed', `a ${device.type} does not publish '${stream}'`, deviceId);
  }
  const site = registry.sites.get(device.siteId);
  if (!site)
    return reject(
      'unknown-site',
      `device '${deviceId}' belongs to unknown site '${device.siteId}'`,
      deviceId,
    );
  if (payload.length > MAX_DEVICE_PAYLOAD_BYTES) {
    return reject(
      'too-large',
      `payload of ${payload.length} bytes exceeds ${MAX_DEVICE_PAYLOAD_BYTES}`,
      deviceId,
    );
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return reject('invalid-utf8', 'payload is not valid UTF-8', deviceId);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return reject('invalid-json', `payload is not JSON: ${(err as Error).message}`, deviceId);
  }
  const result = safeParse(streamSchemas[stream], json);
  if (!result.ok) return reject('invalid-payload', result.error, deviceId);
  return { ok: true, message: { stream, deviceId, payload: result.value } as DeviceMessage, device, site };
}
