import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_ID, findPreset } from './policy.ts';
import { RegistryReplica } from './registry-replica.ts';
import type { DeviceRecord, Site } from './registry-schemas.ts';
import { topics } from './topics.ts';

const createdAt = '2020-06-08T00:00:00.000Z';
const site: Site = { id: 'pasar-jodoh', name: 'Pasar Jodoh', kind: 'market', designCapacity: 400, createdAt };
const otherSite: Site = {
  id: 'bus-k1-07',
  name: 'Trans Batam K1 07',
  kind: 'bus',
  designCapacity: 80,
  createdAt,
};
const device: DeviceRecord = {
  id: 'jodoh-gate-1',
  siteId: 'pasar-jodoh',
  type: 'door-counter',
  secretHash: 'scrypt$1024$8$1$salt$hash',
  createdAt,
};
const policy = (id: string) => JSON.stringify({ id, changedAt: createdAt, changedBy: 'ops@batam' });

/** A replica that records every event it emits, in order. */
function replicaWithLog() {
  const replica = new RegistryReplica();
  const events: unknown[][] = [];
  replica.on('site', (...args) => events.push(['site', ...args]));
  replica.on('device', (...args) => events.push(['device', ...args]));
  replica.on('policy', (preset) => events.push(['policy', preset.id]));
  replica.on('invalid', (...args) => events.push(['invalid', ...args]));
  return { replica, events };
}

describe('RegistryReplica', () => {
  it('starts with the default city policy and nothing else', () => {
    const replica = new RegistryReplica();
    expect(replica.policy.id).toBe(DEFAULT_POLICY_ID);
    expect(replica.sites.size).toBe(0);
    expect(replica.devices.size).toBe(0);
    expect(new RegistryReplica('ppkm-3').policy.id).toBe('ppkm-3');
    expect(new RegistryReplica('no-such-policy').policy.id).toBe(DEFAULT_POLICY_ID);
  });

  it('applies a site record and emits it', () => {
    const { replica, events } = replicaWithLog();
    expect(replica.handle(topics.registrySite(site.id), JSON.stringify(site))).toBe(true);
    expect(replica.sites.get(site.id)).toEqual(site);
    expect(events).toEqual([['site', site.id, site]]);
  });

  it('accepts payloads as a Buffer, the way MQTT delivers them', () => {
    const { replica } = replicaWithLog();
    replica.handle(topics.registryDevice(device.id), Buffer.from(JSON.stringify(device)));
    expect(replica.devices.get(device.id)).toEqual(device);
  });

  it('applies a device record, emits it and indexes it by site', () => {
    const { replica, events } = replicaWithLog();
    replica.handle(topics.registryDevice(device.id), JSON.stringify(device));
    expect(replica.devices.get(device.id)).toEqual(device);
    expect(replica.devicesOf(site.id)).toEqual([device]);
    expect(replica.devicesOf(otherSite.id)).toEqual([]);
    expect(events).toEqual([['device', device.id, device]]);
  });

  it('deletes a site or device on an empty payload and emits undefined', () => {
    const { replica, events } = replicaWithLog();
    replica.handle(topics.registrySite(site.id), JSON.stringify(site));
    replica.handle(topics.registryDevice(device.id), JSON.stringify(device));
    events.length = 0;
    replica.handle(topics.registrySite(site.id), '');
    replica.handle(topics.registryDevice(device.id), Buffer.alloc(0));
    expect(replica.sites.has(site.id)).toBe(false);
    expect(replica.devices.has(device.id)).toBe(false);
    expect(replica.devicesOf(site.id)).toEqual([]);
    expect(events).toEqual([
      ['site', site.id, undefined],
      ['device', device.id, undefined],
    ]);
  });

  it('emits nothing when deleting a record it never had', () => {
    const { replica, events } = replicaWithLog();
    replica.handle(topics.registrySite(site.id), '');
    replica.handle(topics.registryDevice(device.id), '');
    expect(events).toEqual([]);
  });

  it('moves a device between sites in devicesOf()', () => {
    const { replica } = replicaWithLog();
    replica.handle(topics.registryDevice(device.id), JSON.stringify(device));
    const moved = { ...device, siteId: otherSite.id };
    replica.handle(topics.registryDevice(device.id), JSON.stringify(moved));
    expect(replica.devicesOf(site.id)).toEqual([]);
    expect(replica.devicesOf(otherSite.id)).toEqual([moved]);
  });

  it.each([
    ['invalid JSON', topics.registrySite(site.id), '{"id":', 'payload is not JSON'],
    [
      'a site failing its schema',
      topics.registrySite(site.id),
      JSON.stringify({ ...site, kind: 'stadium' }),
      /^kind /,
    ],
    [
      'a site without createdAt',
      topics.registrySite(site.id),
      JSON.stringify({ ...site, createdAt: undefined }),
      /^createdAt /,
    ],
    [
      'a site under another id',
      topics.registrySite('pasar-botania'),
      JSON.stringify(site),
      'id does not match topic',
    ],
    [
      'a device failing its schema',
      topics.registryDevice(device.id),
      JSON.stringify({ ...device, secretHash: '' }),
      /^secretHash /,
    ],
    [
      'a device under another id',
      topics.registryDevice('jodoh-gate-2'),
      JSON.stringify(device),
      'id does not match topic',
    ],
    ['JSON null', topics.registrySite(site.id), 'null', /^\(root\) /],
  ])('reports %s via invalid with the topic and does not apply it', (_, topic, payload, error) => {
    const { replica, events } = replicaWithLog();
    expect(replica.handle(topic, payload)).toBe(true);
    expect(replica.sites.size).toBe(0);
    expect(replica.devices.size).toBe(0);
    expect(events).toEqual([['invalid', topic, expect.stringMatching(error)]]);
  });

  it('keeps the previous record and its site index when an update is invalid', () => {
    const { replica } = replicaWithLog();
    replica.handle(topics.registryDevice(device.id), JSON.stringify(device));
    replica.handle(topics.registryDevice(device.id), JSON.stringify({ ...device, siteId: 'Bad/Site' }));
    replica.handle(topics.registryDevice(device.id), 'not json');
    expect(replica.devices.get(device.id)).toEqual(device);
    expect(replica.devicesOf(site.id)).toEqual([device]);
  });

  it('applies a known policy and emits the preset', () => {
    const { replica, events } = replicaWithLog();
    replica.handle(topics.registryPolicy(), policy('ppkm-4'));
    expect(replica.policy).toEqual(findPreset('ppkm-4'));
    expect(events).toEqual([['policy', 'ppkm-4']]);
  });

  it('rejects an unknown or malformed policy and keeps the one in force', () => {
    const { replica, events } = replicaWithLog();
    replica.handle(topics.registryPolicy(), policy('ppkm-3'));
    events.length = 0;
    replica.handle(topics.registryPolicy(), policy('lockdown'));
    replica.handle(topics.registryPolicy(), JSON.stringify({ id: 'ppkm-1' }));
    expect(replica.policy.id).toBe('ppkm-3');
    expect(events).toEqual([
      ['invalid', topics.registryPolicy(), "unknown policy 'lockdown'"],
      ['invalid', topics.registryPolicy(), expect.stringMatching(/^changedAt .*; changedBy /)],
    ]);
  });

  it('ignores topics outside the registry and says so', () => {
    const { replica, events } = replicaWithLog();
    expect(replica.handle(topics.siteState(site.id), JSON.stringify(site))).toBe(false);
    expect(replica.handle(topics.device(device.id, 'counts'), '{}')).toBe(false);
    expect(replica.handle('crowd/v1/registry/sites/Bad', JSON.stringify(site))).toBe(false);
    expect(replica.handle('elsewhere/registry/sites/pasar-jodoh', JSON.stringify(site))).toBe(false);
    expect(events).toEqual([]);
  });
});

describe('alarmSettingsFor cache', () => {
  it('returns the same frozen settings until the site or the settings record changes', () => {
    const r = new RegistryReplica();
    const site = { id: 'pasar-tos', name: 'Pasar Tos', kind: 'market', designCapacity: 100, createdAt: 'x' };
    r.handle('crowd/v1/registry/sites/pasar-tos', JSON.stringify(site));
    const first = r.alarmSettingsFor(r.sites.get('pasar-tos')!);
    expect(r.alarmSettingsFor(r.sites.get('pasar-tos')!)).toBe(first);
    expect(Object.isFrozen(first.capacity)).toBe(true);

    r.handle(
      'crowd/v1/registry/alarm-settings',
      JSON.stringify({
        all: {},
        kinds: { market: { offlineAfterMs: 60_000 } },
        changedAt: 'x',
        changedBy: 'admin',
      }),
    );
    const second = r.alarmSettingsFor(r.sites.get('pasar-tos')!);
    expect(second.offlineAfterMs).toBe(60_000);

    r.handle(
      'crowd/v1/registry/sites/pasar-tos',
      JSON.stringify({ ...site, alarm: { offlineAfterMs: 120_000 } }),
    );
    expect(r.alarmSettingsFor(r.sites.get('pasar-tos')!).offlineAfterMs).toBe(120_000);
  });
});
