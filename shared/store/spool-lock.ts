/**
 * One process per spool directory. Two writers appending to and deleting from the same segments
 * would replay each other's lines and delete segments the other has not sent, so the spool takes
 * `spool.lock` (created with O_EXCL) before it touches anything, and refuses a directory that a
 * live process holds.
 *
 * A lock left by a crashed process is taken over: it names a pid that no longer runs, or our own
 * pid without this process holding it (a container restarted: the new ingest often gets the same
 * pid as the one that died). A lock written on another host is never taken over, since we cannot
 * ask that host whether its pid still runs; the error says which file to remove.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/** The directory is in use by another live writer. */
export class SpoolLockedError extends Error {
  override name = 'SpoolLockedError';
}

interface LockRecord {
  pid: number;
  host: string;
  since: string;
}

const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockRecord>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string')
      return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? '') };
  } catch {
    // unreadable or half written: the writer died while taking it
  }
  return undefined;
}

/**
 * Takes the lock of `dir` (which must exist) or throws SpoolLockedError. Returns the release
 * function and whether a stale lock was taken over (worth a log line).
 *
 * @example
 * const { release } = lockSpoolDir('./data/spool/ingest');
 * // ... use the spool ...
 * release();
 */
export function lockSpoolDir(dir: string): { release(): void; tookOver: LockRecord | undefined } {
  const key = resolve(dir);
  const path = join(key, 'spool.lock');
  const me: LockRecord = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  let tookOver: LockRecord | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const other = readLock(path);
      const live =
        other !== undefined &&
        (other.host !== me.host || (alive(other.pid) && (other.pid !== me.pid || heldHere.has(key))));
      if (live)
        throw new SpoolLockedError(
          `Spool directory ${key} is in use by process ${other.pid} on ${other.host} since ${other.since}; ` +
            'give each writer its own SPOOL_DIR (remove spool.lock only if that process is gone)',
        );
      tookOver = other ?? { pid: -1, host: me.host, since: 'unknown' };
      rmSync(path, { force: true });
    }
  }
  heldHere.add(key);
  return {
    tookOver,
    release() {
      if (!heldHere.delete(key)) return;
      rmSync(path, { force: true });
    },
  };
}
