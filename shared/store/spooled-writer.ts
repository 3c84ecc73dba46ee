/**
 * The InfluxDB write path with a disk spool behind the memory queue (issue #6: an InfluxDB outage
 * loses nothing; a slow InfluxDB cannot grow memory without bound).
 *
 * Two modes:
 *   - direct: the spool is empty; lines go through the small memory queue (write-queue.ts) in
 *     batches, at most `maxInFlight` at once.
 *   - spooling: entered when a batch fails retryably (InfluxDB down, 5xx, 429, timeout) or when
 *     the memory queue holds `memoryLines` (InfluxDB slower than the input). The failed batch and
 *     every batch not yet sent go to the spool, and so does every new line, at its tail. One
 *     replay loop sends the spool's head, oldest first, one batch at a time, and acknowledges it
 *     only once InfluxDB took it; a retryable failure keeps the batch and probes again after
 *     `Retry-After` or a backoff capped at `probeMaxDelayMs`. When the spool is empty the writer
 *     goes back to direct in the same tick, so a new line can never overtake a spooled one.
 * The only reordering left: batches already on the wire when the spooling starts (at most
 * `maxInFlight`), which InfluxDB was receiving concurrently anyway, may land in the spool after
 * lines written later. Order never matters for what InfluxDB stores (points carry their time).
 *
 * Memory: at most `memoryLines` in the queue plus the spool's write buffer (256 KiB) plus one
 * segment being replayed, whatever the length of the outage. Past SPOOL_MAX_BYTES the spool
 * refuses new lines (see disk-spool.ts).
 */
import type { DiskSpool, DiskSpoolStats } from './disk-spool.ts';
import {
  createWriteQueue,
  DEFAULT_WRITE_QUEUE_OPTIONS,
  type SendResult,
  WriteFailure,
  type WriteQueue,
  type WriteQueueEvents,
  type WriteQueueOptions,
} from './write-queue.ts';

export interface SpooledWriterOptions extends WriteQueueOptions {
  /** Lines the memory queue may hold before new lines go to the spool. Default DEFAULT_MEMORY_LINES. */
  memoryLines: number;
  /** Longest wait between two probes of a down InfluxDB while the spool holds data. Default 5 s. */
  probeMaxDelayMs: number;
}

export interface SpooledWriterEvents extends Omit<WriteQueueEvents, 'spill'> {
  /** Spooling started (`why`: the failure, or the memory bound). */
  onSpooling?(why: string): void;
  /** The spool is empty again; writes go direct. */
  onDrained?(): void;
  /** Lines of the spool InfluxDB acknowledged. */
  onReplayed?(lines: number): void;
}

export interface SpooledWriter extends Omit<WriteQueue, 'takeWaiting' | 'inFlight'> {
  /** Attaches the opened spool; replays what a previous process left in it. */
  attach(spool: DiskSpool): void;
  spooling(): boolean;
  spoolStats(): DiskSpoolStats | undefined;
}

/**
 * @example
 * const writer = createSpooledWriter(send, { onWritten, onFailed, onDropped }, { memoryLines: 20_000 });
 * writer.attach(openDiskSpool({ dir: './data/spool/ingest', maxBytes: 1 << 30 }));
 * writer.push('site_state,site=a occupancy=1 1764313200000');
 * await writer.close(10_000); // what InfluxDB has not taken stays in the spool for the next start
 */
/**
 * Lines the memory queue holds before the writer turns to the disk spool. 20 batches of 5,000:
 * a burst at 30,000 msg/s fits without spooling (spooling then replaying one batch at a time is
 * slower than writing direct), and it is still only ~15 MB of line protocol.
 */
export const DEFAULT_MEMORY_LINES = 100_000;

export function createSpooledWriter(
  send: (lines: string[]) => Promise<SendResult>,
  events: SpooledWriterEvents,
  options: Partial<SpooledWriterOptions> = {},
  random: () => number = Math.random,
): SpooledWriter {
  const opts = {
    ...DEFAULT_WRITE_QUEUE_OPTIONS,
    memoryLines: DEFAULT_MEMORY_LINES,
    probeMaxDelayMs: 5_000,
    ...options,
  };
  let spool: DiskSpool | undefined;
  let spooling = false;
  let closed = false;
  let replaying: Promise<void> | undefined;
  let cancelSleep: (() => void) | undefined;
  let waiters: Array<{ target: number; resolve: () => void }> = [];

  const settleWaiters = (all = false) => {
    const settled = spool?.position().settled ?? 0;
    const done = waiters.filter((w) => all || w.target <= settled);
    waiters = waiters.filter((w) => !done.includes(w));
    for (const w of done) w.resolve();
  };

  const toSpool = (lines: readonly string[]) => {
    if (lines.length > 0) spool!.append(lines);
  };

  const startSpooling = (why: string, first: readonly string[]) => {
    const was = spooling;
    spooling = true;
    toSpool(first);
    if (!was) {
      toSpool(queue.takeWaiting());
      events.onSpooling?.(why);
    }
    kick();
  };

  const queue = createWriteQueue(
    send,
    {
      ...events,
      spill(lines, why) {
        if (!spool) return false;
        startSpooling(why, lines);
        return true;
      },
    },
    // Before attach() (writes made before start()) the memory bound drops the oldest, as without a spool.
    { ...opts, maxPendingLines: opts.memoryLines },
    random,
  );

  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        cancelSleep = undefined;
        resolve(true);
      }, ms);
      cancelSleep = () => {
        clearTimeout(timer);
        cancelSleep = undefined;
        resolve(false);
      };
    });

  const replay = async () => {
    const s = spool!;
    let attempt = 0;
    while (!closed) {
      // Batches still on the wire were written before anything in the spool's tail.
      if (queue.pending() > 0) {
        await queue.flush();
        continue;
      }
      const batch = s.peek(opts.batchSize, opts.maxBatchBytes);
      settleWaiters();
      if (!batch) {
        spooling = false;
        events.onDrained?.();
        return;
      }
      const started = performance.now();
      try {
        const result = await send(batch.lines);
        s.ack(batch);
        attempt = 0;
        events.onWritten(result?.stored ?? batch.lines.length, (performance.now() - started) / 1000);
        events.onReplayed?.(batch.lines.length);
        settleWaiters();
      } catch (err) {
        const failure =
          err instanceof WriteFailure ? err : new WriteFailure(String(err), 'unknown', true, undefined);
        if (!failure.retryable) {
          // The sender reports refusals itself (refusal-split.ts); a raw sender's are counted here.
          events.onFailed(batch.lines, failure, undefined);
          s.ack(batch);
          settleWaiters();
          continue;
        }
        attempt++;
        const backoff = Math.min(opts.probeMaxDelayMs, opts.minRetryDelayMs * 2 ** (attempt - 1));
        const delay = failure.retryAfterMs ?? Math.round(backoff * (1 + 0.1 * random()));
        events.onFailed(batch.lines, failure, delay);
        if (!(await sleep(delay))) return;
      }
    }
  };

  function kick() {
    if (replaying || !spooling || closed || !spool) return;
    replaying = replay().finally(() => {
      replaying = undefined;
      // A line may have arrived between the last empty peek and the loop's end.
      if (spooling) kick();
    });
  }

  const flush = async () => {
    await queue.flush();
    if (!spool || closed) return;
    const target = spool.position().appended;
    if (spool.position().settled >= target) return;
    await new Promise<void>((resolve) => waiters.push({ target, resolve }));
  };

  return {
    attach(opened) {
      spool = opened;
      if (!opened.isEmpty()) startSpooling('lines left in the spool by a previous run', []);
    },

    push(line) {
      if (spool && !closed) {
        if (spooling) {
          toSpool([line]);
          return;
        }
        if (queue.pending() >= opts.memoryLines) {
          startSpooling(
            `memory queue full (${opts.memoryLines} lines): InfluxDB is slower than the input`,
            [],
          );
          toSpool([line]);
          return;
        }
      }
      queue.push(line);
    },

    flush,

    async close(timeoutMs) {
      if (!spooling) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          flush(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, timeoutMs);
          }),
        ]);
        clearTimeout(timer);
      }
      closed = true;
      cancelSleep?.();
      await replaying;
      // What the database has not taken goes to the spool (queue `spill`), not away.
      await queue.close(0);
      settleWaiters(true);
      spool?.close();
    },

    pending: () => {
      const p = spool?.position();
      return queue.pending() + (p ? p.appended - p.settled : 0);
    },
    spooling: () => spooling,
    spoolStats: () => spool?.stats(),
  };
}
