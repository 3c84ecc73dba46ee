import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWriteQueue, WriteFailure, type WriteQueueEvents } from './write-queue.ts';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
};

function recorder() {
  const log: string[] = [];
  const events: WriteQueueEvents = {
    onWritten: (n) => log.push(`written ${n}`),
    onFailed: (lines, f, retry) => log.push(`failed ${lines.length} ${f.reason} ${retry ?? 'final'}`),
    onDropped: (n) => log.push(`dropped ${n}`),
  };
  return { log, events };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('write queue', () => {
  it('cuts batches of batchSize and never has more than maxInFlight sends at once', async () => {
    const sent: string[][] = [];
    let inFlight = 0;
    let peak = 0;
    const queue = createWriteQueue(
      async (lines) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setImmediate(r));
        sent.push(lines);
        inFlight--;
      },
      recorder().events,
      { batchSize: 3, maxInFlight: 2 },
    );
    for (let i = 0; i < 10; i++) queue.push(`l${i}`);
    await queue.flush();
    expect(sent.flat().sort()).toEqual(Array.from({ length: 10 }, (_, i) => `l${i}`).sort());
    expect(sent.map((b) => b.length).sort()).toEqual([1, 3, 3, 3]);
    expect(peak).toBe(2);
    expect(queue.pending()).toBe(0);
  });

  it('flush waits for earlier batches even when a later one finishes first', async () => {
    const gates = [deferred(), deferred()];
    let n = 0;
    const { events } = recorder();
    const queue = createWriteQueue(() => gates[n++]!.promise, events, { batchSize: 1, maxInFlight: 2 });
    queue.push('a');
    queue.push('b');
    let done = false;
    const flushed = queue.flush().then(() => {
      done = true;
    });
    gates[1]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    gates[0]!.resolve();
    await flushed;
    expect(done).toBe(true);
  });

  it('sends a lone line after flushIntervalMs, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sent: string[][] = [];
    const queue = createWriteQueue(async (lines) => void sent.push(lines), recorder().events, {
      flushIntervalMs: 1000,
    });
    queue.push('x');
    vi.advanceTimersByTime(999);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['x']]);
  });

  it('backs off exponentially on errors without Retry-After and reports a permanent failure once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { log, events } = recorder();
    let attempt = 0;
    const queue = createWriteQueue(
      async () => {
        attempt++;
        if (attempt <= 3) throw new WriteFailure('connect ECONNREFUSED', 'ECONNREFUSED', true);
        if (attempt === 4) throw new WriteFailure('bad line', '400', false);
      },
      events,
      { minRetryDelayMs: 1000 },
      () => 0,
    );
    queue.push('x');
    const flushed = queue.flush();
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    await flushed;
    expect(log).toEqual([
      'failed 1 ECONNREFUSED 1000',
      'failed 1 ECONNREFUSED 2000',
      'failed 1 ECONNREFUSED 4000',
      'failed 1 400 final',
    ]);
  });

  it('drops the oldest waiting batch at the bound, and the rest on close', async () => {
    const { log, events } = recorder();
    const gate = deferred();
    const queue = createWriteQueue(() => gate.promise, events, {
      batchSize: 2,
      maxInFlight: 1,
      maxPendingLines: 4,
    });
    for (const l of ['a', 'b', 'c', 'd', 'e']) queue.push(l);
    expect(log).toEqual(['dropped 2']);
    expect(queue.pending()).toBe(3);
    const closing = queue.close(0);
    // Let the close timeout pass while the first batch is still on the wire.
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['dropped 2', 'dropped 1']);
    gate.resolve();
    await closing;
    expect(log).toEqual(['dropped 2', 'dropped 1', 'written 2']);
    expect(queue.pending()).toBe(0);
  });
});
