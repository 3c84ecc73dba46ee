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
 * Device-supplied timestamps make QoS 1 duplicates harmless: same series + same time overwrites.
 */
import type { HistoryBucket } from '../site-state.ts';

export const MEASUREMENTS = [
  'counts',
  'occupancy',
  'temperature',
  'position',
  'status',
  'site_state',
  'rejected',
] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

export interface StorePoint {
  measurement: Measurement;
  tags: Record<string, string>;
  fields: Record<string, number | boolean | string>;
  /** Epoch milliseconds. */
  ts: number;
}

export interface HistoryQuery {
  siteId: string;
  fromMs: number;
  toMs: number;
  stepMs: number;
}

export interface StoreStats {
  /** Points accepted by write() and not yet confirmed stored. */
  pending: number;
  written: number;
  failed: number;
}

export interface HistoryStore {
  readonly kind: 'influx' | 'memory';
  /** Human-readable target, e.g. `InfluxDB 1.6.7 at http://...`; never contains credentials. */
  describe(): string;
  /** Connects, detects the API version, creates the database where needed. */
  start(): Promise<void>;
  /** Enqueues a point; never throws for I/O (failures are counted and retried). */
  write(point: StorePoint): void;
  /** Resolves once everything written so far is stored. */
  flush(): Promise<void>;
  /** Occupancy and safe capacity of a site in time buckets of stepMs, oldest first, empty buckets omitted. */
  siteHistory(query: HistoryQuery): Promise<HistoryBucket[]>;
  stats(): StoreStats;
  close(): Promise<void>;
}
