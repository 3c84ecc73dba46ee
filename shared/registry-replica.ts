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
import { DEFAULT_POLICY_ID, findPreset, type PolicyPreset } from './policy.ts';
import { type DeviceRecord, deviceRecordSchema, type Site, siteSchema } from './registry-schemas.ts';
import { parseTopic } from './topics.ts';
import { safeParse } from './validation.ts';

export const policyRecordSchema = z.object({
  id: z.string(),
  changedAt: z.string(),
  changedBy: z.string(),
});
export type PolicyRecord = z.infer<typeof policyRecordSchema>;

export interface RegistryEvents {
  site: [id: string, site: Site | undefined];
  device: [id: string, device: DeviceRecord | undefined];
  policy: [policy: PolicyPreset];
  invalid: [topic: string, error: string];
}

export class RegistryReplica extends EventEmitter<RegistryEvents> {
  readonly sites = new Map<string, Site>();
  readonly devices = new Map<string, DeviceRecord>();
  private readonly devicesBySite = new Map<string, Set<string>>();
  policy: PolicyPreset;

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
    if (parsed.kind === 'registry-site') this.applySite(parsed.siteId, json);
    else if (parsed.kind === 'registry-device') this.applyDevice(parsed.deviceId, json);
    else if (parsed.kind === 'registry-policy') this.applyPolicy(topic, json);
    return true;
  }

  devicesOf(siteId: string): DeviceRecord[] {
    const ids = this.devicesBySite.get(siteId);
    return ids ? [...ids].map((id) => this.devices.get(id)!).filter(Boolean) : [];
  }

  private applySite(id: string, json: unknown): void {
    if (json === undefined) {
      if (this.sites.delete(id)) this.emit('site', id, undefined);
      return;
    }
    const result = safeParse(siteSchema, json);
    if (!result.ok || result.value.id !== id) {
      this.emit('invalid', id, result.ok ? 'id does not match topic' : result.error);
      return;
    }
    this.sites.set(id, result.value);
    this.emit('site', id, result.value);
  }

  private applyDevice(id: string, json: unknown): void {
    const previous = this.devices.get(id);
    if (previous) this.devicesBySite.get(previous.siteId)?.delete(id);
    if (json === undefined) {
      if (this.devices.delete(id)) this.emit('device', id, undefined);
      return;
    }
    const result = safeParse(deviceRecordSchema, json);
    if (!result.ok || result.value.id !== id) {
      if (previous) this.devicesBySite.get(previous.siteId)?.add(id);
      this.emit('invalid', id, result.ok ? 'id does not match topic' : result.error);
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
    this.policy = preset;
    this.emit('policy', preset);
  }
}
