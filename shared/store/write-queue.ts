/**
 * Bounded batching queue in front of a batch sender (the InfluxDB WriteApi). Exists because the
 * client's own buffering is wrong for us (DESIGN.md "InfluxDB", "Known traps"): it flushes every
 * 60 s, sends with unbounded concurrency, drops 4xx other than 429 silently, reads `Retry-After`
 * as milliseconds (1.35: a 503 with `Retry-After: 5` burned all retries in 0.3 s) and its retry
 * buffer drops the oldest lines without telling anyone. Here:
 *   - lines are cut into batches of `batchSize` (or `maxBatchBytes`) or after `flushIntervalMs`;
 *   - at most `maxInFlight` batches are being sent or retried at once; the rest wait in order;
 *   - a retryable failure keeps its batch and retries after `Retry-After` (seconds) or an
 *     exponential backoff, for as long as the queue is open: data is never given up while the
 *     database is merely down;
 *   - a permanent failure (a 4xx other than 429) is reported through `onFailed`, never silent;
 *   - what waits is bounded by `maxPendingLines`: past it the OLDEST waiting batch is dropped and
 *     reported through `onDropped`.
 * With a disk spool (spooled-writer.ts) the queue is the fast path only: given `spill`, a batch
 * that fails retryably, or is left when the queue closes, is handed to `spill` instead of being
 * retried in memory or dropped, and `takeWaiting()` hands over what has not been sent yet.
 */

export interface WriteQueueOptions {
  batchSize: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  maxInFlight: number;
  maxPendingLines: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
}

export const DEFAULT_WRITE_QUEUE_OPTIONS: WriteQueueOptions = {
  batchSize: 5_000,
  // InfluxDB 1.x's default max-body-size is 25 MB; stay far below it.
  maxBatchBytes: 8 * 1024 * 1024,
  flushIntervalMs: 1_000,
  maxInFlight: 2,
  maxPendingLines: 200_000,
  minRetryDelayMs: 1_000,
  maxRetryDelayMs: 30_000,
};

/** How the sender reports a failed batch. */
export class WriteFailure extends Error {
  override name = 'WriteFailure';
  constructor(
    message: string,
    /** Metric label: the HTTP status (`503`) or a network code (`ECONNREFUSED`). */
    readonly reason: string,
    readonly retryable: boolean,
    /** Server-requested delay (already converted from seconds), if any. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface WriteQueueEvents {
  onWritten(lines: number, seconds: number): void;
  /** A batch failed; `retryInMs` is set when it will be retried, `spilled` when `spill` took it. */
  onFailed(lines: string[], failure: WriteFailure, retryInMs: number | undefined, spilled?: boolean): void;
  onDropped(lines: number, why: string): void;
  /**
   * Takes a batch the queue would otherwise retry in memory or drop (a retryable failure, or the
   * queue closing); returns false when it could not (the queue then retries or drops as usual).
   */
  spill?(lines: string[], why: string): boolean;
  /** After any change of `pending()` other than a push (for a gauge). */
  onSettled?(pending: number): void;
}

interface Batch {
  lines: string[];
  bytes: number;
  firstSeq: number;
}

export interface WriteQueue {
  push(line: string): void;
  /** Resolves when every line pushed before the call is written or has failed permanently. */
  flush(): Promise<void>;
  /** Flushes for at most `timeoutMs`, then drops what is left (reported) and stops retrying. */
  close(timeoutMs: number): Promise<void>;
  pending(): number;
  /** Batches sent and not yet answered (or waiting to retry). */
  inFlight(): number;
  /** Removes and returns the lines not yet sent, oldest first (they leave `pending()`). */
  takeWaiting(): string[];
}

/** What a sender may report: fewer lines stored than sent (the rest refused and reported by it). */
// biome-ignore lint/suspicious/noConfusingVoidType: a plain `async (lines) => { ... }` sender (Promise<void>) must fit
export type SendResult = void | { stored: number };

/**
 * @example
 * const queue = createWriteQueue(async (lines) => post(lines.join('\n')), events, { maxInFlight: 2 });
 * queue.push('site_state,site=a occupancy=3 1764313200000');
 * await queue.flush();
 */
export function createWriteQueue(
  send: (lines: string[]) => Promise<SendResult>,
  events: WriteQueueEvents,
  options: Partial<WriteQueueOptions> = {},
  random: () => number = Math.random,
): WriteQueue {
  const opts = { ...DEFAULT_WRITE_QUEUE_OPTIONS, ...options };
  let seq = 0;
  let current: Batch | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const ready: Batch[] = [];
  const active = new Map<Batch, Promise<void>>();
  const sleeps = new Map<ReturnType<typeof setTimeout>, () => void>();
  let waiters: Array<{ seq: number; resolve: () => void }> = [];
  let pendingLines = 0;
  let closed = false;

  const seal = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (current) ready.push(current);
    current = undefined;
  };

  const settle = (batch: Batch) => {
    pendingLines -= batch.lines.length;
    const oldest = Math.min(
      current?.firstSeq ?? Number.POSITIVE_INFINITY,
      ready[0]?.firstSeq ?? Number.POSITIVE_INFINITY,
      ...[...active.keys()].map((b) => b.firstSeq),
    );
    const done = waiters.filter((w) => w.seq < oldest);
    waiters = waiters.filter((w) => w.seq >= oldest);
    for (const w of done) w.resolve();
    events.onSettled?.(pendingLines);
  };

  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        sleeps.delete(timer);
        resolve(true);
      }, ms);
      sleeps.set(timer, () => resolve(false));
    });

  const backoff = (attempt: number) => {
    const base = Math.min(opts.maxRetryDelayMs, opts.minRetryDelayMs * 2 ** (attempt - 1));
    // Jitter spreads the retries of several writers hitting one recovering server.
    return Math.round(base * (1 + 0.1 * random()));
  };

  const run = async (batch: Batch) => {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const result = await send(batch.lines);
        events.onWritten(result?.stored ?? batch.lines.length, (performance.now() - started) / 1000);
        return;
      } catch (err) {
        const failure =
          err instanceof WriteFailure ? err : new WriteFailure(String(err), 'unknown', true, undefined);
        if (!failure.retryable) {
          events.onFailed(batch.lines, failure, undefined);
          return;
        }
        if (events.spill?.(batch.lines, failure.message)) {
          events.onFailed(batch.lines, failure, undefined, true);
          return;
        }
        if (closed) {
          events.onDropped(batch.lines.length, `store closed while retrying: ${failure.message}`);
          return;
        }
        const delay = failure.retryAfterMs ?? backoff(attempt);
        events.onFailed(batch.lines, failure, delay);
        if (!(await sleep(delay))) {
          if (events.spill?.(batch.lines, 'store closed while retrying')) return;
          events.onDropped(batch.lines.length, `store closed while retrying: ${failure.message}`);
          return;
        }
      }
    }
  };

  const pump = () => {
    while (active.size < opts.maxInFlight && ready.length > 0) {
      const batch = ready.shift()!;
      active.set(
        batch,
        run(batch).finally(() => {
          active.delete(batch);
          settle(batch);
          pump();
        }),
      );
    }
  };

  const push = (line: string) => {
    const bytes = Buffer.byteLength(line) + 1;
    if (current && current.bytes + bytes > opts.maxBatchBytes) {
      seal();
      pump();
    }
    if (pendingLines >= opts.maxPendingLines) {
      const oldest = ready.shift();
      if (oldest) {
        events.onDropped(oldest.lines.length, `backlog full (${opts.maxPendingLines} lines)`);
        settle(oldest);
      } else {
        events.onDropped(1, `backlog full (${opts.maxPendingLines} lines)`);
        return;
      }
    }
    seq++;
    pendingLines++;
    if (!current) {
      current = { lines: [], bytes: 0, firstSeq: seq };
      if (!closed)
        flushTimer = setTimeout(() => {
          seal();
          pump();
        }, opts.flushIntervalMs);
    }
    current.lines.push(line);
    current.bytes += bytes;
    if (current.lines.length >= opts.batchSize) {
      seal();
      pump();
    }
  };

  const flush = () => {
    seal();
    pump();
    if (pendingLines === 0) return Promise.resolve();
    return new Promise<void>((resolve) => waiters.push({ seq, resolve }));
  };

  const close = async (timeoutMs: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([flush(), timedOut]);
    clearTimeout(timer);
    closed = true;
    seal();
    const left = ready.splice(0);
    for (const batch of left) {
      if (!events.spill?.(batch.lines, 'store closed'))
        events.onDropped(batch.lines.length, 'store closed before the database took it');
      settle(batch);
    }
    for (const [t, cancel] of sleeps) {
      clearTimeout(t);
      cancel();
    }
    sleeps.clear();
    // Requests on the wire end within the HTTP timeout; wait so their outcome is counted.
    await Promise.all(active.values());
  };

  const takeWaiting = () => {
    seal();
    const lines = ready.splice(0).flatMap((batch) => {
      pendingLines -= batch.lines.length;
      return batch.lines;
    });
    // Waiters whose lines were all taken are settled as far as this queue is concerned.
    const oldest = Math.min(Number.POSITIVE_INFINITY, ...[...active.keys()].map((b) => b.firstSeq));
    const done = waiters.filter((w) => w.seq < oldest);
    waiters = waiters.filter((w) => w.seq >= oldest);
    for (const w of done) w.resolve();
    events.onSettled?.(pendingLines);
    return lines;
  };

  return {
    push,
    flush,
    close,
    pending: () => pendingLines,
    inFlight: () => active.size,
    takeWaiting,
  };
}
