/**
 * Webhook administration and the delivery log (issue 3 "Delivery"), admin only. The secret is
 * accepted once and never returned.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../../shared/clock.ts';
import { type AppEnv, requireRole } from '../auth-routes.ts';
import { badRequest, notFound, parseOr400, readJson } from '../http-errors.ts';
import type { RegistryStore } from '../registry-store.ts';
import { type DeliveryLog, publicDelivery } from './delivery-log.ts';
import { publicWebhook, type WebhookStore, webhookInputSchema } from './webhook-store.ts';

const deliveriesQuerySchema = z.object({
  webhookId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});

/** @example app.route('/api', webhookRoutes({ webhooks, deliveries, registry, clock })); */
export function webhookRoutes(deps: {
  webhooks: WebhookStore;
  deliveries: DeliveryLog;
  registry: RegistryStore;
  clock: Clock;
}) {
  const { webhooks, deliveries, registry, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('/webhooks', requireRole('admin'));
  app.use('/webhooks/*', requireRole('admin'));

  app.get('/webhooks', (c) => c.json(webhooks.list().map(publicWebhook)));

  app.post('/webhooks', async (c) => {
    const input = await readJson(c, webhookInputSchema);
    const unknown = (input.sites ?? []).filter((id) => !registry.getSite(id));
    if (unknown.length) throw badRequest(`sites unknown site ${unknown.map((id) => `'${id}'`).join(', ')}`);
    const hook = await webhooks.create(input, c.get('user').username, clock.now());
    return c.json(publicWebhook(hook), 201);
  });

  // Before '/webhooks/:id', which would otherwise take 'deliveries' for an id.
  app.get('/webhooks/deliveries', (c) => {
    const { webhookId, limit } = parseOr400(deliveriesQuerySchema, c.req.query());
    return c.json(deliveries.list({ webhookId, limit }).map(publicDelivery));
  });

  app.get('/webhooks/:id', (c) => {
    const hook = webhooks.get(c.req.param('id'));
    if (!hook) throw notFound(`webhook '${c.req.param('id')}' not found`);
    return c.json(publicWebhook(hook));
  });

  app.delete('/webhooks/:id', async (c) => {
    // Pending deliveries of a removed webhook are marked failed ('webhook removed') by the notifier.
    await webhooks.remove(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
