/**
 * The registry's file, `${DATA_DIR}/registry.json`: sites, devices (secret hashes only), the city
 * policy in force and the record of policy changes (DOMAIN.md: "A policy change must apply
 * city-wide at once and be recorded (who, when, from what to what)").
 * Writes are atomic (temp file, fsync, rename), so a crash leaves the old or the new file, never half.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { policyRecordSchema } from '../shared/registry-replica.ts';
import { deviceRecordSchema, siteSchema } from '../shared/registry-schemas.ts';
import { formatIssues } from '../shared/validation.ts';

export const policyChangeSchema = z.object({
  from: z.string().nullable(),
  to: z.string(),
  at: z.string(),
  by: z.string(),
});
export type PolicyChange = z.infer<typeof policyChangeSchema>;

export const registryFileSchema = z.object({
  version: z.literal(1),
  sites: z.array(siteSchema),
  devices: z.array(deviceRecordSchema),
  policy: policyRecordSchema.optional(),
  policyChanges: z.array(policyChangeSchema).default([]),
});
export type RegistryFile = z.infer<typeof registryFileSchema>;

/** Keeps the file bounded; older changes stay in the logs. */
export const MAX_POLICY_CHANGES = 200;

/**
 * Undefined when the file does not exist yet. A file that exists but does not parse stops the
 * start: silently starting empty would un-provision every device of the city.
 */
export async function readRegistryFile(path: string): Promise<RegistryFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Registry file '${path}' is not valid JSON: ${(err as Error).message}`);
  }
  const result = registryFileSchema.safeParse(json);
  if (!result.success) throw new Error(`Registry file '${path}' is invalid: ${formatIssues(result.error)}`);
  return result.data;
}

/** @example await writeRegistryFile('./data/registry.json', { version: 1, sites: [], devices: [], policyChanges: [] }); */
export async function writeRegistryFile(path: string, data: RegistryFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
}
