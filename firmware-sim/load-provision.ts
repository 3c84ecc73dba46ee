/**
 * Provisioning for load mode: thousands of devices in seconds. The operator API creates one
 * device per request and waits for its registry echo, which is right for an installer and far too
 * slow for 20,000 devices. Load mode therefore uses the registry contract itself (DESIGN.md
 * "Shape", shared/registry-replica.ts): it logs in as a server identity (`svc:loadgen`, with
 * MQTT_SERVICE_SECRET) and publishes each device record RETAINED on
 * `topics.registryDevice(id)` with a salted scrypt hash at DEVICE_SECRET_COST, exactly what the
 * dashboard publishes. Broker and ingest replicas accept them like any other record; the
 * dashboard's own device list (registry.json) does not contain them.
 *
 * Secrets and hashes are deterministic for (seed, device id), so worker processes derive each
 * device's secret themselves and the hashes (the expensive part: ~1 ms of scrypt each) are
 * computed once and kept in a cache file for the next run.
 */
import { createHmac, scrypt } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { DeviceRecord, SiteInput } from '../shared/registry-schemas.ts';
import { DEVICE_SECRET_COST } from '../shared/secrets.ts';

/** @example loadDeviceId('load', 7) // 'load-000007' */
export const loadDeviceId = (prefix: string, index: number) => `${prefix}-${String(index).padStart(6, '0')}`;
/** @example loadSiteId('load', 3) // 'load-site-00003' */
export const loadSiteId = (prefix: string, index: number) =>
  `${prefix}-site-${String(index).padStart(5, '0')}`;
/** Devices are dealt to sites round-robin, so every site has devices on every worker. */
export const loadSiteOf = (deviceIndex: number, sites: number) => deviceIndex % sites;

const key = (seed: number) => `jagajarak-load-${seed}`;

/** The device's MQTT password: 32 bytes of HMAC-SHA256 over its id, base64url (like newDeviceSecret). */
export function loadDeviceSecret(seed: number, deviceId: string): string {
  return createHmac('sha256', key(seed)).update(`secret:${deviceId}`).digest('base64url');
}

/** `scrypt$N$r$p$salt$hash` (shared/secrets.ts format) with a salt derived from the id. */
function hashOf(seed: number, deviceId: string): Promise<string> {
  const salt = createHmac('sha256', key(seed)).update(`salt:${deviceId}`).digest().subarray(0, 16);
  const { N, r, p } = DEVICE_SECRET_COST;
  return new Promise((resolve, reject) => {
    scrypt(loadDeviceSecret(seed, deviceId), salt, 32, { N, r, p, maxmem: 256 * N * r }, (err, hash) =>
      err
        ? reject(err)
        : resolve(['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$')),
    );
  });
}

/**
 * Secret hashes of the devices, from the cache where present; the rest computed (scrypt runs on
 * libuv's thread pool) and added to the cache.
 */
export async function loadSecretHashes(
  seed: number,
  deviceIds: readonly string[],
  cacheDir: string,
): Promise<Map<string, string>> {
  const path = join(cacheDir, `device-hashes-${seed}-n${DEVICE_SECRET_COST.N}.json`);
  let cached: Record<string, string> = {};
  try {
    cached = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
  } catch {
    // first run, or an unreadable cache: compute everything
  }
  const missing = deviceIds.filter((id) => typeof cached[id] !== 'string');
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const id = missing[next++]!;
      cached[id] = await hashOf(seed, id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (missing.length > 0) {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(cached));
    await rename(`${path}.tmp`, path);
  }
  return new Map(deviceIds.map((id) => [id, cached[id]!]));
}

/** The sites of a load run: malls, large enough that load alone raises no capacity alarm. */
export function loadSites(prefix: string, count: number): SiteInput[] {
  return Array.from({ length: count }, (_, i) => ({
    id: loadSiteId(prefix, i),
    name: `Load test site ${i}`,
    kind: 'mall' as const,
    designCapacity: 1_000_000,
  }));
}

/**
 * Publishes records retained at QoS 1 and resolves once every one has come back through the
 * broker on `client`'s own subscription (aedes acknowledges before it routes, DESIGN.md "Known
 * traps"; the echo means other subscribers, ingest among them, have been sent it too).
 *
 * @example await publishRecords(svcClient, devices.map((d) => [topics.registryDevice(d.id), d]));
 */
export async function publishRecords(client: MqttClient, records: Array<[string, object]>): Promise<void> {
  const waiting = new Map(records.map(([topic, record]) => [topic, JSON.stringify(record)]));
  const echoed = new Promise<void>((resolve) => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (waiting.get(topic) === payload.toString()) waiting.delete(topic);
      if (waiting.size === 0) {
        client.off('message', onMessage);
        resolve();
      }
    };
    client.on('message', onMessage);
  });
  const filters = [...new Set(records.map(([topic]) => topic.slice(0, topic.lastIndexOf('/') + 1) + '+'))];
  await client.subscribeAsync(filters, { qos: 1 });
  if (records.length === 0) return;
  // Publish in slices so the client's outgoing queue stays small.
  for (let i = 0; i < records.length; i += 1000) {
    await Promise.all(
      records
        .slice(i, i + 1000)
        .map(([topic, record]) =>
          client.publishAsync(topic, JSON.stringify(record), { qos: 1, retain: true }),
        ),
    );
  }
  await echoed;
  await client.unsubscribeAsync(filters);
}

/** Device records as the control plane publishes them. */
export function loadDeviceRecords(
  prefix: string,
  sites: number,
  hashes: Map<string, string>,
  deviceIds: readonly string[],
  createdAt: string,
): DeviceRecord[] {
  return deviceIds.map((id, index) => ({
    id,
    siteId: loadSiteId(prefix, loadSiteOf(index, sites)),
    type: 'door-counter' as const,
    secretHash: hashes.get(id)!,
    createdAt,
  }));
}
