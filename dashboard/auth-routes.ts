/**
 * Login, logout, the current user, and the guards every other /api route sits behind
 * (DESIGN.md "Operator API": session cookie for browsers, bearer token for scripts).
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { type Logger, rateLimitedLog, silentLogger } from '../shared/log.ts';
import { HttpError, readJson } from './http-errors.ts';
import { clientIp, isHttpsRequest } from './https.ts';
import type { LoginLimiter } from './login-limiter.ts';
import type { DashboardMetrics } from './metrics.ts';
import { SESSION_COOKIE, type Sessions, tokenFrom } from './sessions.ts';
import type { PublicUser, Role, UserStore } from './users.ts';

export type AppEnv = { Variables: { user: PublicUser } };

const loginSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/**
 * @example app.route('/api', authRoutes({ users, sessions, metrics, limiter, trustProxy: 0 }));
 */
export function authRoutes(deps: {
  users: UserStore;
  sessions: Sessions;
  metrics: DashboardMetrics;
  limiter: LoginLimiter;
  /** TRUST_PROXY: how far X-Forwarded-For is believed (dashboard/https.ts). */
  trustProxy: number;
  logger?: Logger;
  /** After a logout revoked a session: live sockets re-check theirs now, not at the next sweep. */
  onSessionEnded?: () => void;
}) {
  const { users, sessions, metrics, limiter } = deps;
  const logger = deps.logger ?? silentLogger;
  // Refused logins are an audit trail (who tried which account from where), bounded per IP so a
  // guessing script cannot flood the log. The password is never part of it.
  const limitedLog = rateLimitedLog();
  const app = new Hono<AppEnv>();

  app.post('/login', async (c) => {
    const { username, password } = await readJson(c, loginSchema);
    const ip = clientIp(c, deps.trustProxy);
    const attempt = limiter.attempt(ip, username);
    if (!attempt.allowed) {
      metrics.logins.inc({ result: 'throttled' });
      limitedLog(`login:${ip}`, (suppressed) =>
        logger.warn({ username, ip, scope: attempt.scope, suppressed }, 'login throttled'),
      );
      return c.json({ error: `too many failed logins; try again in ${attempt.retryAfterSeconds} s` }, 429, {
        'Retry-After': String(attempt.retryAfterSeconds),
      });
    }
    const user = await users.authenticate(username, password);
    if (!user) {
      metrics.logins.inc({ result: 'refused' });
      limitedLog(`login:${ip}`, (suppressed) => logger.warn({ username, ip, suppressed }, 'login refused'));
      // One message for an unknown user and a wrong password (and the same scrypt time).
      throw new HttpError(401, 'invalid username or password');
    }
    attempt.succeeded();
    metrics.logins.inc({ result: 'ok' });
    logger.info({ username, ip }, 'login');
    const { token, expiresAt } = await sessions.issue(user);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isHttpsRequest(c),
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    return c.json({
      token,
      expiresAt: new Date(expiresAt).toISOString(),
      user: { username: user.username, role: user.role },
    });
  });

  // Ends this session for good (its token is revoked), not only in this browser.
  app.post('/logout', async (c) => {
    await sessions.revoke(
      tokenFrom({
        authorization: c.req.header('authorization') ?? null,
        cookie: c.req.header('cookie') ?? null,
      }),
    );
    deps.onSessionEnded?.();
    deleteCookie(c, SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttpsRequest(c),
    });
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
