/**
 * Stateless sessions: an HS256 token signed with SESSION_SECRET, so any dashboard replica holding
 * the same secret verifies it without shared storage (DESIGN.md "Shape": socket.io and the
 * dashboard scale out). The same token travels as the `jj_session` cookie (browser) or as
 * `Authorization: Bearer` (scripts) and socket.io `auth.token`.
 */
import { sign, verify } from 'hono/jwt';
import { parse } from 'hono/utils/cookie';
import type { Clock } from '../shared/clock.ts';
import type { PublicUser, UserStore } from './users.ts';

export const SESSION_COOKIE = 'jj_session';

export interface Session {
  user: PublicUser;
  /** Epoch ms. */
  expiresAt: number;
}

export interface Sessions {
  issue(user: PublicUser): Promise<{ token: string; expiresAt: number }>;
  /** The session of a valid, unexpired token whose user still exists with the same password; undefined otherwise. */
  verify(token: string | undefined): Promise<Session | undefined>;
  ttlMs: number;
}

/**
 * @example
 * const sessions = createSessions({ secret, ttlMs: 12 * 3600_000, users, clock: systemClock });
 * const { token } = await sessions.issue({ username: 'admin', role: 'admin' });
 * (await sessions.verify(token))?.user.role; // 'admin'
 */
export function createSessions(options: {
  secret: string;
  ttlMs: number;
  users: UserStore;
  clock: Clock;
}): Sessions {
  const { secret, ttlMs, users, clock } = options;
  return {
    ttlMs,
    async issue(user) {
      const now = clock.now();
      const expiresAt = now + ttlMs;
      const token = await sign(
        {
          sub: user.username,
          ver: users.sessionVersion(user.username) ?? 0,
          iat: Math.floor(now / 1000),
          exp: Math.floor(expiresAt / 1000),
        },
        secret,
        'HS256',
      );
      return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
    },
    async verify(token) {
      if (!token) return undefined;
      try {
        // Time claims are checked against the injected clock below, not hono's Date.now().
        const payload = await verify(token, secret, { alg: 'HS256', exp: false, iat: false, nbf: false });
        if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
        const expiresAt = payload.exp * 1000;
        if (expiresAt <= clock.now()) return undefined;
        // The user is looked up on every request so a removed user, a changed role or new sites
        // apply at once; a password change (a new session version) ends older sessions.
        const user = users.get(payload.sub);
        const version = typeof payload.ver === 'number' ? payload.ver : 0;
        if (!user || version !== users.sessionVersion(payload.sub)) return undefined;
        return { user, expiresAt };
      } catch {
        return undefined;
      }
    },
  };
}

/** The token from `Authorization: Bearer …`, else from the session cookie. */
export function tokenFrom(headers: {
  authorization?: string | null;
  cookie?: string | null;
}): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (match) return match[1];
  }
  if (headers.cookie) return parse(headers.cookie, SESSION_COOKIE)[SESSION_COOKIE];
  return undefined;
}
