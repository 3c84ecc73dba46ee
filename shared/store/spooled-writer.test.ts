import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDiskSpool } from './disk-spool.ts';
import { splittingSender } from './refusal-split.ts';
import { createSpooledWriter, type SpooledWriter } from './spooled-writer.ts';
import { WriteFailure } from './write-queue.ts';

const dirs: string[] = [];
const writers: SpooledWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close(0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jagajarak-writer-'));
  dirs.push(dir);
  return dir;
};

/** A database stand-in that is up or down on command and records what it stored, in order. */
function database() {
  const stored: string[] = [];
  const state = { up: true, calls: 0 };
  const send = async (lines: string[]) => {
    state.calls++;
    await new Promise((r) => setImmediate(r));
    if (!state.up) throw new WriteFailure('connect ECONNREFUSED 127.0.0.1:8086', 'ECONNREFUSED', true);
    stored.push(...lines);
  };
  return { stored, state, send };
}

const events = () => {
  const log: string[] = [];
  return {
    log,
    events: {
      onWritten: () => undefined,
      onFailed: () => undefined,
      onDropped: (n: number, why: string) => log.push(`dropped ${n} ${why}`),
      onSpooling: (why: string) => log.push(`spooling: ${why}`),
      onDrained: () => log.push('drained'),
    },
  };
};

const writerOn = (
  dir: string,
  send: (lines: string[]) => Promise<void>,
  ev = events().events,
  memoryLines = 100,
) => {
  const writer = createSpooledWriter(send, ev, {
    batchSize: 10,
    flushIntervalMs: 5,
    maxInFlight: 2,
    memoryLines,
    minRetryDelayMs: 2,
    probeMaxDelayMs: 10,
  });
  writer.attach(openDiskSpool({ dir, maxBytes: 1 << 24, segmentBytes: 2048, flushMs: 5 }));
  writers.push(writer);
  return writer;
};

/**
 * Exactly once and in order, except the lines of the batches on the wire when the outage began
 * (at most maxInFlight = 2 batches of 10): they were sent concurrently and reach the spool after
 * their failure, behind lines written meanwhile (spooled-writer.ts).
 */
const expectOnceInOrder = (stored: string[], expected: string[], inFlight: string[]) => {
  expect([...stored].sort()).toEqual([...expected].sort());
  const set = new Set(inFlight);
  expect(stored.filter((l) => !set.has(l))).toEqual(expected.filter((l) => !set.has(l)));
};

const line = (i: number) => `occupancy,site=s count=${i} ${1_764_313_200_000 + i}`;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => line(from + i));

describe('spooled writer', () => {
  it('spools while the database is down, keeps memory bounded, and replays everything once, in order', async () => {
    const db = database();
    const { log, events: ev } = events();
    const writer = writerOn(tempDir(), db.send, ev, 50);
    for (const l of range(0, 20)) writer.push(l);
    await writer.flush();
    expect(db.stored).toEqual(range(0, 20));

    db.state.up = false;
    let peakMemory = 0;
    for (let i = 20; i < 2_000; i++) {
      writer.push(line(i));
      const spooled = writer.spoolStats()?.lines ?? 0;
      peakMemory = Math.max(peakMemory, writer.pending() - spooled);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(writer.spooling()).toBe(true);
    expect(peakMemory).toBeLessThanOrEqual(50);
    expect(writer.spoolStats()!.lines).toBeGreaterThan(1_900);
    expect(log[0]).toMatch(/^spooling: (connect ECONNREFUSED|memory queue full)/);

    db.state.up = true;
    await writer.flush();
    expectOnceInOrder(db.stored, range(0, 2_000), range(20, 40));
    expect(writer.spooling()).toBe(false);
    expect(writer.spoolStats()).toMatchObject({ lines: 0, segments: 0 });
    expect(log.at(-1)).toBe('drained');
  });

  it('never lets a new line overtake a spooled one: writes during the replay go behind it', async () => {
    const db = database();
    const writer = writerOn(tempDir(), db.send);
    db.state.up = false;
    for (const l of range(0, 300)) writer.push(l);
    await new Promise((r) => setTimeout(r, 20));
    expect(writer.spooling()).toBe(true);
    db.state.up = true;
    // Keep writing while the spool drains.
    for (let i = 300; i < 600; i++) {
      writer.push(line(i));
      if (i % 25 === 0) await new Promise((r) => setImmediate(r));
    }
    await writer.flush();
    expectOnceInOrder(db.stored, range(0, 600), range(0, 20));
  });

  it('spools when the database is slower than the input, so memory stays at its bound', async () => {
    const dir = tempDir();
    let release!: () => void;
    const stuck = new Promise<void>((r) => {
      release = r;
    });
    const stored: string[] = [];
    const writer = writerOn(
      dir,
      async (lines) => {
        await stuck;
        stored.push(...lines);
      },
      events().events,
      40,
    );
    for (let i = 0; i < 5_000; i++) writer.push(line(i));
    const spooled = writer.spoolStats()!.lines;
    expect(writer.pending() - spooled).toBeLessThanOrEqual(40);
    expect(spooled).toBeGreaterThanOrEqual(5_000 - 40);
    release();
    await writer.flush();
    expect(stored).toEqual(range(0, 5_000));
  });

  it('leaves what the database did not take in the spool, and the next writer replays it before new lines', async () => {
    const dir = tempDir();
    const down = database();
    down.state.up = false;
    const first = writerOn(dir, down.send);
    for (const l of range(0, 120)) first.push(l);
    await first.close(0);
    writers.splice(writers.indexOf(first), 1);
    expect(down.stored).toEqual([]);

    const db = database();
    const second = writerOn(dir, db.send);
    expect(second.spooling()).toBe(true);
    second.push(line(120));
    await second.flush();
    expectOnceInOrder(db.stored, range(0, 121), range(0, 20));
  });

  it('isolates the one line the database refuses instead of blocking or losing its batch', async () => {
    const refused: string[] = [];
    const stored: string[] = [];
    let requests = 0;
    const send = splittingSender(
      async (lines) => {
        requests++;
        if (lines.some((l) => l.includes('bad')))
          throw new WriteFailure('unable to parse: bad line', '400', false);
        stored.push(...lines);
      },
      (lines, _f, lost) => refused.push(`${lost}:${lines.join('|')}`),
    );
    const batch = [...range(0, 7), 'bad line', ...range(7, 15)];
    expect(await send(batch)).toEqual({ stored: 15 });
    expect(refused).toEqual(['1:bad line']);
    expect(stored).toEqual(range(0, 15));
    expect(requests).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(16)) + 1);
  });

  it('trusts a partial write for how many lines InfluxDB dropped and gives up a 401 whole without splitting', async () => {
    const refused: number[] = [];
    let requests = 0;
    const partial = splittingSender(
      async () => {
        requests++;
        throw new WriteFailure('partial write: field type conflict ... dropped=2', '400', false);
      },
      (_l, _f, lost) => refused.push(lost),
    );
    expect(await partial(range(0, 10))).toEqual({ stored: 8 });
    const unauthorized = splittingSender(
      async () => {
        requests++;
        throw new WriteFailure('authorization failed', '401', false);
      },
      (_l, _f, lost) => refused.push(lost),
    );
    expect(await unauthorized(range(0, 10))).toEqual({ stored: 0 });
    expect(refused).toEqual([2, 10]);
    expect(requests).toBe(2);
  });
});
