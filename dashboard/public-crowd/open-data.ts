/**
 * Everything the dashboard serves without login, wired in one place so create-dashboard.ts only
 * mounts it (before the `/api/*` login guard): the public crowd guide (public-routes.ts) and the
 * GTFS feeds (../gtfs/gtfs-routes.ts). Each surface has its own per-IP budget of
 * PUBLIC_RATE_LIMIT_PER_MIN, so a journey planner polling GTFS-Realtime every few seconds does not
 * eat into a visitor's crowd-guide budget behind the same NAT.
 */
import { Hono } from 'hono';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { Site } from '../../shared/registry-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import type { DashboardConfig } from '../config.ts';
import { gtfsRoutes } from '../gtfs/gtfs-routes.ts';
import { clientIp } from '../https.ts';
import { IpRateLimit } from './ip-rate-limit.ts';
import { buildPublicAssets, type PublicAssets } from './public-assets.ts';
import { publicRoutes } from './public-routes.ts';

export interface OpenDataDeps {
  views: () => SiteView[];
  sites: () => Site[];
  siteOf: (id: string) => Site | undefined;
  clock: Clock;
  logger: Logger;
}

/** Upper bound on clients each limiter remembers. */
const LIMITER_MAX_KEYS = 10_000;

/**
 * @example
 * const openData = createOpenData(config, { views: () => live.views(), sites: () => registry.listSites(), siteOf: (id) => registry.getSite(id), clock, logger });
 * app.route('/', openData.app); // before app.use('/api/*', requireUser(...))
 * await openData.start();       // builds the public page's bundle
 */
export function createOpenData(config: DashboardConfig, deps: OpenDataDeps) {
  let assets: PublicAssets = { html: null, js: null, css: null, problem: 'not started' };
  const ip = (c: Parameters<typeof clientIp>[0]) => clientIp(c, config.TRUST_PROXY);
  const limiter = () =>
    new IpRateLimit({
      limit: config.PUBLIC_RATE_LIMIT_PER_MIN,
      maxKeys: LIMITER_MAX_KEYS,
      clock: deps.clock,
    });

  const app = new Hono();
  app.route(
    '/',
    publicRoutes({
      views: deps.views,
      siteOf: deps.siteOf,
      clock: deps.clock,
      limiter: limiter(),
      clientIp: ip,
      assets: () => assets,
      cacheSeconds: config.PUBLIC_CACHE_SECONDS,
      staleMinutes: config.PUBLIC_STALE_MINUTES,
      radiusM: config.PUBLIC_ALTERNATIVES_RADIUS_M,
      maxAlternatives: 3,
    }),
  );
  app.route(
    '/',
    gtfsRoutes({
      views: deps.views,
      sites: deps.sites,
      clock: deps.clock,
      limiter: limiter(),
      clientIp: ip,
      feed: {
        agencyName: config.GTFS_AGENCY_NAME,
        agencyUrl: config.GTFS_AGENCY_URL,
        publisherName: config.GTFS_PUBLISHER_NAME,
        publisherUrl: config.GTFS_PUBLISHER_URL,
      },
      realtimeCacheSeconds: config.GTFS_RT_CACHE_SECONDS,
      staleMinutes: config.GTFS_RT_STALE_MINUTES,
    }),
  );

  return {
    app,
    async start(): Promise<void> {
      assets = await buildPublicAssets({ production: config.NODE_ENV === 'production', logger: deps.logger });
    },
  };
}
