/**
 * Sites, devices and the city policy (DESIGN.md "Operator API"). Reads are scoped by `canSee`;
 * changes are admin-only and answered once the registry echo came back through the broker.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { alarmSettingsSchema, DEFAULT_ALARM_SETTINGS, effectiveAlarmSettings } from '../shared/alarms.ts';
import { POLICY_PRESETS } from '../shared/policy.ts';
import {
  type DeviceRecord,
  deviceInputSchema,
  policyPctSchema,
  SITE_KINDS,
  siteIdSchema,
  siteInputSchema,
  siteKindSchema,
} from '../shared/registry-schemas.ts';
import { DEVICE_SECRET_COST, hashSecret, newDeviceSecret } from '../shared/secrets.ts';
import { type AppEnv, requireRole } from './auth-routes.ts';
import { notFound, parseOr400, readJson } from './http-errors.ts';
import type { LiveState } from './live-state.ts';
import { isPublicSite } from './public-crowd/public-crowd.ts';
import type { RegistryStore } from './registry-store.ts';
import { deviceViews } from './site-views.ts';
import { canSee } from './users.ts';

/** A device as the API shows it: never the secret hash. */
export function publicDevice(device: DeviceRecord): Omit<DeviceRecord, 'secretHash'> {
  const { secretHash: _omitted, ...rest } = device;
  return rest;
}

const devicesQuerySchema = z.object({ siteId: siteIdSchema.optional() });

/** Moving a device to another site, or renaming it; id, type and secret stay. */
export const devicePatchSchema = deviceInputSchema
  .pick({ siteId: true, name: true })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change: give siteId and/or name');

/** `PUT /api/policy`: a preset id and optional per-kind shares (0..1, or a percentage up to 100). */
export const policyInputSchema = z.object({
  id: z.enum(POLICY_PRESETS.map((p) => p.id) as [string, ...string[]]),
  kindPct: z.partialRecord(siteKindSchema, policyPctSchema).optional(),
});

const site = siteInputSchema.shape;
/**
 * A site holds someone: 0 would show it closed for good. The record schema still reads 0 (older
 * registries); closing a venue is the policy's job (a share of 0).
 */
const designCapacity = site.designCapacity.min(
  1,
  'must be at least 1 (close a venue with a policy share of 0)',
);
/** `POST /api/sites`. */
export const siteCreateSchema = siteInputSchema.extend({ designCapacity });
/** `PATCH /api/sites/:id`: id and kind are fixed; `null` removes an optional field. */
export const sitePatchSchema = z
  .object({
    name: site.name.optional(),
    designCapacity: designCapacity.optional(),
    areaM2: site.areaM2.nullable(),
    policyPct: site.policyPct.nullable(),
    distanceM: site.distanceM.nullable(),
    location: site.location.nullable(),
    route: site.route.nullable(),
    public: site.public.nullable(),
    alarm: site.alarm.nullable(),
  })
  .strict();

/** `PUT /api/alarm-settings`: city-wide thresholds, then per site kind (shared/alarms.ts). */
export const alarmSettingsInputSchema = z
  .object({
    all: alarmSettingsSchema.optional(),
    kinds: z.partialRecord(siteKindSchema, alarmSettingsSchema).optional(),
  })
  .strict();

/** @example app.route('/api', registryRoutes({ registry, live })); */
export function registryRoutes(deps: { registry: RegistryStore; live: LiveState }) {
  const { registry, live } = deps;
  const app = new Hono<AppEnv>();

  app.get('/sites', (c) => {
    const user = c.get('user');
    return c.json(live.views((id) => canSee(user, id)));
  });

  app.get('/sites/:id', (c) => {
    const id = c.req.param('id');
    const view = canSee(c.get('user'), id) ? live.view(id) : undefined;
    // An invisible site answers like a missing one, so a manager cannot probe other venues' ids.
    if (!view) throw notFound(`site '${id}' not found`);
    const site = registry.getSite(id);
    return c.json({
      ...view,
      public: site ? isPublicSite(site) : false,
      devices: deviceViews(registry.listDevices(id), live.state(id)?.devices),
    });
  });

  app.post('/sites', requireRole('admin'), async (c) => {
    const input = await readJson(c, siteCreateSchema);
    const site = await registry.createSite(input, c.get('user').username);
    return c.json(site, 201);
  });

  app.patch('/sites/:id', requireRole('admin'), async (c) => {
    const patch = await readJson(c, sitePatchSchema);
    return c.json(await registry.updateSite(c.req.param('id'), patch, c.get('user').username));
  });

  app.delete('/sites/:id', requireRole('admin'), async (c) => {
    await registry.deleteSite(c.req.param('id'), c.get('user').username);
    return c.body(null, 204);
  });

  app.get('/devices', (c) => {
    const { siteId } = parseOr400(devicesQuerySchema, c.req.query());
    const user = c.get('user');
    const devices = registry.listDevices(siteId).filter((d) => canSee(user, d.siteId));
    return c.json(devices.map(publicDevice));
  });

  app.post('/devices', requireRole('admin'), async (c) => {
    const input = await readJson(c, deviceInputSchema);
    // The secret is shown once, here; only its salted hash is stored and replicated.
    const secret = newDeviceSecret();
    const device = await registry.createDevice(
      input,
      await hashSecret(secret, DEVICE_SECRET_COST),
      c.get('user').username,
    );
    return c.json({ id: device.id, secret }, 201);
  });

  app.patch('/devices/:id', requireRole('admin'), async (c) => {
    const patch = await readJson(c, devicePatchSchema);
    return c.json(
      publicDevice(await registry.updateDevice(c.req.param('id'), patch, c.get('user').username)),
    );
  });

  app.delete('/devices/:id', requireRole('admin'), async (c) => {
    await registry.deleteDevice(c.req.param('id'), c.get('user').username);
    return c.body(null, 204);
  });

  app.post('/devices/:id/secret', requireRole('admin'), async (c) => {
    const id = c.req.param('id');
    if (!registry.getDevice(id)) throw notFound(`device '${id}' not found`);
    const secret = newDeviceSecret();
    await registry.replaceDeviceSecret(
      id,
      await hashSecret(secret, DEVICE_SECRET_COST),
      c.get('user').username,
    );
    return c.json({ id, secret });
  });

  app.get('/policy', (c) => {
    const { preset, record } = registry.policy();
    return c.json({
      ...record,
      label: preset.label,
      pct: preset.pct,
      distanceM: preset.distanceM,
      presets: POLICY_PRESETS,
      changes: registry.policyHistory(),
    });
  });

  app.put('/policy', requireRole('admin', 'operator'), async (c) => {
    const { id, kindPct } = await readJson(c, policyInputSchema);
    const record = await registry.setPolicy(id, c.get('user').username, kindPct);
    return c.json({ ...record, pct: registry.policy().preset.pct });
  });

  app.get('/alarm-settings', requireRole('admin', 'operator'), (c) => {
    const record = registry.alarmSettings();
    const kinds = record?.kinds ?? {};
    return c.json({
      all: record?.all ?? {},
      kinds,
      changedAt: record?.changedAt ?? null,
      changedBy: record?.changedBy ?? null,
      defaults: DEFAULT_ALARM_SETTINGS,
      effective: Object.fromEntries(
        SITE_KINDS.map((kind) => [kind, effectiveAlarmSettings(record?.all, kinds[kind])]),
      ),
    });
  });

  app.put('/alarm-settings', requireRole('admin'), async (c) => {
    const input = await readJson(c, alarmSettingsInputSchema);
    const kinds = Object.fromEntries(Object.entries(input.kinds ?? {}).filter(([, v]) => v !== undefined));
    return c.json(await registry.setAlarmSettings({ all: input.all, kinds }, c.get('user').username));
  });

  return app;
}
