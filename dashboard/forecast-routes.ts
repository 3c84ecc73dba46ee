/**
 * `GET /api/sites/:id/forecast` (issue #7 item 3): the site's expected occupancy for the next 60
 * minutes, for the site detail chart. Fitted on demand from the store (the same model and query
 * shape ingest uses for the capacity-forecast warning: shared/forecast.ts) with the live state as
 * the current value, and cached per site for a minute so a room full of operators watching one
 * site costs one fit a minute, not one per browser. Scoped like history: 404 for a site the
 * user may not see.
 *
 * Answer: `{ siteId, basis, generatedAt, horizonMinutes, safeCapacity, points: [{ t, occupancy }] }`
 * with ISO times, a point every 5 minutes from now, occupancy to one decimal.
 */
import { Hono } from 'hono';
import type { Clock } from '../shared/clock.ts';
import type { ForecastResponse } from '../shared/forecast.ts';
import {
  DEFAULT_FORECAST_OPTIONS,
  FORECAST_FIT_DAYS,
  FORECAST_SLOT_MS,
  fitForecastModel,
  forecastOccupancy,
  type OccupancySample,
} from '../shared/forecast.ts';
import type { Logger } from '../shared/log.ts';
import type { HistoryBucket } from '../shared/site-state.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import type { AppEnv } from './auth-routes.ts';
import { notFound, unavailable } from './http-errors.ts';
import type { LiveState } from './live-state.ts';
import type { RegistryStore } from './registry-store.ts';
import { canSee } from './users.ts';

/** Recent minutes the trend is read from (the model's trend window is 15). */
const RECENT_MS = 20 * 60_000;

const samplesOf = (buckets: HistoryBucket[]): OccupancySample[] =>
  buckets.flatMap((b) =>
    b.occupancyMean === null ? [] : [{ t: Date.parse(b.t), occupancy: b.occupancyMean }],
  );

/** @example app.route('/api', forecastRoutes({ store, registry, live, clock, logger })); */
export function forecastRoutes(deps: {
  store: HistoryStore;
  registry: RegistryStore;
  live: LiveState;
  clock: Clock;
  logger: Logger;
  /** How long one site's forecast is served from cache; default 60 s. */
  cacheMs?: number;
}) {
  const { store, registry, live, clock, logger } = deps;
  const cacheMs = deps.cacheMs ?? 60_000;
  const cache = new Map<string, { at: number; body: Promise<ForecastResponse> }>();
  const app = new Hono<AppEnv>();

  async function compute(siteId: string, now: number): Promise<ForecastResponse> {
    const [history, recentBuckets] = await Promise.all([
      store.siteHistory({
        siteId,
        fromMs: now - FORECAST_FIT_DAYS * 86_400_000,
        toMs: now,
        stepMs: FORECAST_SLOT_MS,
      }),
      store.siteHistory({ siteId, fromMs: now - RECENT_MS, toMs: now, stepMs: 60_000 }),
    ]);
    const state = live.state(siteId);
    const recent = samplesOf(recentBuckets);
    if (state?.occupancy != null) recent.push({ t: now, occupancy: state.occupancy });
    const forecast = forecastOccupancy(fitForecastModel(samplesOf(history)), recent, now);
    return {
      siteId,
      basis: forecast.basis,
      generatedAt: new Date(now).toISOString(),
      horizonMinutes: DEFAULT_FORECAST_OPTIONS.horizonMs / 60_000,
      safeCapacity: live.view(siteId)?.safeCapacity ?? null,
      points: forecast.points.map((p) => ({
        t: new Date(p.t).toISOString(),
        occupancy: Math.round(p.occupancy * 10) / 10,
      })),
    };
  }

  app.get('/sites/:id/forecast', async (c) => {
    const siteId = c.req.param('id');
    if (!registry.getSite(siteId) || !canSee(c.get('user'), siteId))
      throw notFound(`site '${siteId}' not found`);
    const now = clock.now();
    let entry = cache.get(siteId);
    if (!entry || now - entry.at >= cacheMs || now < entry.at) {
      for (const [id, e] of cache) if (now - e.at >= cacheMs) cache.delete(id);
      entry = { at: now, body: compute(siteId, now) };
      cache.set(siteId, entry);
    }
    try {
      return c.json(await entry.body);
    } catch (err) {
      // A failed fit is not cached: the next request tries the store again.
      if (cache.get(siteId) === entry) cache.delete(siteId);
      logger.warn({ err, site: siteId }, 'forecast query failed');
      throw unavailable('the forecast is unavailable right now; try again shortly');
    }
  });

  return app;
}
