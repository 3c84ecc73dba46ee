/**
 * What every open (no login) endpoint shares: one computed answer per time-to-live for all
 * callers, a per-client request budget answered with 429 + Retry-After, and an ETag so polling
 * clients can revalidate for free (RFC 9110 §13.1.2, If-None-Match -> 304).
 */
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../../shared/clock.ts';
import type { IpRateLimit } from './ip-rate-limit.ts';

/**
 * Computes a value at most once per `ttlMs`; every caller in between gets the same one.
 *
 * @example const cache = new TtlCache(10_000, clock); cache.get(() => expensive());
 */
export class TtlCache<T> {
  private value: { at: number; data: T } | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  get(compute: () => T): T {
    const now = this.clock.now();
    if (!this.value || now - this.value.at >= this.ttlMs || now < this.value.at)
      this.value = { at: now, data: compute() };
    return this.value.data;
  }

  /** When the cached value was computed (epoch ms), or undefined. */
  get computedAt(): number | undefined {
    return this.value?.at;
  }
}

/** A strong ETag of a body. @example etagOf('[]') // '"97d170e1550eee4afc0af065b78cda302a97674c"' */
export function etagOf(body: string | Uint8Array): string {
  return `"${createHash('sha1').update(body).digest('hex')}"`;
}

/** True when the request's If-None-Match already names this ETag (or `*`). */
export function notModified(c: Context, etag: string): boolean {
  const header = c.req.header('if-none-match');
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === etag || t === '*';
  });
}

/**
 * 429 with `Retry-After` (seconds) once a client used up its budget.
 *
 * @example app.use('/api/public/*', rateLimited(limiter, (c) => clientIp(c, 0)));
 */
export function rateLimited(limiter: IpRateLimit, clientIp: (c: Context) => string): MiddlewareHandler {
  return async (c, next) => {
    const { allowed, retryAfterS } = limiter.take(clientIp(c));
    if (!allowed) {
      c.header('Retry-After', String(retryAfterS));
      c.header('Cache-Control', 'no-store');
      return c.json({ error: `too many requests; try again in ${retryAfterS} s` }, 429);
    }
    await next();
  };
}
