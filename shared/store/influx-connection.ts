/**
 * Reaching InfluxDB before the first write: which API it speaks and, for v1, that the database
 * exists (DESIGN.md "InfluxDB": "chosen by config or detected from `GET /ping`").
 *
 * One attempt is `GET /ping` (its `X-Influxdb-Version` picks the API when INFLUX_API=auto: 1.x ->
 * v1, 2.x and 3.x -> v2) and then, for v1, `CREATE DATABASE` (idempotent). When InfluxDB is down
 * at start (no answer, a timeout or a 5xx), the service starts anyway: the attempt is repeated in
 * the background with a capped exponential backoff until InfluxDB answers, and writes wait
 * meanwhile in the disk spool (or memory) like during any other outage (issue #6: the spool
 * exists so that an InfluxDB outage loses nothing; a service that refuses to start loses what
 * devices send meanwhile). The database is created only after InfluxDB answered, and writes are
 * held until then: a v1 write to a database that does not exist yet is refused (404) and lost.
 *
 * An answer without a version while INFLUX_API=auto is not an outage but a wrong INFLUX_URL
 * (something else answers there): the first attempt fails the start with that message.
 */
import type { Clock } from '../clock.ts';
import type { InfluxConfig } from '../config.ts';
import { type Logger, rateLimitedLog } from '../log.ts';
import type { StoreConnectionStats } from './history-store.ts';
import type { HttpAnswer, InfluxHttp } from './influx-http.ts';
import { quoteIdent } from './influxql.ts';
import type { StoreMetrics } from './store-metrics.ts';

export type InfluxApi = 'v1' | 'v2';

/** `1.6.7` -> v1; `v2.7.1`, `2.7.1`, `3.0.0` -> v2. */
export function apiForVersion(version: string): InfluxApi {
  const major = Number(/^v?(\d+)/.exec(version.trim())?.[1]);
  if (!Number.isFinite(major)) throw new Error(`Cannot read the InfluxDB version '${version}'`);
  return major <= 1 ? 'v1' : 'v2';
}

/**
 * `/query?db=&epoch=ms&q=` (plus `rp` when configured) for an InfluxQL statement.
 *
 * @example queryPath(config, 'SHOW DATABASES') // '/query?db=jagajarak&epoch=ms&q=SHOW+DATABASES'
 */
export function queryPath(config: Pick<InfluxConfig, 'database' | 'retentionPolicy'>, q: string): string {
  const params = new URLSearchParams({ db: config.database, epoch: 'ms', q });
  if (config.retentionPolicy) params.set('rp', config.retentionPolicy);
  return `/query?${params}`;
}

export interface ConnectRetryOptions {
  /** First wait after a failed attempt. Default 1 s. */
  minDelayMs: number;
  /** Longest wait between two attempts. Default 15 s. */
  maxDelayMs: number;
}

export interface InfluxConnectionOptions {
  config: InfluxConfig;
  http: InfluxHttp;
  /** InfluxDB's URL without credentials, for log lines. */
  url: string;
  logger: Logger;
  clock: Clock;
  metrics: StoreMetrics;
  /** Where writes wait while InfluxDB is not reached, for the log: `the disk spool (./data/spool/ingest)`. */
  holding: string;
  /** Called once, when InfluxDB has answered and the API is known. */
  onConnected(api: InfluxApi): void;
  retry?: Partial<ConnectRetryOptions> | undefined;
  random?: () => number;
}

export interface InfluxConnection {
  /**
   * The first attempt. Resolves true when InfluxDB answered, false when it did not (attempts then
   * go on in the background until one succeeds or close()). Rejects when the answer shows a
   * misconfiguration (INFLUX_API=auto and no version in it).
   */
  open(): Promise<boolean>;
  connected(): boolean;
  /** The configured API, or the detected one; undefined while `auto` has not heard from InfluxDB. */
  api(): InfluxApi | undefined;
  version(): string | undefined;
  stats(): StoreConnectionStats;
  /** Stops the background attempts. */
  close(): void;
}

/** Not an outage: InfluxDB (or whatever is at INFLUX_URL) answered, but not usably. */
class MisconfiguredError extends Error {
  override name = 'MisconfiguredError';
}

const versionOf = (answer: HttpAnswer): string | undefined => {
  const header = answer.headers['x-influxdb-version'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return fromHeader;
  try {
    return (JSON.parse(answer.body) as { version?: string }).version;
  } catch {
    return undefined;
  }
};

/** The error of a `/query` answer (HTTP status, or InfluxQL's own `error` fields), if any. */
const statementError = (answer: HttpAnswer): string | undefined => {
  try {
    const body = JSON.parse(answer.body) as { error?: string; results?: Array<{ error?: string }> };
    const error = body.error ?? body.results?.[0]?.error;
    if (error) return error;
  } catch {
    // not JSON: the status decides
  }
  return answer.status >= 300 ? `HTTP ${answer.status} ${answer.body.slice(0, 200)}` : undefined;
};

/**
 * @example
 * const connection = createInfluxConnection({ config, http, url, logger, clock, metrics,
 *   holding: 'memory', onConnected: (api) => startWriting(api) });
 * if (!(await connection.open())) logger.warn('InfluxDB not reached yet; retrying in the background');
 * connection.close();
 */
export function createInfluxConnection(options: InfluxConnectionOptions): InfluxConnection {
  const { config, http, url, logger, clock, metrics } = options;
  const retry = { minDelayMs: 1_000, maxDelayMs: 15_000, ...options.retry };
  const random = options.random ?? Math.random;
  const limited = rateLimitedLog(60_000, 1, () => clock.now());
  let api: InfluxApi | undefined = config.api === 'auto' ? undefined : config.api;
  let version: string | undefined;
  let connected = false;
  let closed = false;
  let failedAttempts = 0;
  let lastError: string | undefined;
  let sinceMs = clock.now();
  let nextAttemptAt: number | undefined;
  let cancelSleep: (() => void) | undefined;

  const attempt = async (): Promise<void> => {
    const ping = await http.request('GET', '/ping', 'v1');
    if (ping.status >= 500) throw new Error(`GET /ping answered ${ping.status}`);
    version = versionOf(ping) ?? version;
    if (config.api === 'auto') {
      if (!version)
        throw new MisconfiguredError(`InfluxDB at ${url} sent no X-Influxdb-Version on GET /ping`);
      api = apiForVersion(version);
    }
    if (api === 'v1') {
      const created = await http.request(
        'POST',
        queryPath(config, `CREATE DATABASE ${quoteIdent(config.database)}`),
        'v1',
      );
      if (created.status >= 500) throw new Error(`CREATE DATABASE answered ${created.status}`);
      const error = statementError(created);
      // Without admin rights the database must already exist; writes will tell if it does not.
      if (error)
        logger.warn(
          { status: created.status },
          `Could not create InfluxDB database ${config.database}: ${error}`,
        );
    }
  };

  const succeeded = () => {
    connected = true;
    nextAttemptAt = undefined;
    lastError = undefined;
    metrics.connecting.set(0);
    if (failedAttempts > 0)
      logger.info(
        { failedAttempts, waitedMs: clock.now() - sinceMs },
        `InfluxDB at ${url} answered after ${failedAttempts} failed attempts; history writes resume`,
      );
    sinceMs = clock.now();
    options.onConnected(api!);
  };

  const failed = (err: unknown) => {
    failedAttempts++;
    lastError = (err as Error)?.message ?? String(err);
    metrics.connectFailures.inc();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        cancelSleep = undefined;
        resolve();
      }, ms);
      timer.unref();
      cancelSleep = () => {
        clearTimeout(timer);
        cancelSleep = undefined;
        resolve();
      };
    });

  const keepTrying = async () => {
    for (let n = 1; !closed; n++) {
      const base = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** (n - 1));
      // Jitter spreads the attempts of several services waiting for the same InfluxDB.
      const delay = Math.round(base * (1 + 0.1 * random()));
      nextAttemptAt = clock.now() + delay;
      await sleep(delay);
      if (closed) return;
      try {
        await attempt();
        if (closed) return;
        succeeded();
        return;
      } catch (err) {
        if (closed) return;
        failed(err);
        limited('connect', (suppressed) =>
          (err instanceof MisconfiguredError ? logger.error : logger.warn).call(
            logger,
            { failedAttempts, suppressed },
            `InfluxDB at ${url} still not reached after ${failedAttempts} attempts (${lastError}); history writes wait in ${options.holding}`,
          ),
        );
      }
    }
  };

  return {
    async open() {
      sinceMs = clock.now();
      try {
        await attempt();
      } catch (err) {
        if (err instanceof MisconfiguredError) throw err;
        failed(err);
        metrics.connecting.set(1);
        const detect = config.api === 'auto' ? '; the API (INFLUX_API=auto) is picked when it answers' : '';
        logger.warn(
          { err },
          `InfluxDB at ${url} did not answer (${lastError}); starting anyway: history writes wait in ${options.holding}${detect}, and InfluxDB is tried again in the background`,
        );
        keepTrying().catch((e: unknown) => logger.error({ err: e }, 'Reconnecting to InfluxDB failed'));
        return false;
      }
      succeeded();
      return true;
    },
    connected: () => connected,
    api: () => api,
    version: () => version,
    stats: () => ({
      state: connected ? 'connected' : 'connecting',
      api,
      version,
      failedAttempts,
      lastError,
      sinceMs,
      ...(nextAttemptAt === undefined ? {} : { nextAttemptAt }),
    }),
    close() {
      closed = true;
      nextAttemptAt = undefined;
      cancelSleep?.();
    },
  };
}
