/**
 * Open transit data over HTTP, no login (issue #7 item 1): `GET /gtfs/static.zip` (GTFS
 * Schedule) and `GET /gtfs-rt/vehicle-positions` (GTFS-Realtime protobuf; `?format=json` for
 * humans). Both are computed at most once per cache period for every caller, carry an ETag and
 * Last-Modified for cheap revalidation, and share a per-IP budget (429 + Retry-After).
 */
import { type Context, Hono } from 'hono';
import type { Clock } from '../../shared/clock.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import type { IpRateLimit } from '../public-crowd/ip-rate-limit.ts';
import { etagOf, notModified, rateLimited, TtlCache } from '../public-crowd/open-endpoint.ts';
import { type StaticFeedOptions, staticFeedZip } from './static-feed.ts';
import { encodeFeed, feedAsJson, vehiclePositionsFeed } from './vehicle-positions.ts';

export interface GtfsRoutesDeps {
  views: () => SiteView[];
  sites: () => Site[];
  clock: Clock;
  limiter: IpRateLimit;
  clientIp: (c: Context) => string;
  feed: Omit<StaticFeedOptions, 'nowMs' | 'corridors'>;
  /** Seconds one computed vehicle feed is served (and clients may keep it). */
  realtimeCacheSeconds: number;
  /** Buses not heard from for this long are left out of the realtime feed. */
  staleMinutes: number;
}

const OPEN_CORS = { 'Access-Control-Allow-Origin': '*' };
/** The static feed changes when a bus or corridor is added; an hour of staleness is harmless. */
const STATIC_MAX_AGE_S = 3600;

/**
 * @example app.route('/', gtfsRoutes({ views: () => live.views(), sites: () => registry.listSites(), ... }));
 */
export function gtfsRoutes(deps: GtfsRoutesDeps) {
  const app = new Hono();
  app.use('/gtfs/*', rateLimited(deps.limiter, deps.clientIp));
  app.use('/gtfs-rt/*', rateLimited(deps.limiter, deps.clientIp));

  let zipCache: { key: string; body: Uint8Array; etag: string; at: number } | undefined;
  app.get('/gtfs/static.zip', (c) => {
    const now = deps.clock.now();
    const busRoutes = deps
      .sites()
      .filter((s) => s.kind === 'bus')
      .map((s) => s.route ?? '')
      .sort();
    const day = new Date(now + 7 * 3_600_000).toISOString().slice(0, 10);
    const key = JSON.stringify([day, busRoutes, deps.feed]);
    if (zipCache?.key !== key) {
      const body = staticFeedZip(deps.sites(), { ...deps.feed, nowMs: now });
      zipCache = { key, body, etag: etagOf(body), at: now };
    }
    const headers = {
      ...OPEN_CORS,
      'Cache-Control': `public, max-age=${STATIC_MAX_AGE_S}`,
      ETag: zipCache.etag,
      'Last-Modified': new Date(zipCache.at).toUTCString(),
      'Content-Type': 'application/zip',
      'Content-Disposition': 'attachment; filename="gtfs-trans-batam.zip"',
    };
    if (notModified(c, zipCache.etag)) return c.body(null, 304, headers);
    return c.body(zipCache.body as Uint8Array<ArrayBuffer>, 200, headers);
  });

  const realtime = new TtlCache<{ body: Uint8Array; json: string; etag: string; at: number }>(
    deps.realtimeCacheSeconds * 1000,
    deps.clock,
  );
  app.get('/gtfs-rt/vehicle-positions', (c) => {
    const feed = realtime.get(() => {
      const now = deps.clock.now();
      const message = vehiclePositionsFeed(deps.views(), { nowMs: now, staleMs: deps.staleMinutes * 60_000 });
      const body = encodeFeed(message);
      return { body, json: JSON.stringify(feedAsJson(message)), etag: etagOf(body), at: now };
    });
    const asJson = c.req.query('format') === 'json';
    const etag = asJson ? `${feed.etag.slice(0, -1)}-json"` : feed.etag;
    const headers = {
      ...OPEN_CORS,
      'Cache-Control': `public, max-age=${deps.realtimeCacheSeconds}`,
      ETag: etag,
      'Last-Modified': new Date(feed.at).toUTCString(),
      Vary: 'Accept-Encoding',
      'Content-Type': asJson ? 'application/json; charset=utf-8' : 'application/x-protobuf',
    };
    if (notModified(c, etag)) return c.body(null, 304, headers);
    return c.body(asJson ? feed.json : (feed.body as Uint8Array<ArrayBuffer>), 200, headers);
  });
  return app;
}
