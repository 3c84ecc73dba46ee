/**
 * Cross-site request forgery guard (issue #6 item 5, docs/security.md "CSRF"). A state-changing
 * request (POST, PUT, PATCH, DELETE) that a browser could send with our cookie attached must come
 * from our own origin; a cross-site one gets 403 `{"error":"cross-site request refused"}`.
 *
 * The algorithm is Go 1.25's `http.CrossOriginProtection` (Filippo Valsorda, "CSRF", 2025):
 * 1. `Sec-Fetch-Site` (every browser since 2023) is authoritative: `same-origin` or `none`
 *    passes, `same-site` and `cross-site` are refused. SameSite=Strict cookies do not stop a
 *    sibling subdomain (same site, other origin), this does.
 * 2. Without it, `Origin` must name the host the request was sent to (Host, or with TRUST_PROXY
 *    the X-Forwarded-Host). The scheme is not compared: a TLS-terminating proxy makes it differ.
 * 3. With neither header it is not a browser request (curl, scripts, the simulator): it passes,
 *    since ambient credentials are a browser's.
 * `Authorization: Bearer` requests skip the check: the token is never attached by the browser,
 * so a forged request cannot carry it.
 *
 * Not hono/csrf: it only inspects form and text/plain bodies (it leans on CORS preflight for the
 * rest), answers a bare text 403, cannot exempt bearer requests, and compares the full origin
 * including the scheme, which breaks behind a TLS-terminating proxy.
 */
import type { MiddlewareHandler } from 'hono';
import { HttpError } from './http-errors.ts';
import { forwardedEntry } from './https.ts';
import { bearerToken } from './sessions.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CROSS_SITE_ERROR = 'cross-site request refused';

/** Host (with port) of an Origin header value; undefined for `null` or garbage. */
function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Host header value as URL.host would print it (default ports dropped). */
function normalizeHost(host: string, scheme: 'http:' | 'https:'): string | undefined {
  try {
    return new URL(`${scheme}//${host}`).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The decision alone, for tests and other transports (socket.io handshakes).
 *
 * @example isSameOriginRequest({ method: 'POST', secFetchSite: 'cross-site' }) // false
 */
export function isSameOriginRequest(request: {
  method: string;
  secFetchSite?: string | undefined;
  origin?: string | undefined;
  host?: string | undefined;
  forwardedHost?: string | undefined;
}): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return true;
  const site = request.secFetchSite?.toLowerCase();
  if (site) return site === 'same-origin' || site === 'none';
  if (request.origin === undefined) return true;
  const from = originHost(request.origin);
  if (!from) return false;
  const scheme = request.origin.startsWith('https:') ? 'https:' : 'http:';
  return [request.host, request.forwardedHost].some(
    (h) => h !== undefined && normalizeHost(h, scheme) === from,
  );
}

/**
 * @example app.use('*', csrfGuard({ trustProxy: config.TRUST_PROXY }));
 */
export function csrfGuard(options: { trustProxy: number; onRefused?: () => void }): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method) && !bearerToken(c.req.header('authorization'))) {
      const ok = isSameOriginRequest({
        method: c.req.method,
        secFetchSite: c.req.header('sec-fetch-site'),
        origin: c.req.header('origin'),
        host: c.req.header('host'),
        forwardedHost: forwardedEntry(c.req.header('x-forwarded-host'), options.trustProxy),
      });
      if (!ok) {
        options.onRefused?.();
        throw new HttpError(403, CROSS_SITE_ERROR);
      }
    }
    await next();
  };
}
