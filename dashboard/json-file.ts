/**
 * Small JSON files in DATA_DIR (users, webhooks, delivery log): read with a schema, written
 * atomically (temp file, fsync, rename) with mode 0600, so a crash leaves the old or the new
 * file, never half, and secrets (password hashes, webhook secrets) are readable by the owner only.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { formatIssues } from '../shared/validation.ts';

/**
 * Undefined when the file does not exist yet. A file that exists but does not parse throws: silently
 * starting empty would drop every user (or webhook) the city configured.
 *
 * @example const file = await readJsonFile('./data/users.json', usersFileSchema, 'users');
 */
export async function readJsonFile<S extends z.ZodType>(
  path: string,
  schema: S,
  what: string,
): Promise<z.infer<S> | undefined> {
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
    throw new Error(`${what} file '${path}' is not valid JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new Error(`${what} file '${path}' is invalid: ${formatIssues(result.error)}`);
  return result.data;
}

/** @example await writeJsonFile('./data/webhooks.json', { version: 1, webhooks: [] }); */
export async function writeJsonFile(path: string, data: unknown): Promise<void> {
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

/**
 * Serialises saves of one file and coalesces bursts: a call joins the write queued behind the
 * running one (which reads the state only when it starts), so writes never overlap and each call
 * resolves once a write that started after it has completed: "await save()" means "what I changed
 * is on disk".
 *
 * @example const save = coalescedWriter(() => writeJsonFile(path, snapshot())); await save();
 */
export function coalescedWriter(write: () => Promise<void>): () => Promise<void> {
  let queued: Promise<void> | undefined;
  let tail: Promise<void> = Promise.resolve();
  return () => {
    if (queued) return queued;
    const run = tail
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return write();
      });
    queued = run;
    tail = run;
    return run;
  };
}
