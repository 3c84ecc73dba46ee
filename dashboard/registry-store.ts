/**
 * The registry owner (control plane). It keeps sites, devices and the city policy, persists them
 * to `${DATA_DIR}/registry.json`, and replicates every record as a RETAINED QoS 1 MQTT message on
 * its registry topic, so broker and ingest (each with a RegistryReplica) may run on other machines
 * behind any MQTT 3.1.1 broker (DESIGN.md "Shape").
 *
 * A change is answered only after its own message came back through the broker: aedes sends the
 * QoS 1 PUBACK before it routes the message (DESIGN.md "Known traps"), so PUBACK alone does not
 * mean the broker's replica has the record (a device provisioned a moment ago could be refused).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { AlarmSettingsInput, AlarmSettingsRecord } from '../shared/alarms.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import { findPreset, type PolicyPreset } from '../shared/policy.ts';
import { type PolicyRecord, RegistryReplica } from '../shared/registry-replica.ts';
import type { DeviceInput, DeviceRecord, Site, SiteInput, SiteKind } from '../shared/registry-schemas.ts';
import { topics } from '../shared/topics.ts';
import { badRequest, conflict, notFound, unavailable } from './http-errors.ts';
import type { DashboardMetrics } from './metrics.ts';
import {
  MAX_POLICY_CHANGES,
  type PolicyChange,
  readRegistryFile,
  writeRegistryFile,
} from './registry-file.ts';

export interface RegistryStoreEvents {
  site: [id: string, site: Site | undefined];
  policy: [policy: PolicyPreset];
}

export type KindPct = Partial<Record<SiteKind, number>>;

/** Device fields an admin may change: the site it counts for, and its name. */
export type DevicePatch = Partial<Pick<DeviceInput, 'siteId' | 'name'>>;

/** Site fields an admin may change; `null` removes an optional field (e.g. the site's own policyPct). */
export type SitePatch = {
  [K in Exclude<keyof SiteInput, 'id' | 'kind'>]?: SiteInput[K] | null;
};

/** A preset with per-kind overrides applied (what RegistryReplica does with the same record). */
export function effectivePolicy(record: Pick<PolicyRecord, 'id' | 'kindPct'>): PolicyPreset | undefined {
  const preset = findPreset(record.id);
  if (!preset || !record.kindPct) return preset;
  return { ...preset, pct: { ...preset.pct, ...record.kindPct } };
}

export interface RegistryStoreOptions {
  dataDir: string;
  defaultPolicyId: string;
  echoTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  metrics: DashboardMetrics;
}

interface EchoWaiter {
  payload: string;
  resolve: () => void;
}

/**
 * @example
 * const registry = new RegistryStore({ dataDir: './data', defaultPolicyId: 'psbb', echoTimeoutMs: 5000, clock, logger, metrics });
 * await registry.load();
 * registry.attach(mqttClient); // publishes everything now and on every reconnect
 * const site = await registry.createSite(input, 'admin');
 */
export class RegistryStore extends EventEmitter<RegistryStoreEvents> {
  readonly path: string;
  /** What came back through the broker: the same view broker and ingest have. */
  readonly replica: RegistryReplica;
  private readonly sites = new Map<string, Site>();
  private readonly devices = new Map<string, DeviceRecord>();
  private policyRecord: PolicyRecord;
  private policyChanges: PolicyChange[] = [];
  private alarmSettingsRecord: AlarmSettingsRecord | undefined;
  private client: MqttClient | undefined;
  private readonly waiters = new Map<string, EchoWaiter[]>();
  /** Mutations run one at a time, so a duplicate check and its write cannot interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly onConnect = () => this.publishAll();

  constructor(private readonly options: RegistryStoreOptions) {
    super();
    this.path = join(options.dataDir, 'registry.json');
    this.replica = new RegistryReplica(options.defaultPolicyId);
    this.policyRecord = {
      id: options.defaultPolicyId,
      changedAt: new Date(0).toISOString(),
      changedBy: 'config',
    };
  }

  async load(): Promise<void> {
    const file = await readRegistryFile(this.path);
    this.sites.clear();
    this.devices.clear();
    for (const site of file?.sites ?? []) this.sites.set(site.id, site);
    for (const device of file?.devices ?? []) this.devices.set(device.id, device);
    this.policyChanges = file?.policyChanges ?? [];
    this.alarmSettingsRecord = file?.alarmSettings;
    if (file?.policy && findPreset(file.policy.id)) {
      this.policyRecord = file.policy;
      if (file.policy.id !== this.options.defaultPolicyId)
        this.options.logger.info(
          { policy: file.policy.id, preset: this.options.defaultPolicyId },
          'city policy from registry.json (recorded by an operator) wins over POLICY_PRESET',
        );
    }
    this.options.logger.info(
      { path: this.path, sites: this.sites.size, devices: this.devices.size, policy: this.policyRecord.id },
      file ? 'registry loaded' : 'registry file not found, starting empty',
    );
  }

  /** Starts replicating through `client`: every record now and after every reconnect. */
  attach(client: MqttClient): void {
    this.client = client;
    client.on('connect', this.onConnect);
    if (client.connected) this.publishAll();
  }

  detach(): void {
    this.client?.off('connect', this.onConnect);
    this.client = undefined;
  }

  /** Feeds a registry message (from `filters.registry`) to the replica and to waiting changes. */
  handleMessage(topic: string, payload: Buffer): void {
    const text = payload.toString();
    const waiting = this.waiters.get(topic);
    if (waiting) {
      for (const w of waiting) if (w.payload === text) w.resolve();
      const still = waiting.filter((w) => w.payload !== text);
      if (still.length) this.waiters.set(topic, still);
      else this.waiters.delete(topic);
    }
    this.replica.handle(topic, payload);
  }

  listSites(): Site[] {
    return [...this.sites.values()];
  }
  getSite(id: string): Site | undefined {
    return this.sites.get(id);
  }
  listDevices(siteId?: string): DeviceRecord[] {
    const all = [...this.devices.values()];
    return siteId === undefined ? all : all.filter((d) => d.siteId === siteId);
  }
  getDevice(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }
  /** The policy in force: its preset with the record's per-kind overrides applied. */
  policy(): { preset: PolicyPreset; record: PolicyRecord } {
    return { preset: effectivePolicy(this.policyRecord)!, record: this.policyRecord };
  }
  alarmSettings(): AlarmSettingsRecord | undefined {
    return this.alarmSettingsRecord;
  }
  policyHistory(): PolicyChange[] {
    return [...this.policyChanges];
  }

  /** @throws HttpError 409 on a duplicate id, 503 when the broker is unreachable or the echo is late. */
  createSite(input: SiteInput, by: string): Promise<Site> {
    return this.serialized(async () => {
      this.requireConnected();
      if (this.sites.has(input.id)) throw conflict(`site '${input.id}' already exists`);
      const site: Site = { ...input, createdAt: new Date(this.options.clock.now()).toISOString() };
      await this.commit(
        () => this.sites.set(site.id, site),
        () => this.sites.delete(site.id),
      );
      this.options.logger.info({ site: site.id, by }, 'site created');
      this.emit('site', site.id, site);
      await this.replicate(topics.registrySite(site.id), site);
      return site;
    });
  }

  /** @throws HttpError 400 for an unknown site, 409 on a duplicate id, 503 as createSite. */
  createDevice(input: DeviceInput, secretHash: string, by: string): Promise<DeviceRecord> {
    return this.serialized(async () => {
      this.requireConnected();
      if (!this.sites.has(input.siteId)) throw badRequest(`siteId unknown site '${input.siteId}'`);
      if (this.devices.has(input.id)) throw conflict(`device '${input.id}' already exists`);
      const device: DeviceRecord = {
        ...input,
        secretHash,
        createdAt: new Date(this.options.clock.now()).toISOString(),
      };
      await this.commit(
        () => this.devices.set(device.id, device),
        () => this.devices.delete(device.id),
      );
      this.options.logger.info({ device: device.id, site: device.siteId, by }, 'device provisioned');
      await this.replicate(topics.registryDevice(device.id), device);
      return device;
    });
  }

  /** @throws HttpError 404 for an unknown device, 503 as createSite. */
  replaceDeviceSecret(id: string, secretHash: string, by: string): Promise<DeviceRecord> {
    return this.serialized(async () => {
      this.requireConnected();
      const previous = this.devices.get(id);
      if (!previous) throw notFound(`device '${id}' not found`);
      const device: DeviceRecord = { ...previous, secretHash };
      await this.commit(
        () => this.devices.set(id, device),
        () => this.devices.set(id, previous),
      );
      this.options.logger.info({ device: id, by }, 'device secret rotated');
      await this.replicate(topics.registryDevice(id), device);
      return device;
    });
  }

  /**
   * Moves a device to another site (or renames it): ingest and the broker follow the replicated
   * record, so the device keeps its id, secret and firmware (README "Connecting a real device").
   *
   * @throws HttpError 404 for an unknown device, 400 for an unknown site, 503 as createSite.
   */
  updateDevice(id: string, patch: DevicePatch, by: string): Promise<DeviceRecord> {
    return this.serialized(async () => {
      this.requireConnected();
      const previous = this.devices.get(id);
      if (!previous) throw notFound(`device '${id}' not found`);
      if (patch.siteId !== undefined && !this.sites.has(patch.siteId))
        throw badRequest(`siteId unknown site '${patch.siteId}'`);
      const device: DeviceRecord = { ...previous, ...patch };
      await this.commit(
        () => this.devices.set(id, device),
        () => this.devices.set(id, previous),
      );
      this.options.logger.info(
        { device: id, from: previous.siteId, to: device.siteId, by },
        'device updated',
      );
      await this.replicate(topics.registryDevice(id), device);
      return device;
    });
  }

  /**
   * Removes a device: the broker refuses it from then on and ingest forgets it. Its history stays
   * in the store.
   *
   * @throws HttpError 404 for an unknown device, 503 as createSite.
   */
  deleteDevice(id: string, by: string): Promise<void> {
    return this.serialized(async () => {
      this.requireConnected();
      const previous = this.devices.get(id);
      if (!previous) throw notFound(`device '${id}' not found`);
      await this.commit(
        () => this.devices.delete(id),
        () => this.devices.set(id, previous),
      );
      this.options.logger.info({ device: id, site: previous.siteId, by }, 'device deleted');
      await this.replicate(topics.registryDevice(id), null);
    });
  }

  /**
   * Removes a site without devices (a mistyped or closed venue): ingest clears its open alarms and
   * its retained state, the dashboard and the public guide stop listing it. Its history stays.
   *
   * @throws HttpError 404 for an unknown site, 409 while devices belong to it, 503 as createSite.
   */
  deleteSite(id: string, by: string): Promise<void> {
    return this.serialized(async () => {
      this.requireConnected();
      const previous = this.sites.get(id);
      if (!previous) throw notFound(`site '${id}' not found`);
      const devices = this.listDevices(id).map((d) => d.id);
      if (devices.length)
        throw conflict(`site '${id}' still has devices (${devices.join(', ')}): move or delete them first`);
      await this.commit(
        () => this.sites.delete(id),
        () => this.sites.set(id, previous),
      );
      this.options.logger.info({ site: id, by }, 'site deleted');
      this.emit('site', id, undefined);
      await this.replicate(topics.registrySite(id), null);
    });
  }

  /** @throws HttpError 404 for an unknown site, 503 as createSite. */
  updateSite(id: string, patch: SitePatch, by: string): Promise<Site> {
    return this.serialized(async () => {
      this.requireConnected();
      const previous = this.sites.get(id);
      if (!previous) throw notFound(`site '${id}' not found`);
      const site = { ...previous } as Record<string, unknown>;
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete site[key];
        else if (value !== undefined) site[key] = value;
      }
      const next = site as Site;
      await this.commit(
        () => this.sites.set(id, next),
        () => this.sites.set(id, previous),
      );
      this.options.logger.info({ site: id, by, fields: Object.keys(patch) }, 'site changed');
      this.emit('site', id, next);
      await this.replicate(topics.registrySite(id), next);
      return next;
    });
  }

  /** Replaces the city-wide alarm settings (all sites, then per kind). @throws HttpError 503 as createSite. */
  setAlarmSettings(
    input: { all?: AlarmSettingsInput | undefined; kinds?: Record<string, AlarmSettingsInput> | undefined },
    by: string,
  ): Promise<AlarmSettingsRecord> {
    return this.serialized(async () => {
      this.requireConnected();
      const previous = this.alarmSettingsRecord;
      const record: AlarmSettingsRecord = {
        all: input.all ?? {},
        kinds: input.kinds ?? {},
        changedAt: new Date(this.options.clock.now()).toISOString(),
        changedBy: by,
      };
      await this.commit(
        () => {
          this.alarmSettingsRecord = record;
        },
        () => {
          this.alarmSettingsRecord = previous;
        },
      );
      this.options.logger.info({ by }, 'alarm settings changed');
      await this.replicate(topics.registryAlarmSettings(), record);
      return record;
    });
  }

  /**
   * Switches the city policy (e.g. PPKM level 4 -> 3), optionally with per-kind shares over the
   * preset's, and records who, when, from what to what.
   */
  setPolicy(id: string, by: string, kindPct?: KindPct): Promise<PolicyRecord> {
    return this.serialized(async () => {
      this.requireConnected();
      const preset = findPreset(id);
      if (!preset) throw badRequest(`id unknown policy '${id}'`);
      const previous = this.policyRecord;
      const previousChanges = this.policyChanges;
      const at = new Date(this.options.clock.now()).toISOString();
      const hasKinds = kindPct && Object.keys(kindPct).length > 0;
      const record: PolicyRecord = { id, ...(hasKinds ? { kindPct } : {}), changedAt: at, changedBy: by };
      const change: PolicyChange = {
        from: previous.id,
        to: id,
        ...(previous.kindPct ? { fromKindPct: previous.kindPct } : {}),
        ...(hasKinds ? { toKindPct: kindPct } : {}),
        at,
        by,
      };
      await this.commit(
        () => {
          this.policyRecord = record;
          this.policyChanges = [...previousChanges, change].slice(-MAX_POLICY_CHANGES);
        },
        () => {
          this.policyRecord = previous;
          this.policyChanges = previousChanges;
        },
      );
      this.options.logger.info(change, 'city policy changed');
      this.emit('policy', effectivePolicy(record)!);
      await this.replicate(topics.registryPolicy(), record);
      return record;
    });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private requireConnected(): void {
    if (!this.client?.connected) throw unavailable('message broker unreachable; nothing was changed');
  }

  /** Applies a change in memory and on disk; undoes the memory change if the disk write fails. */
  private async commit(apply: () => void, undo: () => void): Promise<void> {
    apply();
    try {
      await writeRegistryFile(this.path, {
        version: 1,
        sites: this.listSites(),
        devices: this.listDevices(),
        policy: this.policyRecord,
        ...(this.alarmSettingsRecord ? { alarmSettings: this.alarmSettingsRecord } : {}),
        policyChanges: this.policyChanges,
      });
    } catch (err) {
      undo();
      throw err;
    }
  }

  /**
   * Publishes and waits for the echo. On a timeout the record is already saved and is published
   * again on the next (re)connect, so the 503 says so rather than inviting a retry that would 409.
   */
  private async replicate(topic: string, record: object | null): Promise<void> {
    // null removes the retained record: an empty retained message (MQTT 3.1.1 3.3.1.3).
    const payload = record === null ? '' : JSON.stringify(record);
    const client = this.client;
    if (!client) throw unavailable('message broker unreachable; the change is saved and will be replicated');
    let timer: NodeJS.Timeout | undefined;
    let waiter: EchoWaiter | undefined;
    const echoed = new Promise<void>((resolve) => {
      waiter = { payload, resolve };
      this.waiters.set(topic, [...(this.waiters.get(topic) ?? []), waiter]);
    });
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.echoTimeoutMs);
    });
    try {
      client.publish(topic, payload, { qos: 1, retain: true }, (err) => {
        if (err) this.options.logger.warn({ topic, err: err.message }, 'registry publish failed');
      });
      this.options.metrics.registryPublishes.inc();
      if ((await Promise.race([echoed, timedOut])) === 'timeout') {
        this.options.metrics.registryEchoTimeouts.inc();
        throw unavailable(
          'the change is saved but the message broker did not confirm it in time; it will be replicated when the broker is reachable',
        );
      }
    } finally {
      clearTimeout(timer);
      const left = (this.waiters.get(topic) ?? []).filter((w) => w !== waiter);
      if (left.length) this.waiters.set(topic, left);
      else this.waiters.delete(topic);
    }
  }

  private publishAll(): void {
    const client = this.client;
    if (!client) return;
    const records: Array<[string, object]> = [
      ...this.listSites().map((s): [string, object] => [topics.registrySite(s.id), s]),
      ...this.listDevices().map((d): [string, object] => [topics.registryDevice(d.id), d]),
      [topics.registryPolicy(), this.policyRecord],
      ...(this.alarmSettingsRecord
        ? [[topics.registryAlarmSettings(), this.alarmSettingsRecord] as [string, object]]
        : []),
    ];
    for (const [topic, record] of records) {
      client.publish(topic, JSON.stringify(record), { qos: 1, retain: true }, (err) => {
        if (err) this.options.logger.warn({ topic, err: err.message }, 'registry publish failed');
      });
    }
    this.options.metrics.registryPublishes.inc(records.length);
    this.options.logger.info({ records: records.length }, 'registry published to the broker');
  }
}
