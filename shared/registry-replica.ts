/**
 * A replica of the registry (sites, devices, city policy) fed by the retained messages on
 * `crowd/v1/registry/#`. The dashboard owns the registry and publishes every record retained;
 * broker, ingest and dashboard replicas all read the same messages, so the services can run in
 * one process or on separate machines behind any MQTT 3.1.1 broker. An empty retained payload
 * deletes a record (the MQTT way of clearing a retained topic).
 *
 * Transport-agnostic: feed it `handle(topic, payload)` from an mqtt.js client or from aedes'
 * in-process `subscribe`.
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import {
  type AlarmSettings,
  type AlarmSettingsRecord,
  alarmSettingsRecordSchema,
  effectiveAlarmSettings,
} from './alarms.ts';
import { DEFAULT_POLICY_ID, findPreset, type PolicyPreset } from './policy.ts';
import {
  type DeviceRecord,
  deviceRecordSchema,
  type Site,
  siteKindSchema,
  siteSchema,
} from './registry-schemas.ts';
import { parseTopic } from './topics.ts';
import { safeParse } from './validation.ts';

export const policyRecordSchema = z.object({
  id: z.string(),
  /** Per-kind shares that override the preset's (0..1), e.g. `{ restaurant: 0.25 }`. */
  kindPct: z.partialRecord(siteKindSchema, z.number().min(0).max(1)).optional(),
  changedAt: z.string(),
  changedBy: z.string(),
});
export type PolicyRecord = z.infer<typeof policyRecordSchema>;

export interface RegistryEvents {
  site: [id: string, site: Site | undefined];
  device: [id: string, device: DeviceRecord | undefined];
  policy: [policy: PolicyPreset];
  alarmSettings: [record: AlarmSettingsRecord];
  invalid: [topic: string, error: string];
}

export class RegistryReplica extends EventEmitter<RegistryEvents> {
  readonly sites = new Map<string, Site>();
  readonly devices = new Map<string, DeviceRecord>();
  private readonly devicesBySite = new Map<string, Set<string>>();
  /** The preset in force with its per-kind overrides applied. */
  policy: PolicyPreset;
  policyRecord: PolicyRecord | undefined;
  alarmSettings: AlarmSettingsRecord | undefined;

  constructor(defaultPolicyId = DEFAULT_POLICY_ID) {
    super();
    this.policy = findPreset(defaultPolicyId) ?? findPreset(DEFAULT_POLICY_ID)!;
  }

  /** Returns false when the topic is not a registry topic. Invalid records are reported, not thrown. */
  handle(topic: string, payload: Buffer | string): boolean {
    const parsed = parseTopic(topic);
    if (!parsed?.kind.startsWith('registry-')) return false;
    const text = payload.toString();
    let json: unknown;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        this.emit('invalid', topic, 'payload is not JSON');
        return true;
      }
    }
    if (parsed.kind === 'registry-site') this.applySite(topic, parsed.siteId, json);
    else if (parsed.kind === 'registry-device') this.applyDevice(topic, parsed.deviceId, json);
    else if (parsed.kind === 'registry-policy') this.applyPolicy(topic, json);
    else if (parsed.kind === 'registry-alarm-settings') this.applyAlarmSettings(topic, json);
    return true;
  }

  devicesOf(siteId: string): DeviceRecord[] {
    const ids = this.devicesBySite.get(siteId);
    return ids ? [...ids].map((id) => this.devices.get(id)!).filter(Boolean) : [];
  }

  private applySite(topic: string, id: string, json: unknown): void {
    if (json === undefined) {
      this.settingsCache.delete(id);
      if (this.sites.delete(id)) this.emit('site', id, undefined);
      return;
    }
    const result = safeParse(siteSchema, json);
    if (!result.ok || result.value.id !== id) {
      this.emit('invalid', topic, result.ok ? 'id does not match topic' : result.error);
      return;
    }
    this.sites.set(id, result.value);
    this.emit('site', id, result.value);
  }

  private applyDevice(topic: string, id: string, json: unknown): void {
    const previous = this.devices.get(id);
    if (previous) this.devicesBySite.get(previous.siteId)?.delete(id);
    if (json === undefined) {
      if (this.devices.delete(id)) this.emit('device', id, undefined);
      return;
    }
    const result = safeParse(deviceRecordSchema, json);
    if (!result.ok || result.value.id !== id) {
      if (previous) this.devicesBySite.get(previous.siteId)?.add(id);
      this.emit('invalid', topic, result.ok ? 'id does not match topic' : result.error);
      return;
    }
    this.devices.set(id, result.value);
    const set = this.devicesBySite.get(result.value.siteId) ?? new Set<string>();
    this.devicesBySite.set(result.value.siteId, set);
    set.add(id);
    this.emit('device', id, result.value);
  }

  private applyPolicy(topic: string, json: unknown): void {
    const result = safeParse(policyRecordSchema, json);
    const preset = result.ok ? findPreset(result.value.id) : undefined;
    if (!preset) {
      this.emit('invalid', topic, result.ok ? `unknown policy '${result.value.id}'` : result.error);
      return;
    }
    const kindPct = result.ok ? result.value.kindPct : undefined;
    this.policy = kindPct ? { ...preset, pct: { ...preset.pct, ...kindPct } } : preset;
    this.policyRecord = result.ok ? result.value : undefined;
    this.emit('policy', this.policy);
  }

  private applyAlarmSettings(topic: string, json: unknown): void {
    const result = safeParse(alarmSettingsRecordSchema, json);
    if (!result.ok) {
      this.emit('invalid', topic, result.error);
      return;
    }
    this.alarmSettings = result.value;
    this.emit('alarmSettings', result.value);
  }

  /**
   * Alarm thresholds of a site: defaults <- city-wide <- its kind <- the site's own. Cached per
   * site record and settings record (ingest asks for every site on every tick; merging each time
   * cost 13% of its CPU in the benchmark). The result is frozen: callers share it.
   */
  alarmSettingsFor(site: Site): AlarmSettings {
    const record = this.alarmSettings;
    const cached = this.settingsCache.get(site.id);
    if (cached && cached.site === site && cached.record === record) return cached.settings;
    const settings = effectiveAlarmSettings(record?.all, record?.kinds[site.kind], site.alarm);
    Object.freeze(settings.capacity);
    Object.freeze(settings.fever);
    Object.freeze(settings);
    this.settingsCache.set(site.id, { site, record, settings });
    return settings;
  }

  private readonly settingsCache = new Map<
    string,
    { site: Site; record: AlarmSettingsRecord | undefined; settings: AlarmSettings }
  >();
}
