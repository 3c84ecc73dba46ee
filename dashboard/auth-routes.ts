/**
 * Login, logout, the current user, and the guards every other /api route sits behind
 * (DESIGN.md "Operator API": session cookie for browsers, bearer token for scripts).
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { HttpError, readJson } from './http-errors.ts';
import type { DashboardMetrics } from './metrics.ts';
import { SESSION_COOKIE, type Sessions, tokenFrom } from './sessions.ts';
import type { PublicUser, Role, UserStore } from './users.ts';

export type AppEnv = { Variables: { user: PublicUser } };

const loginSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** Secure cookies only where the browser reached us over https (directly or via a proxy). */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/**
 * @example app.route('/api', authRoutes({ users, sessions, metrics }));
 */
export function authRoutes(deps: { users: UserStore; sessions: Sessions; metrics: DashboardMetrics }) {
  const { users, sessions, metrics } = deps;
  const app = new Hono<AppEnv>();

  app.post('/login', async (c) => {
    const { username, password } = await readJson(c, loginSchema);
    const user = await users.authenticate(username, password);
    if (!user) {
      metrics.logins.inc({ result: 'refused' });
      // One message for an unknown user and a wrong password (and the same scrypt time).
      throw new HttpError(401, 'invalid username or password');
    }
    metrics.logins.inc({ result: 'ok' });
    const { token, expiresAt } = await sessions.issue(user);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isHttps(c),
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    return c.json({
      token,
      expiresAt: new Date(expiresAt).toISOString(),
      user: { username: user.username, role: user.role },
    });
  });

  app.post('/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
    return c.json({ ok: true });
  });

  return app;
}

/** 401 unless the request carries a valid session (cookie or bearer token). */
export function requireUser(sessions: Sessions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = await sessions.verify(
      tokenFrom({
        authorization: c.req.header('authorization') ?? null,
        cookie: c.req.header('cookie') ?? null,
      }),
    );
    if (!session) throw new HttpError(401, 'login required');
    c.set('user', session.user);
    await next();
  };
}

/** 403 unless the user has one of the roles. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get('user').role)) throw new HttpError(403, `needs role ${roles.join(' or ')}`);
    await next();
  };
}
