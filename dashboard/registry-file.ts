/**
 * The registry's file, `${DATA_DIR}/registry.json`: sites, devices (secret hashes only), the city
 * policy in force and the record of policy changes (DOMAIN.md: "A policy change must apply
 * city-wide at once and be recorded (who, when, from what to what)").
 * Writes are atomic (temp file, fsync, rename), so a crash leaves the old or the new file, never half.
 */
import { z } from 'zod';
import { alarmSettingsRecordSchema } from '../shared/alarms.ts';
import { policyRecordSchema } from '../shared/registry-replica.ts';
import { deviceRecordSchema, siteSchema } from '../shared/registry-schemas.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

export const policyChangeSchema = z.object({
  from: z.string().nullable(),
  to: z.string(),
  /** Per-kind overrides before and after the change (absent: none). */
  fromKindPct: policyRecordSchema.shape.kindPct,
  toKindPct: policyRecordSchema.shape.kindPct,
  at: z.string(),
  by: z.string(),
});
export type PolicyChange = z.infer<typeof policyChangeSchema>;

export const registryFileSchema = z.object({
  version: z.literal(1),
  sites: z.array(siteSchema),
  devices: z.array(deviceRecordSchema),
  policy: policyRecordSchema.optional(),
  alarmSettings: alarmSettingsRecordSchema.optional(),
  policyChanges: z.array(policyChangeSchema).default([]),
});
export type RegistryFile = z.infer<typeof registryFileSchema>;

/** Keeps the file bounded; older changes stay in the logs. */
export const MAX_POLICY_CHANGES = 200;

/**
 * Undefined when the file does not exist yet. A file that exists but does not parse stops the
 * start: silently starting empty would un-provision every device of the city.
 */
export function readRegistryFile(path: string): Promise<RegistryFile | undefined> {
  return readJsonFile(path, registryFileSchema, 'Registry');
}

/** @example await writeRegistryFile('./data/registry.json', { version: 1, sites: [], devices: [], policyChanges: [] }); */
export function writeRegistryFile(path: string, data: RegistryFile): Promise<void> {
  return writeJsonFile(path, data);
}
