/**
 * InfluxQL text for the reads (DESIGN.md "InfluxDB": reads use InfluxQL on `/query`, served by
 * 1.x, by 2.x through DBRP mappings and by InfluxDB 3; never Flux). Every identifier and string
 * literal goes through the quoting below even where ids already match a safe pattern.
 */
import type { AggregateBucket, HistoryBucket } from '../site-state.ts';
import type { AggregateQuery, HistoryQuery, Measurement, PointsQuery, StorePoint } from './history-store.ts';

/**
 * Double-quoted identifier; InfluxQL escapes `"` and `\` with a backslash.
 * @example quoteIdent('my"db') // '"my\\"db"'
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Single-quoted string literal; `'` and `\` are backslash-escaped, newlines written as `\n`.
 * @example quoteString("it's") // "'it\\'s'"
 */
export function quoteString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}'`;
}

const timeRange = (fromMs: number, toMs: number) =>
  `time >= ${Math.trunc(fromMs)}ms AND time < ${Math.trunc(toMs)}ms`;

/** @example siteHistoryQuery({ siteId: 'bus-k1-07', fromMs: 0, toMs: 3600000, stepMs: 60000 }) */
export function siteHistoryQuery(q: HistoryQuery): string {
  return (
    `SELECT max("occupancy") AS "occupancy", mean("occupancy") AS "occupancyMean", ` +
    `last("safeCapacity") AS "safeCapacity" FROM "site_state" ` +
    `WHERE "site" = ${quoteString(q.siteId)} AND ${timeRange(q.fromMs, q.toMs)} ` +
    `GROUP BY time(${Math.trunc(q.stepMs)}ms) fill(none)`
  );
}

/**
 * Without `GROUP BY` a tag, InfluxQL merges every matching series into one, so the buckets cover
 * all devices of a site at once (several thermal scanners at one door).
 *
 * @example aggregateQuery({ measurement: 'temperature', field: 'celsius', tags: { site: 'mpp-batam', type: 'body' }, fromMs: 0, toMs: 86400000, stepMs: 300000 })
 */
export function aggregateQuery(q: AggregateQuery): string {
  const f = quoteIdent(q.field);
  const where = Object.entries(q.tags ?? {}).map(([k, v]) => `${quoteIdent(k)} = ${quoteString(v)}`);
  where.push(timeRange(q.fromMs, q.toMs));
  return (
    `SELECT max(${f}) AS "max", mean(${f}) AS "mean", count(${f}) AS "count" ` +
    `FROM ${quoteIdent(q.measurement)} WHERE ${where.join(' AND ')} ` +
    `GROUP BY time(${Math.trunc(q.stepMs)}ms) fill(none)`
  );
}

/** Rows of `aggregateQuery` (queried with `epoch=ms`) -> buckets, oldest first. */
export function toAggregateBuckets(series: InfluxSeries[]): AggregateBucket[] {
  const rows = series[0];
  if (!rows) return [];
  const col = (name: string) => rows.columns.indexOf(name);
  const [t, max, mean, count] = [col('time'), col('max'), col('mean'), col('count')];
  return rows.values.map((row) => ({
    t: new Date(Number(row[t])).toISOString(),
    max: num(row[max]),
    mean: num(row[mean]),
    count: num(row[count]) ?? 0,
  }));
}

export const DEFAULT_POINTS_LIMIT = 1_000;
export const MAX_POINTS_LIMIT = 10_000;

export function pointsLimit(limit: number | undefined): number {
  return Math.max(1, Math.min(MAX_POINTS_LIMIT, Math.trunc(limit ?? DEFAULT_POINTS_LIMIT)));
}

/** `GROUP BY *` puts tags in each series' `tags`, so the columns are the fields only. */
export function pointsQuery(q: PointsQuery): string {
  const where = Object.entries(q.tags ?? {}).map(([k, v]) => `${quoteIdent(k)} = ${quoteString(v)}`);
  where.push(timeRange(q.fromMs, q.toMs));
  return (
    `SELECT * FROM ${quoteIdent(q.measurement)} WHERE ${where.join(' AND ')} ` +
    `GROUP BY * ORDER BY time DESC LIMIT ${pointsLimit(q.limit)}`
  );
}

export interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxQueryResponse {
  results?: Array<{ statement_id?: number; error?: string; series?: InfluxSeries[] }>;
  error?: string;
}

/** The series of the first statement; throws with InfluxDB's own message on an error. */
export function seriesOf(body: InfluxQueryResponse, q: string): InfluxSeries[] {
  const result = body.results?.[0];
  const error = body.error ?? result?.error;
  if (error) throw new Error(`InfluxQL query failed: ${error} (query: ${q})`);
  return result?.series ?? [];
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Rows of `siteHistoryQuery` (queried with `epoch=ms`) -> buckets, oldest first. */
export function toBuckets(series: InfluxSeries[]): HistoryBucket[] {
  const rows = series[0];
  if (!rows) return [];
  const col = (name: string) => rows.columns.indexOf(name);
  const [t, max, mean, cap] = [col('time'), col('occupancy'), col('occupancyMean'), col('safeCapacity')];
  return rows.values.map((row) => ({
    t: new Date(Number(row[t])).toISOString(),
    occupancy: num(row[max]),
    occupancyMean: num(row[mean]),
    safeCapacity: num(row[cap]),
  }));
}

/** Rows of `pointsQuery` (newest first, one series per tag set) -> StorePoints oldest first. */
export function toPoints(measurement: Measurement, series: InfluxSeries[], limit: number): StorePoint[] {
  const points: StorePoint[] = [];
  for (const s of series) {
    const tags = Object.fromEntries(Object.entries(s.tags ?? {}).filter(([, v]) => v !== ''));
    for (const row of s.values) {
      const fields: StorePoint['fields'] = {};
      let ts = 0;
      s.columns.forEach((c, i) => {
        const v = row[i];
        if (c === 'time') ts = Number(v);
        else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') fields[c] = v;
      });
      points.push({ measurement, tags, fields, ts });
    }
  }
  // Each series was limited on its own; keep the newest `limit` over all of them.
  return points.sort((a, b) => a.ts - b.ts).slice(-limit);
}
