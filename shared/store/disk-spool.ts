/**
 * The disk spool of the InfluxDB writer (DESIGN.md "InfluxDB": never drop data while InfluxDB is
 * down; spool to disk and replay). A FIFO of line-protocol lines in append-only segment files:
 *
 *   <dir>/spool.lock                              one writer per directory (spool-lock.ts)
 *   <dir>/000000000007-1764313200000.spool        <sequence>-<epoch ms of its first line>
 *
 * Each record is `<crc32 hex> <L|J><line>\n`: `L` and the line as is, or `J` and the line as a
 * JSON string when it holds a newline (a string field may; the line protocol allows it quoted).
 * The CRC covers `<L|J><line>`, so a torn last record (the process died mid-write) or a damaged
 * one is detected on replay, skipped and counted, and never sent or allowed to stop the replay.
 *
 * Order: lines come out exactly in the order they went in, oldest segment first. A segment is
 * deleted only after every line of it was acknowledged (`ack`). A crash in the middle of a
 * segment replays the whole segment again: harmless, because a point with the same series and
 * time overwrites itself in InfluxDB (history-store.ts).
 *
 * Appends are never written into a segment that existed before `openDiskSpool` (its tail may be
 * torn); a new segment is started instead. Segments roll at `segmentBytes`, and the replay rolls
 * the active one when it catches up with it, so what is read is immutable.
 *
 * Durability (fsync policy): appended lines are buffered for at most `flushMs` (default 100 ms,
 * or 256 KiB) and then written with one write(2); the file is fdatasync'ed at most `fsyncMs`
 * (default 1 s) after a write, and always when a segment rolls and on close. So a killed process
 * loses at most the last `flushMs` of lines (which it also held only in memory without a spool),
 * and a power cut at most about `flushMs + fsyncMs`. An fsync per line would cost a disk flush per
 * device message, which a Raspberry-class gateway disk cannot sustain during an outage.
 *
 * Bound: past `maxBytes` (SPOOL_MAX_BYTES) new lines are refused, i.e. the NEWEST are dropped and
 * reported through `onDropped`: what is already spooled is older and, in order, replays first.
 *
 * All file operations are synchronous: they are small, keep the FIFO trivially ordered and make
 * `append` safe to call from a message handler.
 */
import {
  closeSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from './crc32.ts';
import { lockSpoolDir } from './spool-lock.ts';

export interface DiskSpoolOptions {
  dir: string;
  /** Most bytes on disk (and buffered); past it new lines are dropped and reported. */
  maxBytes: number;
  /** A segment is closed and a new one started past this size. Default 8 MiB. */
  segmentBytes?: number;
  /** Longest time an appended line waits in memory before write(2). Default 100 ms. */
  flushMs?: number;
  /** Longest time written data waits for fdatasync. Default 1,000 ms. */
  fsyncMs?: number;
  /** Epoch ms (segment names, oldest age). Default Date.now. */
  now?: () => number;
}

export interface DiskSpoolEvents {
  /** New lines refused at the bound (the newest are dropped). */
  onDropped?(lines: number, why: string): void;
  /** Records skipped on replay: a torn tail or a checksum mismatch. */
  onCorrupt?(records: number, segment: string, why: string): void;
}

/** A batch from the head of the spool; hand it back to `ack` once the database has it. */
export interface SpoolBatch {
  readonly lines: string[];
  readonly segment: string;
}

export interface DiskSpoolStats {
  dir: string;
  /** Bytes in segment files plus buffered appends. */
  bytes: number;
  maxBytes: number;
  /** Lines spooled and not yet acknowledged. */
  lines: number;
  segments: number;
  /** Epoch ms when the oldest segment still on disk got its first line. */
  oldestMs: number | undefined;
  dropped: number;
  replayed: number;
  corrupt: number;
}

export interface DiskSpool {
  /** Appends lines in order; returns how many were taken (the rest hit the bound, reported). */
  append(lines: readonly string[]): number;
  isEmpty(): boolean;
  /**
   * The oldest lines not yet acknowledged (at most `maxLines` / about `maxBytes`), or undefined
   * when the spool is empty. Returns the same lines again until they are acknowledged.
   */
  peek(maxLines: number, maxBytes: number): SpoolBatch | undefined;
  ack(batch: SpoolBatch): void;
  /** Monotonic counters for flush(): lines ever appended (incl. found at open), and settled. */
  position(): { appended: number; settled: number };
  stats(): DiskSpoolStats;
  /** Writes and fsyncs what is buffered, releases the lock. Spooled lines stay for the next open. */
  close(): void;
}

interface Segment {
  name: string;
  seq: number;
  createdMs: number;
  bytes: number;
  /** Complete records in the file (torn tail excluded), valid or not. */
  records: number;
}

interface Head {
  segment: Segment;
  lines: string[];
  pos: number;
  served: SpoolBatch | undefined;
}

const SEGMENT = /^(\d{12})-(\d+)\.spool$/;
const BUFFER_LIMIT = 256 * 1024;
const NEWLINE = 0x0a;

export function encodeRecord(line: string): string {
  const body = line.includes('\n') || line.includes('\r') ? `J${JSON.stringify(line)}` : `L${line}`;
  return `${crc32(body).toString(16).padStart(8, '0')} ${body}\n`;
}

/** The line of one record (without its newline), or undefined when it is damaged. */
export function decodeRecord(record: string): string | undefined {
  if (record.length < 10 || record[8] !== ' ') return undefined;
  const body = record.slice(9);
  if (crc32(body).toString(16).padStart(8, '0') !== record.slice(0, 8)) return undefined;
  if (body[0] === 'L') return body.slice(1);
  if (body[0] !== 'J') return undefined;
  try {
    const line = JSON.parse(body.slice(1)) as unknown;
    return typeof line === 'string' ? line : undefined;
  } catch {
    return undefined;
  }
}

function countRecords(path: string): number {
  const fd = openSync(path, 'r');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let count = 0;
  try {
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
      for (let i = chunk.indexOf(NEWLINE, 0); i !== -1 && i < n; i = chunk.indexOf(NEWLINE, i + 1)) count++;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

/**
 * Opens (creating) the spool directory, takes its lock and finds what a previous process left.
 * Throws SpoolLockedError when another live process holds it.
 *
 * @example
 * const spool = openDiskSpool({ dir: './data/spool/ingest', maxBytes: 1 << 30 });
 * spool.append(['site_state,site=a occupancy=1 1764313200000']);
 * const batch = spool.peek(5000, 8 << 20);
 * if (batch) { await send(batch.lines); spool.ack(batch); }
 * spool.close();
 */
export function openDiskSpool(options: DiskSpoolOptions, events: DiskSpoolEvents = {}): DiskSpool {
  const { dir, maxBytes } = options;
  const segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
  const flushMs = options.flushMs ?? 100;
  const fsyncMs = options.fsyncMs ?? 1000;
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true });
  const lock = lockSpoolDir(dir);

  const segments: Segment[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = SEGMENT.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    segments.push({
      name,
      seq: Number(m[1]),
      createdMs: Number(m[2]),
      bytes: statSync(path).size,
      records: countRecords(path),
    });
  }
  let nextSeq = (segments.at(-1)?.seq ?? 0) + 1;
  let active: { segment: Segment; fd: number } | undefined;
  let buffer: string[] = [];
  let bufferedBytes = 0;
  let bufferedLines = 0;
  let head: Head | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let fsyncTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const counts = { dropped: 0, replayed: 0, corrupt: 0 };
  let appended = segments.reduce((n, s) => n + s.records, 0);
  let settled = 0;

  let onDisk = segments.reduce((n, s) => n + s.bytes, 0);
  const diskBytes = () => onDisk;
  const unsettled = () => appended - settled;

  const sync = () => {
    if (fsyncTimer) clearTimeout(fsyncTimer);
    fsyncTimer = undefined;
    if (active) fdatasyncSync(active.fd);
  };

  const roll = () => {
    if (!active) return;
    sync();
    closeSync(active.fd);
    active = undefined;
  };

  const writeBuffer = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (bufferedLines === 0) return;
    let from = 0;
    while (from < buffer.length) {
      if (active && active.segment.bytes >= segmentBytes) roll();
      if (!active) {
        const createdMs = now();
        const segment: Segment = {
          name: `${String(nextSeq).padStart(12, '0')}-${createdMs}.spool`,
          seq: nextSeq++,
          createdMs,
          bytes: 0,
          records: 0,
        };
        active = { segment, fd: openSync(join(dir, segment.name), 'a', 0o600) };
        segments.push(segment);
      }
      // Fill the active segment up to segmentBytes (at least one record), then roll.
      let to = from;
      let room = segmentBytes - active.segment.bytes;
      do room -= Buffer.byteLength(buffer[to++]!);
      while (to < buffer.length && room - Buffer.byteLength(buffer[to]!) >= 0);
      const data = Buffer.from(buffer.slice(from, to).join(''));
      writeSync(active.fd, data);
      active.segment.bytes += data.length;
      onDisk += data.length;
      active.segment.records += to - from;
      from = to;
    }
    buffer = [];
    bufferedBytes = 0;
    bufferedLines = 0;
    if (!fsyncTimer && !closed) {
      fsyncTimer = setTimeout(sync, fsyncMs);
      fsyncTimer.unref();
    }
  };

  const loadHead = (): Head | undefined => {
    while (!head) {
      // Buffered lines are the newest: they matter only once the head reaches the active segment.
      if (!segments[0] || segments[0] === active?.segment) writeBuffer();
      const segment = segments[0];
      if (!segment) return undefined;
      if (active?.segment === segment) roll();
      const path = join(dir, segment.name);
      const text = readFileSync(path, 'utf8');
      const records = text.split('\n');
      const torn = records.pop() ?? '';
      const lines: string[] = [];
      let bad = 0;
      for (const r of records) {
        const line = decodeRecord(r);
        if (line === undefined) bad++;
        else lines.push(line);
      }
      if (bad > 0) {
        settled += bad;
        counts.corrupt += bad;
        events.onCorrupt?.(bad, segment.name, 'checksum mismatch');
      }
      if (torn !== '') {
        counts.corrupt++;
        events.onCorrupt?.(1, segment.name, `torn last record (${Buffer.byteLength(torn)} bytes)`);
      }
      if (lines.length === 0) {
        rmSync(path, { force: true });
        onDisk -= segment.bytes;
        segments.shift();
        continue;
      }
      head = { segment, lines, pos: 0, served: undefined };
    }
    return head;
  };

  return {
    append(lines) {
      if (closed) throw new Error(`Spool ${dir} is closed`);
      let taken = 0;
      let total = diskBytes() + bufferedBytes;
      for (const line of lines) {
        const record = encodeRecord(line);
        const bytes = Buffer.byteLength(record);
        if (total + bytes > maxBytes) break;
        buffer.push(record);
        bufferedBytes += bytes;
        bufferedLines++;
        total += bytes;
        taken++;
        if (bufferedBytes >= BUFFER_LIMIT) writeBuffer();
      }
      appended += taken;
      if (taken < lines.length)
        events.onDropped?.(lines.length - taken, `spool full (${total} of ${maxBytes} bytes)`);
      counts.dropped += lines.length - taken;
      if (bufferedLines > 0 && !flushTimer) {
        flushTimer = setTimeout(writeBuffer, flushMs);
        flushTimer.unref();
      }
      return taken;
    },

    isEmpty: () => unsettled() === 0,

    peek(maxLines, maxBytesPerBatch) {
      const h = loadHead();
      if (!h) return undefined;
      if (h.served) return h.served;
      const lines: string[] = [];
      let bytes = 0;
      for (let i = h.pos; i < h.lines.length && lines.length < maxLines; i++) {
        const line = h.lines[i]!;
        bytes += Buffer.byteLength(line) + 1;
        if (lines.length > 0 && bytes > maxBytesPerBatch) break;
        lines.push(line);
      }
      h.served = { lines, segment: h.segment.name };
      return h.served;
    },

    ack(batch) {
      if (!head || head.served !== batch)
        throw new Error('ack() of a batch that is not the head of the spool');
      head.pos += batch.lines.length;
      head.served = undefined;
      settled += batch.lines.length;
      counts.replayed += batch.lines.length;
      if (head.pos >= head.lines.length) {
        rmSync(join(dir, head.segment.name), { force: true });
        onDisk -= head.segment.bytes;
        segments.shift();
        head = undefined;
      }
    },

    position: () => ({ appended, settled }),

    stats: () => ({
      dir,
      bytes: diskBytes() + bufferedBytes,
      maxBytes,
      lines: unsettled(),
      segments: segments.length,
      oldestMs: segments[0]?.createdMs ?? (bufferedLines > 0 ? now() : undefined),
      ...counts,
    }),

    close() {
      if (closed) return;
      writeBuffer();
      closed = true;
      roll();
      lock.release();
    },
  };
}
