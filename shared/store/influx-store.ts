/**
 * HistoryStore on InfluxDB (DESIGN.md "InfluxDB"). Writes go through the client's WriteApi
 * (gzip, line protocol transport) but batching, backpressure and retries are ours
 * (write-queue.ts), because the client's defaults lose data. Reads are InfluxQL on `/query`.
 *
 * API versions: `v1` posts to `/write?db=&rp=&precision=ms` (the WriteApi's public `path`) and
 * creates the database on start; `v2` uses the WriteApi as shipped (org, bucket, `Token` auth);
 * `auto` asks `GET /ping` for `X-Influxdb-Version` (1.x -> v1, 2.x and 3.x -> v2).
 *
 * With `config.spoolDir` the writer is spooled-writer.ts: what InfluxDB cannot take (down, 5xx,
 * timeouts, or slower than the input) waits in a disk spool and replays in order; without it,
 * in memory only (bounded, the oldest dropped). Lines refused for their content are isolated by
 * refusal-split.ts so they never block the rest.
 */
import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { InfluxConfig } from '../config.ts';
import { type Logger, rateLimitedLog, silentLogger } from '../log.ts';
import { type DiskSpoolOptions, openDiskSpool } from './disk-spool.ts';
import {
  type AggregateQuery,
  type HistoryStore,
  type PointsQuery,
  type StorePoint,
  validateAggregateQuery,
  validateHistoryQuery,
} from './history-store.ts';
import { createInfluxHttp, safeUrl } from './influx-http.ts';
import {
  aggregateQuery,
  type InfluxQueryResponse,
  pointsLimit,
  pointsQuery,
  quoteIdent,
  seriesOf,
  siteHistoryQuery,
  toAggregateBuckets,
  toBuckets,
  toPoints,
} from './influxql.ts';
import { toLine } from './line-protocol.ts';
import { splittingSender } from './refusal-split.ts';
import { createSpooledWriter, type SpooledWriter, type SpooledWriterOptions } from './spooled-writer.ts';
import { createStoreMetrics } from './store-metrics.ts';
import { createWriteQueue, WriteFailure, type WriteQueue, type WriteQueueOptions } from './write-queue.ts';

export interface InfluxStoreDeps {
  logger?: Logger;
  metrics?: Registry;
  clock?: Clock;
  /** Batching and backpressure; defaults: batch 5,000 lines, flush 1 s, 2 in flight, 200,000 pending. */
  queue?: Partial<WriteQueueOptions>;
  /** How long close() waits for the backlog before dropping (and reporting) it. Default 10 s. */
  closeTimeoutMs?: number;
  /** HTTP timeout per request. Default 10 s. */
  requestTimeoutMs?: number;
  /** Tuning of the disk spool (used when `config.spoolDir` is set); defaults in spooled-writer.ts and disk-spool.ts. */
  spool?: Partial<Pick<SpooledWriterOptions, 'memoryLines' | 'probeMaxDelayMs'>> &
    Pick<DiskSpoolOptions, 'segmentBytes' | 'flushMs' | 'fsyncMs'>;
}

export interface InfluxStore extends HistoryStore {
  readonly kind: 'influx';
  /** The API in use once started (`auto` resolved). */
  api(): 'v1' | 'v2' | undefined;
}

/** `1.6.7` -> v1; `v2.7.1`, `2.7.1`, `3.0.0` -> v2. */
export function apiForVersion(version: string): 'v1' | 'v2' {
  const major = Number(/^v?(\d+)/.exec(version.trim())?.[1]);
  if (!Number.isFinite(major)) throw new Error(`Cannot read the InfluxDB version '${version}'`);
  return major <= 1 ? 'v1' : 'v2';
}

/** `Retry-After` is delta-SECONDS or an HTTP date (RFC 9110 §10.2.3); client 1.35 reads it as ms. */
export function retryAfterMs(header: unknown, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  // A server asking for more than 5 minutes is capped: we would rather probe again.
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 300_000) : undefined;
}

function toFailure(err: unknown, now: number): WriteFailure {
  if (err instanceof HttpError) {
    const status = err.statusCode;
    // 408/429/5xx: the server is busy or down, the data is fine. Any other 4xx will fail again.
    const retryable = status === 408 || status === 429 || status >= 500;
    return new WriteFailure(
      err.message.slice(0, 500),
      String(status),
      retryable,
      retryable ? retryAfterMs(err.headers?.['retry-after'], now) : undefined,
    );
  }
  const code = (err as { code?: unknown })?.code;
  const reason = typeof code === 'string' ? code : ((err as Error)?.name ?? 'error');
  return new WriteFailure(String((err as Error)?.message ?? err), reason, true);
}

/**
 * @example
 * const store = createInfluxStore(
 *   { url: 'http://127.0.0.1:8086', token: undefined, org: 'jagajarak', bucket: 'jagajarak',
 *     database: 'jagajarak', retentionPolicy: undefined, api: 'auto' },
 *   { logger },
 * );
 * await store.start();
 * store.write({ measurement: 'site_state', tags: { site: 'pasar-tos-3000', kind: 'market' },
 *   fields: { occupancy: 120, safeCapacity: 300, load: 0.4, level: 'ok' }, ts: Date.now() });
 * await store.close();
 */
export function createInfluxStore(config: InfluxConfig, deps: InfluxStoreDeps = {}): InfluxStore {
  const logger = (deps.logger ?? silentLogger).child({ component: 'influx-store' });
  const clock = deps.clock ?? systemClock;
  const metrics = createStoreMetrics(deps.metrics ?? new Registry());
  const maxInFlight = deps.queue?.maxInFlight ?? 2;
  const http = createInfluxHttp(config, maxInFlight, deps.requestTimeoutMs);
  const limited = rateLimitedLog(10_000, 5, () => clock.now());
  const url = safeUrl(config.url);

  let api: 'v1' | 'v2' | undefined = config.api === 'auto' ? undefined : config.api;
  let version: string | undefined;
  let writeApi: WriteApi | undefined;
  let closed = false;
  const counts = { written: 0, failed: 0, dropped: 0 };
  let resolveReady!: (w: WriteApi) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<WriteApi>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);

  const send = async (lines: string[]) => {
    try {
      const w = await ready;
      // One WriteApi serves every in-flight batch: writeRecords + flush hand exactly these lines
      // to one request synchronously (its batchSize is above ours, its timer is off).
      w.writeRecords(lines);
      await w.flush();
    } catch (err) {
      throw err instanceof WriteFailure ? err : toFailure(err, clock.now());
    }
  };

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
        { ...deps.queue, ...deps.spool },
      )
    : undefined;
  const queue: Pick<WriteQueue, 'push' | 'flush' | 'close' | 'pending'> =
    spooled ?? createWriteQueue(sender, events, deps.queue);

  let gaugeTimer: ReturnType<typeof setInterval> | undefined;
  const spoolStats = () => {
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
    if (!spooled || !config.spoolDir) return;
    const spool = openDiskSpool(
      {
        dir: config.spoolDir,
        maxBytes: config.spoolMaxBytes ?? 1024 ** 3,
        now: () => clock.now(),
        ...(deps.spool?.segmentBytes ? { segmentBytes: deps.spool.segmentBytes } : {}),
        ...(deps.spool?.flushMs ? { flushMs: deps.spool.flushMs } : {}),
        ...(deps.spool?.fsyncMs ? { fsyncMs: deps.spool.fsyncMs } : {}),
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

  const query = async (q: string, method: 'GET' | 'POST' = 'GET') => {
    const params = new URLSearchParams({ db: config.database, epoch: 'ms', q });
    if (config.retentionPolicy) params.set('rp', config.retentionPolicy);
    const answer = await http.request(method, `/query?${params}`, api ?? 'v1');
    let body: InfluxQueryResponse;
    try {
      body = JSON.parse(answer.body) as InfluxQueryResponse;
    } catch {
      throw new Error(`InfluxDB ${url} answered ${answer.status} to a query: ${answer.body.slice(0, 200)}`);
    }
    if (answer.status >= 300 && !body.error)
      throw new Error(`InfluxDB ${url} answered ${answer.status} to a query`);
    return seriesOf(body, q);
  };

  const ping = async () => {
    const answer = await http.request('GET', '/ping', 'v1');
    const header = answer.headers['x-influxdb-version'];
    const fromBody = (() => {
      try {
        return (JSON.parse(answer.body) as { version?: string }).version;
      } catch {
        return undefined;
      }
    })();
    return (Array.isArray(header) ? header[0] : header) ?? fromBody;
  };

  const writeApiFor = (resolved: 'v1' | 'v2'): WriteApi => {
    const auth = http.authorization(resolved);
    const batchSize = (deps.queue?.batchSize ?? 5_000) + 1;
    const influx = new InfluxDB({
      url,
      ...(resolved === 'v2' && config.token ? { token: config.token } : {}),
      ...(resolved === 'v1' && auth ? { headers: { authorization: auth } } : {}),
      timeout: deps.requestTimeoutMs ?? 10_000,
      transportOptions: { agent: http.agent },
    });
    const w = influx.getWriteApi(config.org, config.bucket, 'ms', {
      batchSize,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      gzipThreshold: 1_000,
      // Hand every failure to our queue: the client would drop a 4xx silently and read
      // Retry-After as milliseconds.
      writeFailed: (error: Error) => Promise.reject(error),
    });
    if (resolved === 'v1') {
      const params = new URLSearchParams({ db: config.database, precision: 'ms' });
      if (config.retentionPolicy) params.set('rp', config.retentionPolicy);
      w.path = `/write?${params}`;
    }
    return w;
  };

  async function close() {
    if (closed) return;
    closed = true;
    if (!writeApi) rejectReady(new WriteFailure('store closed before start()', 'not-started', false));
    await queue.close(writeApi ? (deps.closeTimeoutMs ?? 10_000) : 0);
    clearInterval(gaugeTimer);
    refreshSpoolGauges();
    await writeApi?.close().catch(() => undefined);
    http.close();
  }

  const connect = async (): Promise<'v1' | 'v2'> => {
    try {
      version = await ping();
    } catch (err) {
      if (!api) throw new Error(`InfluxDB at ${url} did not answer GET /ping: ${(err as Error).message}`);
      logger.warn({ err }, `InfluxDB at ${url} did not answer GET /ping; writes will retry`);
    }
    if (!api) {
      if (!version) throw new Error(`InfluxDB at ${url} sent no X-Influxdb-Version on GET /ping`);
      api = apiForVersion(version);
    }
    return api;
  };

  const describe = () => {
    const where = api === 'v2' ? `org ${config.org}, bucket ${config.bucket}` : `database ${config.database}`;
    return `InfluxDB${version ? ` ${version}` : ''} (${api ?? config.api} API) at ${url}, ${where}`;
  };

  return {
    kind: 'influx',
    api: () => api,
    describe,

    async start() {
      if (writeApi) return;
      // First, so a spool directory another process holds fails the start at once.
      if (!gaugeTimer) openSpool();
      let resolved: 'v1' | 'v2';
      try {
        resolved = await connect();
      } catch (err) {
        // Release the spool (its lock) so a retry or another process can take it.
        if (spooled) await close();
        throw err;
      }
      if (resolved === 'v1') {
        try {
          await query(`CREATE DATABASE ${quoteIdent(config.database)}`, 'POST');
        } catch (err) {
          // Without admin rights the database must already exist; writes will tell if it does not.
          logger.warn({ err }, `Could not create InfluxDB database ${config.database}`);
        }
      }
      writeApi = writeApiFor(resolved);
      resolveReady(writeApi);
      logger.info(`History store: ${describe()}`);
    },

    write(point: StorePoint) {
      if (closed) {
        counts.failed++;
        counts.dropped++;
        metrics.dropped.inc();
        return;
      }
      const encoded = toLine(point);
      if (!encoded.ok) {
        counts.failed++;
        metrics.failures.inc({ reason: 'invalid-point' });
        limited('invalid-point', (suppressed) =>
          logger.warn({ suppressed }, `History point not stored: ${encoded.error}`),
        );
        return;
      }
      queue.push(encoded.line);
      metrics.pending.set(queue.pending());
    },

    flush: () => queue.flush(),

    async siteHistory(q) {
      validateHistoryQuery(q);
      return toBuckets(await query(siteHistoryQuery(q)));
    },

    async aggregate(q: AggregateQuery) {
      validateAggregateQuery(q);
      return toAggregateBuckets(await query(aggregateQuery(q)));
    },

    async points(q: PointsQuery) {
      return toPoints(q.measurement, await query(pointsQuery(q)), pointsLimit(q.limit));
    },

    stats() {
      const spool = spoolStats();
      return { pending: queue.pending(), ...counts, ...(spool ? { spool } : {}) };
    },

    close,
  };
}
