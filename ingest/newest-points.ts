/**
 * The newest stored point of each series group, for what ingest takes back from the store when it
 * starts (open alarms, counting baselines). One query reads the newest points of every group; only
 * when it came back full (so older groups may have been cut) are the expected groups it did not
 * cover asked for one by one.
 */
import type { HistoryStore, Measurement, StorePoint } from '../shared/store/history-store.ts';
import { MAX_POINTS_LIMIT } from '../shared/store/influxql.ts';

export interface NewestPointsQuery {
  measurement: Measurement;
  /** Tags that name a group, e.g. `['site', 'type']`. */
  groupBy: string[];
  fromMs: number;
  toMs: number;
  /** Groups to ask for one by one when the first query was cut, as tag sets. */
  expected: Array<Record<string, string>>;
}

/**
 * @example
 * const newest = await newestPoints(store, { measurement: 'correction', groupBy: ['site'], fromMs, toMs, expected: [{ site: 'bus-k1-07' }] });
 */
export async function newestPoints(store: HistoryStore, q: NewestPointsQuery): Promise<StorePoint[]> {
  const keyOf = (tags: Record<string, string>) => q.groupBy.map((t) => tags[t] ?? '').join('\u0000');
  const newest = new Map<string, StorePoint>();
  const take = (p: StorePoint) => {
    const k = keyOf(p.tags);
    const known = newest.get(k);
    if (!known || known.ts <= p.ts) newest.set(k, p);
  };
  const range = { fromMs: q.fromMs, toMs: q.toMs };
  const all = await store.points({ measurement: q.measurement, ...range, limit: MAX_POINTS_LIMIT });
  all.forEach(take);
  if (all.length >= MAX_POINTS_LIMIT) {
    for (const tags of q.expected) {
      if (newest.has(keyOf(tags))) continue;
      (await store.points({ measurement: q.measurement, tags, ...range, limit: 1 })).forEach(take);
    }
  }
  return [...newest.values()];
}
