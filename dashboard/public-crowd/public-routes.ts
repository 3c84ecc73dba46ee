/**
 * The public crowd guide over HTTP, no login (issue #7 item 2): `GET /api/public/crowd` (JSON),
 * the page at `/publik` (Bahasa Indonesia) and `/public` (the same page, opening in English), and
 * its assets. Registered before the `/api/*` login guard. One computed answer per cache period
 * for every caller, a per-IP budget (429 + Retry-After), `Cache-Control: public`.
 */
import { type Context, Hono } from 'hono';
import type { Clock } from '../../shared/clock.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import type { IpRateLimit } from './ip-rate-limit.ts';
import { etagOf, notModified, rateLimited, TtlCache } from './open-endpoint.ts';
import type { PublicAssets } from './public-assets.ts';
import { publicCrowd } from './public-crowd.ts';

export interface PublicRoutesDeps {
  views: () => SiteView[];
  siteOf: (id: string) => Site | undefined;
  clock: Clock;
  limiter: IpRateLimit;
  clientIp: (c: Context) => string;
  assets: () => PublicAssets;
  /** Seconds one computed answer is served (and browsers and proxies may keep it). */
  cacheSeconds: number;
  staleMinutes: number;
  radiusM: number;
  maxAlternatives: number;
}

/** Open data may be read by any web app: no credentials are involved, so `*` is safe. */
const OPEN_CORS = { 'Access-Control-Allow-Origin': '*' };

/**
 * @example app.route('/', publicRoutes({ views: () => live.views(), siteOf: (id) => registry.getSite(id), ... }));
 */
export function publicRoutes(deps: PublicRoutesDeps) {
  const app = new Hono();
  const cache = new TtlCache<{ body: string; etag: string }>(deps.cacheSeconds * 1000, deps.clock);
  const compute = () => {
    const body = JSON.stringify(
      publicCrowd(deps.views(), deps.siteOf, {
        nowMs: deps.clock.now(),
        staleMs: deps.staleMinutes * 60_000,
        radiusM: deps.radiusM,
        maxAlternatives: deps.maxAlternatives,
      }),
    );
    return { body, etag: etagOf(body) };
  };

  app.use('/api/public/*', rateLimited(deps.limiter, deps.clientIp));
  app.get('/api/public/crowd', (c) => {
    const { body, etag } = cache.get(compute);
    const headers = {
      ...OPEN_CORS,
      'Cache-Control': `public, max-age=${deps.cacheSeconds}`,
      ETag: etag,
      'Content-Type': 'application/json; charset=utf-8',
    };
    if (notModified(c, etag)) return c.body(null, 304, headers);
    return c.body(body, 200, headers);
  });

  const page = (c: Context) => {
    const { html, problem } = deps.assets();
    if (html) return c.html(html, 200, { 'Cache-Control': 'no-cache' });
    return c.text(`Panduan keramaian belum tersedia / The crowd guide is not available (${problem})`, 503);
  };
  app.get('/publik', page);
  app.get('/public', page);
  app.get('/assets/public.js', (c) => {
    const { js } = deps.assets();
    return js
      ? c.body(js, 200, { 'Cache-Control': 'no-cache', 'Content-Type': 'text/javascript; charset=utf-8' })
      : c.json({ error: 'the public page bundle is not available' }, 503);
  });
  app.get('/assets/public.css', (c) => {
    const { css } = deps.assets();
    return css
      ? c.body(css, 200, { 'Cache-Control': 'no-cache', 'Content-Type': 'text/css; charset=utf-8' })
      : c.json({ error: 'public.css is not available' }, 404);
  });
  return app;
}
