/**
 * Site history from the store, downsampled there (InfluxQL `GROUP BY time`, DESIGN.md "InfluxDB":
 * downsample for long ranges): `GET /api/sites/:id/history` (DESIGN.md "Operator API"),
 * occupancy and safe capacity; `GET /api/sites/:id/temperature` (issue 4, site detail), body or
 * ambient temperature over all the site's scanners. Both take `from`, `to` and `step` by the
 * rules of history-params.ts and answer 404 for a site the user may not see.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { AggregateBucket, HistoryBucket } from '../shared/site-state.ts';
import { type HistoryStore, StoreUnavailableError } from '../shared/store/history-store.ts';
import type { AppEnv } from './auth-routes.ts';
import { type HistoryRange, historyQuerySchema, resolveHistoryRange } from './history-params.ts';
import { badRequest, notFound, parseOr400, unavailable } from './http-errors.ts';
import type { RegistryStore } from './registry-store.ts';
import { canSee } from './users.ts';

export const TEMPERATURE_KINDS = ['body', 'ambient'] as const;

/** `kind` defaults to body: the fever check at the door is what a site detail shows first. */
export const temperatureQuerySchema = historyQuerySchema.extend({
  kind: z.enum(TEMPERATURE_KINDS).default('body'),
});

/** @example app.route('/api', historyRoutes({ store, registry, clock, logger })); */
export function historyRoutes(deps: {
  store: HistoryStore;
  registry: RegistryStore;
  clock: Clock;
  logger: Logger;
}) {
  const { store, registry, clock, logger } = deps;
  const app = new Hono<AppEnv>();

  /** The site id when the user may see it; 404 otherwise, like a missing site (no probing). */
  const visibleSite = (c: Context<AppEnv>) => {
    const siteId = c.req.param('id') ?? '';
    if (!registry.getSite(siteId) || !canSee(c.get('user'), siteId))
      throw notFound(`site '${siteId}' not found`);
    return siteId;
  };

  const rangeOf = (query: z.infer<typeof historyQuerySchema>): HistoryRange => {
    const range = resolveHistoryRange(query, clock.now());
    if (!range.ok) throw badRequest(range.error);
    return range.value;
  };

  /** InfluxDB down or slow: the operator should retry, not read a 500 (the live view still works). */
  const fromStore = async <T>(siteId: string, what: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      logger.warn({ err, site: siteId }, `${what} query failed`);
      const reason = err instanceof StoreUnavailableError ? ` (${err.reason})` : '';
      throw unavailable(`${what} is unavailable right now${reason}; try again shortly`);
    }
  };

  const times = ({ fromMs, toMs, stepMs }: HistoryRange) => ({
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    stepMs,
  });

  app.get('/sites/:id/history', async (c) => {
    const siteId = visibleSite(c);
    const range = rangeOf(parseOr400(historyQuerySchema, c.req.query()));
    const buckets: HistoryBucket[] = await fromStore(siteId, 'history', () =>
      store.siteHistory({ siteId, ...range }),
    );
    return c.json({ siteId, ...times(range), buckets });
  });

  app.get('/sites/:id/temperature', async (c) => {
    const siteId = visibleSite(c);
    const { kind, ...params } = parseOr400(temperatureQuerySchema, c.req.query());
    const range = rangeOf(params);
    // Tags as ingest writes them (ingest/points.ts): `type` is body/ambient, `kind` the site kind.
    const buckets: AggregateBucket[] = await fromStore(siteId, 'temperature history', () =>
      store.aggregate({
        measurement: 'temperature',
        field: 'celsius',
        tags: { site: siteId, type: kind },
        ...range,
      }),
    );
    return c.json({ siteId, kind, ...times(range), buckets });
  });

  return app;
}
