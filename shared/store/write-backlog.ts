/**
 * What lies between the InfluxDB store and InfluxDB: the points accepted by `write()` and not yet
 * stored. With `spoolDir` that is spooled-writer.ts (a small memory queue, and a disk spool for
 * what InfluxDB cannot take: down, 5xx, timeouts, or slower than the input; issue #6); without
 * it, write-queue.ts alone (in memory, bounded, the oldest dropped). Lines refused for their
 * content are isolated by refusal-split.ts so they never block the rest.
 *
 * This file owns the backlog's bookkeeping too: the store's counts (`written`, `failed`,
 * `dropped`), its Prometheus metrics (store-metrics.ts, spool gauges refreshed every second) and
 * its rate-limited log lines (a down InfluxDB must not flood the log; shared/log.ts).
 */
import type { Clock } from '../clock.ts';
import type { InfluxConfig } from '../config.ts';
import { type Logger, rateLimitedLog } from '../log.ts';
import { type DiskSpoolOptions, openDiskSpool } from './disk-spool.ts';
import type { SpoolStats, StoreStats } from './history-store.ts';
import { splittingSender } from './refusal-split.ts';
import { createSpooledWriter, type SpooledWriter, type SpooledWriterOptions } from './spooled-writer.ts';
import type { StoreMetrics } from './store-metrics.ts';
import {
  createWriteQueue,
  type WriteFailure,
  type WriteQueue,
  type WriteQueueOptions,
} from './write-queue.ts';

/** Tuning of the disk spool; defaults in spooled-writer.ts and disk-spool.ts. */
export type SpoolTuning = Partial<Pick<SpooledWriterOptions, 'memoryLines' | 'probeMaxDelayMs'>> &
  Pick<DiskSpoolOptions, 'segmentBytes' | 'flushMs' | 'fsyncMs'>;

export interface WriteBacklogOptions {
  config: Pick<InfluxConfig, 'spoolDir' | 'spoolMaxBytes'>;
  /** Where the data goes, for log lines (no credentials: influx-http.ts `safeUrl`). */
  url: string;
  logger: Logger;
  clock: Clock;
  metrics: StoreMetrics;
  queue?: Partial<WriteQueueOptions> | undefined;
  spool?: SpoolTuning | undefined;
}

export interface WriteBacklog {
  /** Queues one line of line protocol (spooled when the writer is spooling). */
  push(line: string): void;
  /** Resolves once every line pushed so far is stored or given up (waits through an outage). */
  flush(): Promise<void>;
  /**
   * Opens the disk spool when one is configured (once; later calls do nothing) and replays what a
   * previous run left in it. Throws when another process holds the directory (spool-lock.ts).
   */
  openSpool(): void;
  /** Waits up to `timeoutMs` for the backlog; then the spool keeps the rest, or it is dropped and counted. */
  close(timeoutMs: number): Promise<void>;
  pending(): number;
  /** `store.stats()`: pending and counts, plus the spool when there is one. */
  stats(): StoreStats;
  /** Counts a point given up before it reached the backlog (the store was closed). */
  lostClosed(): void;
  /** Counts (and logs, rate-limited) a point that could not be encoded as line protocol. */
  lostInvalid(error: string): void;
}

/**
 * @example
 * const backlog = createWriteBacklog(async (lines) => post(lines), {
 *   config: { spoolDir: './data/spool/ingest', spoolMaxBytes: 1 << 30 },
 *   url: 'http://127.0.0.1:8086', logger, clock: systemClock, metrics: createStoreMetrics(registry),
 * });
 * backlog.openSpool();
 * backlog.push('site_state,site=a occupancy=1 1764313200000');
 * await backlog.close(10_000); // what InfluxDB has not taken stays in the spool for the next start
 */
export function createWriteBacklog(
  send: (lines: string[]) => Promise<void>,
  options: WriteBacklogOptions,
): WriteBacklog {
  const { config, url, logger, clock, metrics } = options;
  const limited = rateLimitedLog(10_000, 5, () => clock.now());
  const counts = { written: 0, failed: 0, dropped: 0 };

  const refused = (lines: string[], failure: WriteFailure, lost: number) => {
    counts.failed += lost;
    metrics.refused.inc(lost);
    metrics.failures.inc({ reason: failure.reason });
    limited(`refused:${failure.reason}`, (suppressed) =>
      logger.error(
        { reason: failure.reason, lines: lines.length, lost, sample: lines[0]?.slice(0, 300), suppressed },
        `InfluxDB refused a write (${failure.reason}), ${lost} points lost: ${failure.message}`,
      ),
    );
  };

  const events = {
    onWritten(n: number, seconds: number) {
      counts.written += n;
      metrics.written.inc(n);
      metrics.duration.observe(seconds);
    },
    onSettled: (_pending: number) => metrics.pending.set(queue.pending()),
    onFailed(lines: string[], failure: WriteFailure, retryInMs: number | undefined, spilled?: boolean) {
      if (retryInMs !== undefined || spilled) {
        metrics.failures.inc({ reason: failure.reason });
        limited(`retry:${failure.reason}`, (suppressed) =>
          logger.warn(
            { reason: failure.reason, lines: lines.length, retryInMs, spilled, suppressed },
            spilled
              ? `InfluxDB write failed, batch kept in the disk spool: ${failure.message}`
              : `InfluxDB write failed, retrying in ${retryInMs} ms: ${failure.message}`,
          ),
        );
        return;
      }
      refused(lines, failure, lines.length);
    },
    onDropped(n: number, why: string) {
      counts.dropped += n;
      counts.failed += n;
      metrics.dropped.inc(n);
      limited('dropped', (suppressed) =>
        logger.error({ points: n, suppressed }, `History points dropped: ${why}`),
      );
    },
  };

  const sender = splittingSender(send, refused);
  const spooled: SpooledWriter | undefined = config.spoolDir
    ? createSpooledWriter(
        sender,
        {
          ...events,
          onSpooling: (why) =>
            logger.warn(
              { spoolDir: config.spoolDir },
              `InfluxDB at ${url} cannot take writes (${why}); spooling to disk, nothing is lost`,
            ),
          onDrained: () =>
            logger.info({ spoolDir: config.spoolDir }, 'Disk spool replayed; writing direct again'),
          onReplayed: (n) => metrics.spool.replayed.inc(n),
        },
        { ...options.queue, ...options.spool },
      )
    : undefined;
  const queue: Pick<WriteQueue, 'push' | 'flush' | 'close' | 'pending'> =
    spooled ?? createWriteQueue(sender, events, options.queue);

  let gaugeTimer: ReturnType<typeof setInterval> | undefined;
  const spoolStats = (): SpoolStats | undefined => {
    const s = spooled?.spoolStats();
    if (!s) return undefined;
    return {
      dir: s.dir,
      active: spooled!.spooling(),
      lines: s.lines,
      bytes: s.bytes,
      maxBytes: s.maxBytes,
      segments: s.segments,
      oldestAgeMs: s.oldestMs === undefined ? undefined : Math.max(0, clock.now() - s.oldestMs),
      dropped: s.dropped,
      replayed: s.replayed,
      corrupt: s.corrupt,
    };
  };
  const refreshSpoolGauges = () => {
    const s = spoolStats();
    if (!s) return;
    metrics.spool.bytes.set(s.bytes);
    metrics.spool.lines.set(s.lines);
    metrics.spool.segments.set(s.segments);
    metrics.spool.oldestAge.set((s.oldestAgeMs ?? 0) / 1000);
    metrics.spool.active.set(s.active ? 1 : 0);
    metrics.pending.set(queue.pending());
  };

  const openSpool = () => {
    if (!spooled || !config.spoolDir || gaugeTimer) return;
    const tuning = options.spool;
    const spool = openDiskSpool(
      {
        dir: config.spoolDir,
        maxBytes: config.spoolMaxBytes ?? 1024 ** 3,
        now: () => clock.now(),
        ...(tuning?.segmentBytes ? { segmentBytes: tuning.segmentBytes } : {}),
        ...(tuning?.flushMs ? { flushMs: tuning.flushMs } : {}),
        ...(tuning?.fsyncMs ? { fsyncMs: tuning.fsyncMs } : {}),
      },
      {
        onDropped(n, why) {
          events.onDropped(n, why);
          metrics.spool.dropped.inc(n);
        },
        onCorrupt(n, segment, why) {
          metrics.spool.corrupt.inc(n);
          logger.warn({ records: n, segment }, `Skipped damaged spool records: ${why}`);
        },
      },
    );
    const left = spool.stats();
    if (left.lines > 0)
      logger.warn(
        { spoolDir: left.dir, lines: left.lines, bytes: left.bytes },
        `Replaying ${left.lines} points a previous run left in the disk spool`,
      );
    spooled.attach(spool);
    refreshSpoolGauges();
    gaugeTimer = setInterval(refreshSpoolGauges, 1000);
    gaugeTimer.unref();
  };

  return {
    push(line) {
      queue.push(line);
      metrics.pending.set(queue.pending());
    },
    flush: () => queue.flush(),
    openSpool,
    async close(timeoutMs) {
      await queue.close(timeoutMs);
      clearInterval(gaugeTimer);
      refreshSpoolGauges();
    },
    pending: () => queue.pending(),
    stats() {
      const spool = spoolStats();
      return { pending: queue.pending(), ...counts, ...(spool ? { spool } : {}) };
    },
    lostClosed() {
      counts.failed++;
      counts.dropped++;
      metrics.dropped.inc();
    },
    lostInvalid(error) {
      counts.failed++;
      metrics.failures.inc({ reason: 'invalid-point' });
      limited('invalid-point', (suppressed) =>
        logger.warn({ suppressed }, `History point not stored: ${error}`),
      );
    },
  };
}
