/**
 * User administration (issue 3 "Users and scope"), admin only. A manager must be given at least
 * one existing site; the account named by ADMIN_USER is managed by the environment and cannot be
 * changed or removed here (it is re-ensured at every start).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { siteIdSchema } from '../shared/registry-schemas.ts';
import { type AppEnv, requireRole } from './auth-routes.ts';
import { badRequest, conflict, notFound, readJson } from './http-errors.ts';
import type { RegistryStore } from './registry-store.ts';
import { ROLES, type UserStore } from './users.ts';

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(1024);
const sitesSchema = z
  .array(siteIdSchema)
  .max(10_000)
  .refine((sites) => new Set(sites).size === sites.length, 'must not repeat a site');

export const userInputSchema = z.object({
  username: z.string().regex(USERNAME_PATTERN, 'must be 2-64 characters of A-Z, a-z, 0-9, . _ @ -'),
  password: passwordSchema,
  role: z.enum(ROLES),
  sites: sitesSchema.optional(),
});

export const userPatchSchema = z
  .object({
    role: z.enum(ROLES).optional(),
    sites: sitesSchema.optional(),
    password: passwordSchema.optional(),
  })
  .refine((p) => p.role !== undefined || p.sites !== undefined || p.password !== undefined, {
    message: 'must change at least one of role, sites, password',
  });

/** @example app.route('/api', userRoutes({ users, registry, envAdmin: 'admin' })); */
export function userRoutes(deps: { users: UserStore; registry: RegistryStore; envAdmin: string }) {
  const { users, registry, envAdmin } = deps;
  const app = new Hono<AppEnv>();
  app.use('/users', requireRole('admin'));
  app.use('/users/*', requireRole('admin'));

  const checkSites = (role: string, sites: string[] | undefined) => {
    if (role !== 'manager') {
      if (sites?.length)
        throw badRequest('sites only applies to managers; admins and operators see every site');
      return;
    }
    if (!sites?.length) throw badRequest('sites must list at least one site for a manager');
    const unknown = sites.filter((id) => !registry.getSite(id));
    if (unknown.length) throw badRequest(`sites unknown site ${unknown.map((id) => `'${id}'`).join(', ')}`);
  };

  app.get('/users', (c) => c.json(users.list()));

  app.get('/users/:username', (c) => {
    const username = c.req.param('username');
    const user = users.info(username);
    if (!user) throw notFound(`user '${username}' not found`);
    return c.json(user);
  });

  app.post('/users', async (c) => {
    const input = await readJson(c, userInputSchema);
    checkSites(input.role, input.sites);
    const { sites, ...rest } = input;
    const created = await users.create(input.role === 'manager' && sites ? { ...rest, sites } : rest);
    return c.json(created, 201);
  });

  app.patch('/users/:username', async (c) => {
    const username = c.req.param('username');
    const patch = await readJson(c, userPatchSchema);
    const current = users.get(username);
    if (!current) throw notFound(`user '${username}' not found`);
    if (username === envAdmin)
      throw conflict(`'${username}' is managed by ADMIN_USER / ADMIN_PASSWORD and cannot be changed here`);
    const role = patch.role ?? current.role;
    checkSites(role, patch.sites ?? (role === 'manager' ? current.sites : undefined));
    return c.json(await users.update(username, patch));
  });

  app.delete('/users/:username', async (c) => {
    const username = c.req.param('username');
    if (!users.get(username)) throw notFound(`user '${username}' not found`);
    if (username === envAdmin)
      throw conflict(`'${username}' is managed by ADMIN_USER / ADMIN_PASSWORD and cannot be removed`);
    await users.remove(username);
    return c.body(null, 204);
  });

  return app;
}
