/**
 * Counting corrections (DOMAIN.md "Counting people"; issue 3 item 6): zero a site (a bus at the
 * end of its line, a manual or daily reset) or set it to what an operator counted. Ingest owns the
 * live count, keeps the raw device series and records each correction as a `correction` point;
 * the dashboard sends a CountCommand and waits for the reply. Corrections are for admins and
 * operators (DOMAIN.md: "a manual correction by an operator"): a venue manager is the party the
 * count regulates, so they may read their own venue's corrections but not make one. Another
 * venue answers 404 as on every site route.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { countCommandSchema } from '../shared/alarms.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { type AppEnv, requireRole } from './auth-routes.ts';
import type { ControlClient } from './control-client.ts';
import { historyQuerySchema } from './history-params.ts';
import { HttpError, notFound, parseOr400, readJson, unavailable } from './http-errors.ts';
import type { RegistryStore } from './registry-store.ts';
import { canSee } from './users.ts';

const resetSchema = z
  .object({ reason: countCommandSchema.options[0].shape.reason.default('manual') })
  .strict();
const correctSchema = z
  .object({
    occupancy: z.number().int().min(0).max(1_000_000),
    reason: z.string().trim().min(1).max(500).default('manual'),
  })
  .strict();

const correctionsQuerySchema = z.object({
  from: historyQuerySchema.shape.from,
  to: historyQuerySchema.shape.to,
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

const DEFAULT_RANGE_MS = 7 * 86_400_000;

/** @example app.route('/api', countRoutes({ control, registry, store, clock, logger })); */
export function countRoutes(deps: {
  control: ControlClient;
  registry: RegistryStore;
  store: HistoryStore;
  clock: Clock;
  logger: Logger;
}) {
  const { control, registry, store, clock, logger } = deps;
  const app = new Hono<AppEnv>();

  const visibleSite = (user: AppEnv['Variables']['user'], siteId: string) => {
    if (!registry.getSite(siteId) || !canSee(user, siteId)) throw notFound(`site '${siteId}' not found`);
  };

  const answer = (reply: Awaited<ReturnType<ControlClient['counts']>>) => {
    if (!reply.ok) throw new HttpError(409, reply.error ?? 'ingest refused the correction');
    return { ok: true };
  };

  app.post('/sites/:id/counts/reset', requireRole('admin', 'operator'), async (c) => {
    const siteId = c.req.param('id');
    visibleSite(c.get('user'), siteId);
    const { reason } = await readJson(c, resetSchema);
    return c.json(
      answer(await control.counts(siteId, { action: 'reset', reason, by: c.get('user').username })),
    );
  });

  app.post('/sites/:id/counts/correct', requireRole('admin', 'operator'), async (c) => {
    const siteId = c.req.param('id');
    visibleSite(c.get('user'), siteId);
    const { occupancy, reason } = await readJson(c, correctSchema);
    return c.json(
      answer(
        await control.counts(siteId, { action: 'correct', occupancy, reason, by: c.get('user').username }),
      ),
    );
  });

  /** Recorded corrections of a site (the store's `correction` points), oldest first. */
  app.get('/sites/:id/corrections', async (c) => {
    const siteId = c.req.param('id');
    visibleSite(c.get('user'), siteId);
    const query = parseOr400(correctionsQuerySchema, c.req.query());
    const toMs = query.to ?? clock.now() + 1;
    const fromMs = query.from ?? toMs - DEFAULT_RANGE_MS;
    try {
      const points = await store.points({
        measurement: 'correction',
        tags: { site: siteId },
        fromMs,
        toMs,
        limit: query.limit ?? 1000,
      });
      return c.json(
        points.map((p) => ({
          at: new Date(p.ts).toISOString(),
          action: p.tags.action ?? null,
          occupancyBefore: p.fields.occupancyBefore ?? null,
          occupancyAfter: p.fields.occupancyAfter ?? null,
          reason: p.fields.reason ?? null,
          by: p.fields.by ?? null,
        })),
      );
    } catch (err) {
      logger.warn({ err, site: siteId }, 'corrections query failed');
      throw unavailable('corrections are unavailable right now; try again shortly');
    }
  });

  return app;
}
