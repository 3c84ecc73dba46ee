/**
 * Stateless sessions: an HS256 token signed with SESSION_SECRET, so any dashboard replica holding
 * the same secret verifies it without shared storage (DESIGN.md "Shape": socket.io and the
 * dashboard scale out). The same token travels as the `jj_session` cookie (browser) or as
 * `Authorization: Bearer` (scripts) and socket.io `auth.token`.
 *
 * A session ends (docs/security.md "Sessions") at its expiry (SESSION_TTL_HOURS, on the injected
 * clock), when its user is removed, when the user's password changes (a new session version), and
 * at logout: the token's id (`jti`) goes on a revocation list, kept in DATA_DIR until the token
 * would have expired anyway, so a copied cookie or bearer token is dead after logout, across a
 * restart too.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sign, verify } from 'hono/jwt';
import { parse } from 'hono/utils/cookie';
import { z } from 'zod';
import type { Clock } from '../shared/clock.ts';
import { coalescedWriter, readJsonFile, writeJsonFile } from './json-file.ts';
import type { PublicUser, UserStore } from './users.ts';

export const SESSION_COOKIE = 'jj_session';

/** Revoked ids kept at most; beyond it the ones expiring soonest are forgotten first. */
const MAX_REVOKED = 100_000;

export interface Session {
  user: PublicUser;
  /** Epoch ms. */
  expiresAt: number;
}

export interface Sessions {
  issue(user: PublicUser): Promise<{ token: string; expiresAt: number }>;
  /** The session of a valid, unexpired, unrevoked token whose user still exists with the same password; undefined otherwise. */
  verify(token: string | undefined): Promise<Session | undefined>;
  /** Ends this one session (logout). A token that does not verify is ignored. */
  revoke(token: string | undefined): Promise<void>;
  /** Reads the revocation list from DATA_DIR (no-op in memory). */
  load(): Promise<void>;
  ttlMs: number;
}

const revokedFileSchema = z.object({
  version: z.literal(1),
  revoked: z.array(z.object({ jti: z.string(), exp: z.number() })),
});

/**
 * @example
 * const sessions = createSessions({ secret, ttlMs: 12 * 3600_000, users, clock: systemClock });
 * const { token } = await sessions.issue({ username: 'admin', role: 'admin' });
 * (await sessions.verify(token))?.user.role; // 'admin'
 * await sessions.revoke(token); // logout: verify(token) is undefined from now on
 */
export function createSessions(options: {
  secret: string;
  ttlMs: number;
  users: UserStore;
  clock: Clock;
  /** Where revoked-sessions.json lives; in memory without it. */
  dataDir?: string | undefined;
}): Sessions {
  const { secret, ttlMs, users, clock } = options;
  const path = options.dataDir ? join(options.dataDir, 'revoked-sessions.json') : undefined;
  /** jti -> epoch ms the token expires. */
  const revoked = new Map<string, number>();
  const save = coalescedWriter(async () => {
    if (path)
      await writeJsonFile(path, {
        version: 1,
        revoked: [...revoked].map(([jti, exp]) => ({ jti, exp })),
      });
  });
  const prune = () => {
    const now = clock.now();
    for (const [jti, exp] of revoked) if (exp <= now) revoked.delete(jti);
    if (revoked.size <= MAX_REVOKED) return;
    const soonest = [...revoked].sort((a, b) => a[1] - b[1]).slice(0, revoked.size - MAX_REVOKED);
    for (const [jti] of soonest) revoked.delete(jti);
  };

  /** The verified claims, or undefined for a bad signature, an expired or a malformed token. */
  const claims = async (token: string) => {
    try {
      // Time claims are checked against the injected clock below, not hono's Date.now().
      const payload = await verify(token, secret, { alg: 'HS256', exp: false, iat: false, nbf: false });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
      const expiresAt = payload.exp * 1000;
      if (expiresAt <= clock.now()) return undefined;
      return {
        sub: payload.sub,
        expiresAt,
        jti: typeof payload.jti === 'string' ? payload.jti : undefined,
        ver: typeof payload.ver === 'number' ? payload.ver : 0,
      };
    } catch {
      return undefined;
    }
  };

  return {
    ttlMs,
    async load() {
      if (!path) return;
      const file = await readJsonFile(path, revokedFileSchema, 'Revoked sessions');
      revoked.clear();
      for (const { jti, exp } of file?.revoked ?? []) revoked.set(jti, exp);
      prune();
    },
    async issue(user) {
      const now = clock.now();
      const expiresAt = now + ttlMs;
      const token = await sign(
        {
          sub: user.username,
          ver: users.sessionVersion(user.username) ?? 0,
          jti: randomBytes(16).toString('base64url'),
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
      const c = await claims(token);
      if (!c || (c.jti !== undefined && revoked.has(c.jti))) return undefined;
      // The user is looked up on every request so a removed user, a changed role or new sites
      // apply at once; a password change (a new session version) ends older sessions.
      const user = users.get(c.sub);
      if (!user || c.ver !== users.sessionVersion(c.sub)) return undefined;
      return { user, expiresAt: c.expiresAt };
    },
    async revoke(token) {
      const c = token ? await claims(token) : undefined;
      if (!c?.jti || revoked.has(c.jti)) return;
      revoked.set(c.jti, c.expiresAt);
      prune();
      await save();
    },
  };
}

/**
 * The token of an `Authorization: Bearer …` header; undefined for any other scheme.
 *
 * @example bearerToken('Bearer abc') // 'abc'
 */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
}

/** The token from `Authorization: Bearer …`, else from the session cookie. */
export function tokenFrom(headers: {
  authorization?: string | null;
  cookie?: string | null;
}): string | undefined {
  const bearer = bearerToken(headers.authorization);
  if (bearer) return bearer;
  if (headers.cookie) return parse(headers.cookie, SESSION_COOKIE)[SESSION_COOKIE];
  return undefined;
}
