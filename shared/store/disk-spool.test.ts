import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32, crc32Fallback } from './crc32.ts';
import { type DiskSpool, decodeRecord, encodeRecord, openDiskSpool } from './disk-spool.ts';
import { SpoolLockedError } from './spool-lock.ts';

const dirs: string[] = [];
const open: DiskSpool[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jagajarak-spool-'));
  dirs.push(dir);
  return dir;
};

const spoolAt = (dir: string, maxBytes = 1 << 20, segmentBytes = 1024) => {
  const spool = openDiskSpool({ dir, maxBytes, segmentBytes, now: () => 1_764_313_200_000 });
  open.push(spool);
  return spool;
};

const close = (spool: DiskSpool) => {
  spool.close();
  open.splice(open.indexOf(spool), 1);
};

const line = (i: number) =>
  `counts,device=door-${i % 3},site=bus-k1-07 in=${i},out=0,seq=${i} ${1_764_313_200_000 + i}`;

/** Reads and acknowledges everything, as the replay does. */
const drain = (spool: DiskSpool, batch = 7) => {
  const out: string[] = [];
  for (let b = spool.peek(batch, 1 << 20); b; b = spool.peek(batch, 1 << 20)) {
    out.push(...b.lines);
    spool.ack(b);
  }
  return out;
};

describe('disk spool', () => {
  it('gives lines back in the order they went in, across many segments, and deletes acknowledged segments', () => {
    const dir = tempDir();
    const spool = spoolAt(dir);
    const lines = Array.from({ length: 200 }, (_, i) => line(i));
    for (const l of lines.slice(0, 120)) spool.append([l]);
    spool.append(lines.slice(120));
    expect(spool.stats()).toMatchObject({ lines: 200 });
    expect(spool.peek(1, 1 << 20)).toBeDefined();
    expect(spool.stats().segments).toBeGreaterThan(10);
    expect(drain(spool)).toEqual(lines);
    expect(spool.isEmpty()).toBe(true);
    expect(spool.stats()).toMatchObject({ lines: 0, segments: 0, bytes: 0, replayed: 200 });
    expect(readdirSync(dir)).toEqual(['spool.lock']);
  });

  it('returns the same batch until it is acknowledged and deletes a segment only after its last line', () => {
    const dir = tempDir();
    const spool = spoolAt(dir, 1 << 20, 1 << 20);
    spool.append([line(1), line(2), line(3)]);
    const first = spool.peek(2, 1 << 20)!;
    expect(first.lines).toEqual([line(1), line(2)]);
    expect(spool.peek(2, 1 << 20)).toBe(first);
    spool.ack(first);
    expect(readdirSync(dir).filter((f) => f.endsWith('.spool'))).toHaveLength(1);
    const second = spool.peek(2, 1 << 20)!;
    expect(second.lines).toEqual([line(3)]);
    spool.ack(second);
    expect(readdirSync(dir).filter((f) => f.endsWith('.spool'))).toHaveLength(0);
  });

  it('keeps what was not acknowledged for the next process, which replays it first', () => {
    const dir = tempDir();
    const before = spoolAt(dir);
    before.append(Array.from({ length: 50 }, (_, i) => line(i)));
    const taken = before.peek(30, 1 << 20)!;
    before.ack(taken);
    const unacked = before.peek(10, 1 << 20)!;
    expect(unacked.lines[0]).toBe(line(taken.lines.length));
    close(before);

    const after = spoolAt(dir);
    after.append([line(50)]);
    const replayed = drain(after);
    // Acknowledged whole segments are gone; the partly acknowledged one replays whole (a duplicate
    // overwrites itself in InfluxDB); then the new process's own line.
    const firstLeft = Number(/in=(\d+)/.exec(replayed[0]!)![1]);
    expect(firstLeft).toBeGreaterThan(0);
    expect(firstLeft).toBeLessThanOrEqual(taken.lines.length);
    expect(replayed).toEqual(Array.from({ length: 51 - firstLeft }, (_, i) => line(firstLeft + i)));
  });

  it('skips and counts a torn last record and a damaged one without losing the others', () => {
    const dir = tempDir();
    const first = spoolAt(dir, 1 << 20, 1 << 20);
    first.append([line(1), line(2), line(3)]);
    close(first);
    const [segment] = readdirSync(dir).filter((f) => f.endsWith('.spool'));
    const path = join(dir, segment!);
    // Damage the second record and leave half a record at the end, as a crash mid-write would.
    const records = readFileSync(path, 'utf8').split('\n');
    records[1] = records[1]!.replace('door-2', 'door-X');
    writeFileSync(path, records.join('\n'));
    appendFileSync(path, encodeRecord(line(4)).slice(0, 30));

    const corrupt: string[] = [];
    const spool = openDiskSpool(
      { dir, maxBytes: 1 << 20 },
      { onCorrupt: (n, _s, why) => corrupt.push(`${n} ${why}`) },
    );
    open.push(spool);
    expect(spool.stats().lines).toBe(3);
    spool.append([line(5)]);
    expect(drain(spool)).toEqual([line(1), line(3), line(5)]);
    expect(corrupt).toEqual(['1 checksum mismatch', '1 torn last record (30 bytes)']);
    expect(spool.stats()).toMatchObject({ lines: 0, corrupt: 2, segments: 0 });
  });

  it('refuses the newest lines past maxBytes, counts them, and takes lines again once drained', () => {
    const dir = tempDir();
    const record = Buffer.byteLength(encodeRecord(line(1)));
    const dropped: number[] = [];
    const spool = openDiskSpool({ dir, maxBytes: record * 5 }, { onDropped: (n) => dropped.push(n) });
    open.push(spool);
    expect(spool.append([1, 2, 3].map(line))).toBe(3);
    expect(spool.append([4, 5, 6, 7].map(line))).toBe(2);
    expect(dropped).toEqual([2]);
    expect(spool.stats()).toMatchObject({ lines: 5, dropped: 2 });
    expect(spool.stats().bytes).toBeLessThanOrEqual(record * 5);
    expect(drain(spool)).toEqual([1, 2, 3, 4, 5].map(line));
    expect(spool.append([line(8)])).toBe(1);
  });

  it('round-trips lines holding newlines and non-ASCII text', () => {
    const odd = [
      'rejected,reason=schema payload="{\\"a\\":\n1}",topic="x" 1',
      'site_state,site=pasar\\ tos name="Pasar Tōs ✓" 2',
    ];
    for (const l of odd) expect(decodeRecord(encodeRecord(l).slice(0, -1))).toBe(l);
    const dir = tempDir();
    const spool = spoolAt(dir);
    spool.append(odd);
    expect(drain(spool)).toEqual(odd);
  });

  it('refuses a directory another live writer holds and takes over a stale lock', () => {
    const dir = tempDir();
    spoolAt(dir);
    expect(() => openDiskSpool({ dir, maxBytes: 1 << 20 })).toThrow(SpoolLockedError);
    expect(() => openDiskSpool({ dir, maxBytes: 1 << 20 })).toThrow(/in use by process \d+/);

    const stale = tempDir();
    // A pid far above pid_max: the process that wrote it is gone.
    writeFileSync(join(stale, 'spool.lock'), JSON.stringify({ pid: 2 ** 30, host: hostname(), since: '' }));
    const spool = spoolAt(stale);
    expect(spool.isEmpty()).toBe(true);
  });

  it('computes CRC-32 the zlib way with and without node:zlib', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32Fallback('123456789')).toBe(0xcbf43926);
    expect(crc32Fallback('Pasar Tōs ✓')).toBe(crc32('Pasar Tōs ✓'));
  });
});
