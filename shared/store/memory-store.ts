/**
 * The embedded HistoryStore: what `npm start` uses when no INFLUX_URL is set (DESIGN.md "Shape").
 * Nothing is persisted. Memory is bounded: each series (measurement + tag set) keeps its newest
 * `maxPointsPerSeries` points, and at most `maxSeries` series are kept (the least recently
 * written goes first), so a flood of dead letters from odd device ids cannot grow it without end.
 * Semantics follow InfluxDB so the same contract tests pass on both: same series + same time
 * merges fields (a QoS 1 duplicate overwrites), numbers are floats, empty tags and non-finite
 * numbers are left out, and siteHistory and aggregate buckets match InfluxQL
 * `GROUP BY time(step) fill(none)`.
 */
import { Registry } from 'prom-client';
import type { AggregateBucket, HistoryBucket } from '../site-state.ts';
import {
  type AggregateQuery,
  type HistoryQuery,
  type HistoryStore,
  MEASUREMENTS,
  type PointsQuery,
  type StorePoint,
  validateAggregateQuery,
  validateHistoryQuery,
} from './history-store.ts';
import { pointsLimit } from './influxql.ts';
import { MAX_STRING_FIELD_CHARS } from './line-protocol.ts';
import { createStoreMetrics } from './store-metrics.ts';

export interface MemoryStoreOptions {
  /** Newest points kept per series; default 5,000. */
  maxPointsPerSeries?: number;
  /** Series kept; default 2,000. Worst case memory is about maxSeries x maxPointsPerSeries points. */
  maxSeries?: number;
  metrics?: Registry;
}

type Fields = StorePoint['fields'];
interface Series {
  measurement: StorePoint['measurement'];
  tags: Record<string, string>;
  /** Sorted by ts, unique ts. */
  points: Array<{ ts: number; fields: Fields }>;
}

const seriesKey = (measurement: string, tags: Record<string, string>) =>
  `${measurement}\u0000${Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join('\u0001')}`;

/** Index of the first point with ts >= t. */
function lowerBound(points: Series['points'], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.ts < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cleanFields(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k === '') continue;
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string')
      out[k] = v.length > MAX_STRING_FIELD_CHARS ? `${v.slice(0, MAX_STRING_FIELD_CHARS)}…` : v;
  }
  return out;
}

/**
 * @example
 * const store = createMemoryStore({ maxPointsPerSeries: 10_000 });
 * store.write({ measurement: 'site_state', tags: { site: 'mpp-batam' }, fields: { occupancy: 40, safeCapacity: 120 }, ts: Date.now() });
 * const buckets = await store.siteHistory({ siteId: 'mpp-batam', fromMs: Date.now() - 3_600_000, toMs: Date.now() + 1, stepMs: 60_000 });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): HistoryStore & { kind: 'memory' } {
  const maxPerSeries = Math.max(1, options.maxPointsPerSeries ?? 5_000);
  const maxSeries = Math.max(1, options.maxSeries ?? 2_000);
  const metrics = createStoreMetrics(options.metrics ?? new Registry());
  const series = new Map<string, Series>();
  const counts = { written: 0, failed: 0 };
  let closed = false;

  const refuse = () => {
    counts.failed++;
    metrics.failures.inc({ reason: 'invalid-point' });
  };

  const write = (point: StorePoint) => {
    if (closed || !(MEASUREMENTS as readonly string[]).includes(point.measurement)) return refuse();
    if (!Number.isFinite(point.ts)) return refuse();
    const fields = cleanFields(point.fields);
    if (Object.keys(fields).length === 0) return refuse();
    const tags = Object.fromEntries(
      Object.entries(point.tags).filter(([k, v]) => k !== '' && typeof v === 'string' && v !== ''),
    );
    const ts = Math.trunc(point.ts);
    const key = seriesKey(point.measurement, tags);
    let s = series.get(key);
    if (s) series.delete(key);
    else s = { measurement: point.measurement, tags, points: [] };
    series.set(key, s);
    if (series.size > maxSeries) series.delete(series.keys().next().value!);

    const last = s.points[s.points.length - 1];
    if (!last || last.ts < ts) s.points.push({ ts, fields });
    else {
      const i = lowerBound(s.points, ts);
      const at = s.points[i];
      if (at && at.ts === ts) at.fields = { ...at.fields, ...fields };
      else s.points.splice(i, 0, { ts, fields });
    }
    // Trim in chunks (1/8 slack) so an in-order stream does not shift the array on every write.
    if (s.points.length > maxPerSeries + Math.ceil(maxPerSeries / 8))
      s.points.splice(0, s.points.length - maxPerSeries);
    counts.written++;
    metrics.written.inc();
  };

  const inRange = (s: Series, fromMs: number, toMs: number) => {
    const start = lowerBound(s.points, fromMs);
    const end = lowerBound(s.points, toMs);
    // Points beyond the bound are kept briefly (trim slack); never report more than the bound.
    return s.points.slice(Math.max(start, s.points.length - maxPerSeries), end);
  };

  const siteHistory = async (q: HistoryQuery): Promise<HistoryBucket[]> => {
    validateHistoryQuery(q);
    type Acc = { max: number | null; sum: number; n: number; capTs: number; cap: number | null };
    const buckets = new Map<number, Acc>();
    for (const s of series.values()) {
      if (s.measurement !== 'site_state' || s.tags.site !== q.siteId) continue;
      for (const p of inRange(s, q.fromMs, q.toMs)) {
        const occ = typeof p.fields.occupancy === 'number' ? p.fields.occupancy : undefined;
        const cap = typeof p.fields.safeCapacity === 'number' ? p.fields.safeCapacity : undefined;
        if (occ === undefined && cap === undefined) continue;
        // Epoch-aligned like InfluxQL GROUP BY time(step) with no offset.
        const start = Math.floor(p.ts / q.stepMs) * q.stepMs;
        let b = buckets.get(start);
        if (!b) {
          b = { max: null, sum: 0, n: 0, capTs: Number.NEGATIVE_INFINITY, cap: null };
          buckets.set(start, b);
        }
        if (occ !== undefined) {
          b.max = b.max === null ? occ : Math.max(b.max, occ);
          b.sum += occ;
          b.n++;
        }
        if (cap !== undefined && p.ts >= b.capTs) {
          b.cap = cap;
          b.capTs = p.ts;
        }
      }
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, b]) => ({
        t: new Date(start).toISOString(),
        occupancy: b.max,
        occupancyMean: b.n ? b.sum / b.n : null,
        safeCapacity: b.cap,
      }));
  };

  const aggregate = async (q: AggregateQuery): Promise<AggregateBucket[]> => {
    validateAggregateQuery(q);
    const wanted = Object.entries(q.tags ?? {});
    const buckets = new Map<number, { max: number; sum: number; n: number }>();
    for (const s of series.values()) {
      if (s.measurement !== q.measurement || !wanted.every(([k, v]) => s.tags[k] === v)) continue;
      for (const p of inRange(s, q.fromMs, q.toMs)) {
        const v = p.fields[q.field];
        if (typeof v !== 'number') continue;
        const start = Math.floor(p.ts / q.stepMs) * q.stepMs;
        const b = buckets.get(start);
        if (b) {
          b.max = Math.max(b.max, v);
          b.sum += v;
          b.n++;
        } else buckets.set(start, { max: v, sum: v, n: 1 });
      }
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, b]) => ({ t: new Date(start).toISOString(), max: b.max, mean: b.sum / b.n, count: b.n }));
  };

  const points = async (q: PointsQuery): Promise<StorePoint[]> => {
    const wanted = Object.entries(q.tags ?? {});
    const found: StorePoint[] = [];
    for (const s of series.values()) {
      if (s.measurement !== q.measurement || !wanted.every(([k, v]) => s.tags[k] === v)) continue;
      for (const p of inRange(s, q.fromMs, q.toMs))
        found.push({ measurement: s.measurement, tags: { ...s.tags }, fields: { ...p.fields }, ts: p.ts });
    }
    return found.sort((a, b) => a.ts - b.ts).slice(-pointsLimit(q.limit));
  };

  return {
    kind: 'memory',
    describe: () =>
      `embedded in-memory store (not persisted, newest ${maxPerSeries} points per series; set INFLUX_URL to use InfluxDB)`,
    start: async () => {},
    write,
    flush: async () => {},
    siteHistory,
    aggregate,
    points,
    stats: () => ({ pending: 0, written: counts.written, failed: counts.failed, dropped: 0 }),
    // Data stays readable after close (tests inspect it); only writes stop.
    close: async () => {
      closed = true;
    },
  };
}
