/** `GET /api/sites/:id/history` (DESIGN.md "Operator API"): occupancy and safe capacity in time buckets. */
import { Hono } from 'hono';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { HistoryBucket } from '../shared/site-state.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import type { AppEnv } from './auth-routes.ts';
import { historyQuerySchema, resolveHistoryRange } from './history-params.ts';
import { badRequest, notFound, parseOr400, unavailable } from './http-errors.ts';
import type { RegistryStore } from './registry-store.ts';
import { canSee } from './users.ts';

/** @example app.route('/api', historyRoutes({ store, registry, clock, logger })); */
export function historyRoutes(deps: {
  store: HistoryStore;
  registry: RegistryStore;
  clock: Clock;
  logger: Logger;
}) {
  const { store, registry, clock, logger } = deps;
  const app = new Hono<AppEnv>();

  app.get('/sites/:id/history', async (c) => {
    const siteId = c.req.param('id');
    if (!registry.getSite(siteId) || !canSee(c.get('user'), siteId))
      throw notFound(`site '${siteId}' not found`);
    const range = resolveHistoryRange(parseOr400(historyQuerySchema, c.req.query()), clock.now());
    if (!range.ok) throw badRequest(range.error);
    const { fromMs, toMs, stepMs } = range.value;
    let buckets: HistoryBucket[];
    try {
      buckets = await store.siteHistory({ siteId, fromMs, toMs, stepMs });
    } catch (err) {
      // InfluxDB down or slow: the operator should retry, not read a 500 (the live view still works).
      logger.warn({ err, site: siteId }, 'history query failed');
      throw unavailable('history is unavailable right now; try again shortly');
    }
    return c.json({
      siteId,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      stepMs,
      buckets,
    });
  });

  return app;
}
