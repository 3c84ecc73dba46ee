/**
 * Where readings, site state and rejected messages are kept. Two implementations behind one
 * contract (STYLE.md rule 6): InfluxDB (production; v1 and v2 write APIs, InfluxQL reads) and an
 * in-process memory store (the `npm start` default when no INFLUX_URL is set). The same
 * contract tests run against both.
 *
 * Measurements (tags are what we group by; numbers are fields; never tag a seq or a value):
 *   counts       tags site, device, kind               fields in, out, seq          time: device ts
 *   occupancy    tags site, device, kind               fields count, seq            time: device ts
 *   temperature  tags site, device, kind, type         fields celsius, seq          time: device ts
 *   position     tags site, device                     fields lat, lon, speedKmh, heading, seq
 *   status       tags site, device                     fields online, fw
 *   site_state   tags site, kind                       fields occupancy, safeCapacity, load, level
 *   rejected     tags reason, device                   fields topic, payload, error (dead letters)
 *   alarm_event  tags site, type, action               fields alarmId, severity, state, by, alarm (JSON)
 *   correction   tags site, action                     fields occupancyBefore, occupancyAfter, reason, by
 * Device-supplied timestamps make QoS 1 duplicates harmless: same series + same time overwrites.
 *
 * Field types (InfluxDB rejects a field whose type changes between writes, 1.x with a 400
 * "field type conflict"): every JS number is written as a FLOAT (no `i` suffix), even counts
 * and capacities, so `occupancy` is a float in every write from every writer; booleans as
 * booleans (`online`), strings as strings (`level`, `fw`, dead-letter `topic`/`payload`/`error`).
 * Non-finite numbers (NaN, Infinity) and null are left out of a point (line protocol has no null);
 * a point left with no field is rejected and counted. Tags with an empty value are left out.
 * Time precision is milliseconds.
 */
import type { AggregateBucket, HistoryBucket } from '../site-state.ts';

export const MEASUREMENTS = [
  'counts',
  'occupancy',
  'temperature',
  'position',
  'status',
  'site_state',
  'rejected',
  'alarm_event',
  'correction',
] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

export interface StorePoint {
  measurement: Measurement;
  tags: Record<string, string>;
  fields: Record<string, number | boolean | string>;
  /** Epoch milliseconds. */
  ts: number;
}

/**
 * Range is half-open, `fromMs <= t < toMs`. Buckets are aligned to epoch multiples of `stepMs`
 * (InfluxQL `GROUP BY time(step)` without offset), so the first bucket may start before fromMs.
 */
export interface HistoryQuery {
  siteId: string;
  fromMs: number;
  toMs: number;
  stepMs: number;
}

/** Most buckets one siteHistory() may return (a guard against `step=1ms` over a year). */
export const MAX_HISTORY_BUCKETS = 10_000;

/** A query no store can answer (bad range or step); a 400 at the HTTP boundary, not a 503. */
export class HistoryQueryError extends Error {
  override name = 'HistoryQueryError';
}

/**
 * The store cannot answer a read right now (InfluxDB unreachable, or not reached since start);
 * a 503 at the HTTP boundary. `reason` is fit for an operator's screen (no URL or credentials);
 * the message adds the details for the log.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/**
 * Throws a HistoryQueryError naming every problem when a query cannot be answered. Both stores
 * call it first, so they refuse the same queries.
 *
 * @example
 * validateHistoryQuery({ siteId: 'pasar-tos-3000', fromMs: 0, toMs: 3_600_000, stepMs: 60_000 }); // ok
 */
export function validateHistoryQuery(q: HistoryQuery): void {
  const problems = rangeProblems(q);
  if (!q.siteId) problems.push('siteId must not be empty');
  if (problems.length) throw new HistoryQueryError(`Invalid history query: ${problems.join('; ')}`);
}

function rangeProblems(q: { fromMs: number; toMs: number; stepMs: number }): string[] {
  const problems: string[] = [];
  for (const key of ['fromMs', 'toMs', 'stepMs'] as const)
    if (!Number.isSafeInteger(q[key])) problems.push(`${key} must be an integer of milliseconds`);
  if (!problems.length) {
    if (q.stepMs < 1) problems.push('stepMs must be at least 1');
    else if (q.toMs <= q.fromMs) problems.push('toMs must be after fromMs');
    else if ((q.toMs - q.fromMs) / q.stepMs > MAX_HISTORY_BUCKETS)
      problems.push(`range / step must be at most ${MAX_HISTORY_BUCKETS} buckets`);
  }
  return problems;
}

/**
 * One numeric field of one measurement in time buckets, over every series whose tags match
 * (InfluxQL `SELECT max(f), mean(f), count(f) ... GROUP BY time(step) fill(none)`). Range and
 * alignment as in HistoryQuery: half-open, buckets at epoch multiples of `stepMs`.
 */
export interface AggregateQuery {
  measurement: Measurement;
  /** A numeric field, e.g. `celsius`; non-numeric values are not counted. */
  field: string;
  /** Every given tag must match exactly; other tags are free (series are merged). */
  tags?: Record<string, string>;
  fromMs: number;
  toMs: number;
  stepMs: number;
}

/**
 * Throws a HistoryQueryError naming every problem, like validateHistoryQuery; both stores call it.
 *
 * @example
 * validateAggregateQuery({ measurement: 'temperature', field: 'celsius', tags: { site: 'mpp-batam', type: 'body' },
 *   fromMs: 0, toMs: 86_400_000, stepMs: 300_000 }); // ok
 */
export function validateAggregateQuery(q: AggregateQuery): void {
  const problems = rangeProblems(q);
  if (!(MEASUREMENTS as readonly string[]).includes(q.measurement))
    problems.push(`measurement must be one of ${MEASUREMENTS.join(', ')}`);
  if (!q.field) problems.push('field must not be empty');
  if (problems.length) throw new HistoryQueryError(`Invalid aggregate query: ${problems.join('; ')}`);
}

/** Raw points of one measurement, e.g. dead letters (`rejected`) for inspection. */
export interface PointsQuery {
  measurement: Measurement;
  /** Every given tag must match exactly; other tags are free. */
  tags?: Record<string, string>;
  /** Half-open range `fromMs <= t < toMs`. */
  fromMs: number;
  toMs: number;
  /** Newest `limit` points are returned (still oldest first); default 1,000, at most 10,000. */
  limit?: number;
}

export interface StoreStats {
  /** Points accepted by write() and not yet confirmed stored. */
  pending: number;
  written: number;
  /** Points that will never be stored: refused by the database (4xx) or dropped at a bound. */
  failed: number;
  /** The part of `failed` dropped because the in-memory backlog was full (InfluxDB down too long). */
  dropped?: number;
  /** The disk spool of the InfluxDB writer, when it has one (README "When InfluxDB is down"). */
  spool?: SpoolStats;
  /** The InfluxDB store's connection: `connecting` while InfluxDB has not answered since start. */
  connection?: StoreConnectionStats;
}

export interface StoreConnectionStats {
  /**
   * `connecting` from start() until InfluxDB first answers (API detected, v1 database created);
   * writes wait in the spool or memory meanwhile and reads fail with StoreUnavailableError.
   * Once `connected` it stays so: a later outage shows in `spool`, not here.
   */
  state: 'connecting' | 'connected';
  /** The API in use; undefined while INFLUX_API=auto has not heard from InfluxDB. */
  api: 'v1' | 'v2' | undefined;
  /** InfluxDB's version from `GET /ping`, once known. */
  version: string | undefined;
  /** Attempts that failed since start. */
  failedAttempts: number;
  /** Why the last attempt failed, while connecting. */
  lastError: string | undefined;
  /** Epoch ms when the current state began. */
  sinceMs: number;
  /** Epoch ms of the next attempt, while connecting. */
  nextAttemptAt?: number;
}

/**
 * True when history is not being stored as it arrives, though nothing is lost yet: writes wait in
 * the disk spool, or the store has not reached InfluxDB since start. `/healthz` then says
 * `degraded` (still HTTP 200: the service is alive and the live view works).
 *
 * @example storeDegraded(store.stats()) // true while InfluxDB is down and the spool fills
 */
export function storeDegraded(stats: StoreStats): boolean {
  return (
    stats.spool?.active === true || (stats.spool?.lines ?? 0) > 0 || stats.connection?.state === 'connecting'
  );
}

export interface SpoolStats {
  dir: string;
  /** True while writes go to the spool (InfluxDB down or slow) until it is replayed. */
  active: boolean;
  /** Lines on disk not yet acknowledged by InfluxDB (part of `pending`). */
  lines: number;
  bytes: number;
  maxBytes: number;
  segments: number;
  /** Age of the oldest spooled data; undefined when the spool is empty. */
  oldestAgeMs: number | undefined;
  /** Lines refused because the spool was full (counted in `dropped` too). */
  dropped: number;
  /** Lines replayed from the spool into the database. */
  replayed: number;
  /** Damaged records skipped on replay (torn by a crash); they were never acknowledged. */
  corrupt: number;
}

export interface HistoryStore {
  readonly kind: 'influx' | 'memory';
  /** Human-readable target, e.g. `InfluxDB 1.6.7 at http://...`; never contains credentials. */
  describe(): string;
  /** Connects, detects the API version, creates the database where needed. */
  start(): Promise<void>;
  /** Enqueues a point; never throws for I/O (failures are counted and retried). */
  write(point: StorePoint): void;
  /**
   * Resolves once everything written so far is stored (or refused and counted in `failed`).
   * While the database is unreachable this waits for it; use close() for a bounded wait.
   * Writes made before start() are held until start() has connected.
   */
  flush(): Promise<void>;
  /** Occupancy and safe capacity of a site in time buckets of stepMs, oldest first, empty buckets omitted. */
  siteHistory(query: HistoryQuery): Promise<HistoryBucket[]>;
  /**
   * Max, mean and count of one numeric field in time buckets of stepMs over every matching series,
   * oldest first, empty buckets omitted (e.g. body temperature of a site over all its scanners).
   */
  aggregate(query: AggregateQuery): Promise<AggregateBucket[]>;
  /** Stored points matching the query, oldest first (tests, dead-letter inspection). */
  points(query: PointsQuery): Promise<StorePoint[]>;
  stats(): StoreStats;
  /**
   * Flushes (InfluxDB: for at most `closeTimeoutMs`, default 10 s; what is left is dropped and
   * counted), then releases sockets. Writes after close are counted as failed.
   */
  close(): Promise<void>;
}
