/**
 * HistoryStore on InfluxDB (DESIGN.md "InfluxDB"). Writes go through the client's WriteApi
 * (gzip, line protocol transport) but batching, backpressure, retries and the disk spool are ours
 * (write-backlog.ts), because the client's defaults lose data. Reads are InfluxQL on `/query`.
 *
 * API versions: `v1` posts to `/write?db=&rp=&precision=ms` (the WriteApi's public `path`) and
 * creates the database; `v2` uses the WriteApi as shipped (org, bucket, `Token` auth); `auto`
 * asks `GET /ping` for `X-Influxdb-Version` (influx-connection.ts). start() does not wait for a
 * down InfluxDB: it is tried again in the background, writes wait in the backlog meanwhile (the
 * disk spool when configured), and reads fail with StoreUnavailableError until it has answered.
 */
import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { InfluxConfig } from '../config.ts';
import { type Logger, silentLogger } from '../log.ts';
import {
  type AggregateQuery,
  type HistoryStore,
  type PointsQuery,
  type StorePoint,
  StoreUnavailableError,
  validateAggregateQuery,
  validateHistoryQuery,
} from './history-store.ts';
import {
  type ConnectRetryOptions,
  createInfluxConnection,
  type InfluxApi,
  queryPath,
} from './influx-connection.ts';
import { createInfluxHttp, type HttpAnswer, safeUrl } from './influx-http.ts';
import {
  aggregateQuery,
  type InfluxQueryResponse,
  pointsLimit,
  pointsQuery,
  seriesOf,
  siteHistoryQuery,
  toAggregateBuckets,
  toBuckets,
  toPoints,
} from './influxql.ts';
import { toLine } from './line-protocol.ts';
import { createStoreMetrics } from './store-metrics.ts';
import { createWriteBacklog, type SpoolTuning } from './write-backlog.ts';
import { WriteFailure, type WriteQueueOptions } from './write-queue.ts';

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
  spool?: SpoolTuning;
  /** Backoff of the background attempts when InfluxDB is down at start; default 1 s doubling to 15 s. */
  connectRetry?: Partial<ConnectRetryOptions>;
}

export interface InfluxStore extends HistoryStore {
  readonly kind: 'influx';
  /** The API in use: the configured one, or with `auto` the detected one once InfluxDB answered. */
  api(): InfluxApi | undefined;
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
 * await store.start(); // resolves even while InfluxDB is down (stats().connection says so)
 * store.write({ measurement: 'site_state', tags: { site: 'pasar-tos-3000', kind: 'market' },
 *   fields: { occupancy: 120, safeCapacity: 300, load: 0.4, level: 'ok' }, ts: Date.now() });
 * await store.close();
 */
export function createInfluxStore(config: InfluxConfig, deps: InfluxStoreDeps = {}): InfluxStore {
  const logger = (deps.logger ?? silentLogger).child({ component: 'influx-store' });
  const clock = deps.clock ?? systemClock;
  const metrics = createStoreMetrics(deps.metrics ?? new Registry());
  const http = createInfluxHttp(config, deps.queue?.maxInFlight ?? 2, deps.requestTimeoutMs);
  const url = safeUrl(config.url);

  let writeApi: WriteApi | undefined;
  let startedOnce = false;
  let closed = false;
  // Writes made before start() wait for its first attempt to reach InfluxDB (HistoryStore.flush).
  let attempted!: () => void;
  let closedUnstarted!: (e: Error) => void;
  const firstAttempt = new Promise<void>((resolve, reject) => {
    attempted = resolve;
    closedUnstarted = reject;
  });
  firstAttempt.catch(() => undefined);

  const send = async (lines: string[]) => {
    try {
      await firstAttempt;
      // A retryable failure: the backlog keeps the batch (spool or memory) and tries again.
      if (!writeApi)
        throw new WriteFailure(`InfluxDB at ${url} has not answered since start`, 'not-connected', true);
      // One WriteApi serves every in-flight batch: writeRecords + flush hand exactly these lines
      // to one request synchronously (its batchSize is above ours, its timer is off).
      writeApi.writeRecords(lines);
      await writeApi.flush();
    } catch (err) {
      throw err instanceof WriteFailure ? err : toFailure(err, clock.now());
    }
  };

  const backlog = createWriteBacklog(send, {
    config,
    url,
    logger,
    clock,
    metrics,
    queue: deps.queue,
    spool: deps.spool,
  });

  const writeApiFor = (resolved: InfluxApi): WriteApi => {
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

  const connection = createInfluxConnection({
    config,
    http,
    url,
    logger,
    clock,
    metrics,
    holding: config.spoolDir ? `the disk spool (${config.spoolDir})` : 'memory (no disk spool)',
    retry: deps.connectRetry,
    onConnected(api) {
      writeApi = writeApiFor(api);
      logger.info(`History store: ${describe()}`);
    },
  });

  const query = async (q: string) => {
    if (!connection.connected())
      throw new StoreUnavailableError(
        `InfluxDB at ${url} has not answered since start${connection.api() ? '' : ' (INFLUX_API=auto: API not detected yet)'}; history cannot be read yet`,
        'the history database has not been reached since start',
      );
    let answer: HttpAnswer;
    try {
      answer = await http.request('GET', queryPath(config, q), connection.api()!);
    } catch (err) {
      throw new StoreUnavailableError(
        `InfluxDB at ${url} did not answer a query: ${(err as Error).message}`,
        'the history database does not answer',
      );
    }
    if (answer.status >= 500)
      throw new StoreUnavailableError(
        `InfluxDB at ${url} answered ${answer.status} to a query: ${answer.body.slice(0, 200)}`,
        `the history database answered ${answer.status}`,
      );
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

  async function close() {
    if (closed) return;
    closed = true;
    connection.close();
    if (!startedOnce) closedUnstarted(new WriteFailure('store closed before start()', 'not-started', false));
    await backlog.close(writeApi ? (deps.closeTimeoutMs ?? 10_000) : 0);
    await writeApi?.close().catch(() => undefined);
    http.close();
  }

  function describe() {
    const api = connection.api();
    const version = connection.version();
    const where = api === 'v2' ? `org ${config.org}, bucket ${config.bucket}` : `database ${config.database}`;
    const reached = startedOnce && !connection.connected() ? ' (not reached yet)' : '';
    return `InfluxDB${version ? ` ${version}` : ''} (${api ?? config.api} API) at ${url}, ${where}${reached}`;
  }

  return {
    kind: 'influx',
    api: () => connection.api(),
    describe,

    async start() {
      if (startedOnce || closed) return;
      // First, so a spool directory another process holds fails the start at once.
      backlog.openSpool();
      try {
        await connection.open();
      } catch (err) {
        // Release the spool (its lock) so a retry or another process can take it.
        if (config.spoolDir) await close();
        throw err;
      }
      startedOnce = true;
      attempted();
    },

    write(point: StorePoint) {
      if (closed) {
        backlog.lostClosed();
        return;
      }
      const encoded = toLine(point);
      if (!encoded.ok) {
        backlog.lostInvalid(encoded.error);
        return;
      }
      backlog.push(encoded.line);
    },

    flush: () => backlog.flush(),

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

    stats: () => ({ ...backlog.stats(), connection: connection.stats() }),

    close,
  };
}
