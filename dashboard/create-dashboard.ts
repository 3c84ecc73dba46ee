/**
 * The dashboard service (DESIGN.md "Shape"): control plane for the registry, operator API, live
 * view over socket.io and the browser UI, on one HTTP server. Side-effect free until start()
 * (STYLE.md rule 5); stop() undoes all start() did.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { type Clock, systemClock } from '../shared/clock.ts';
import { type Logger, silentLogger } from '../shared/log.ts';
import { connectService } from '../shared/mqtt-service.ts';
import { packageRoot } from '../shared/package-root.ts';
import { type HistoryStore, storeDegraded } from '../shared/store/history-store.ts';
import { filters, parseTopic } from '../shared/topics.ts';
import { AlarmCache } from './alarm-cache.ts';
import { alarmRoutes } from './alarm-routes.ts';
import { type AppEnv, authRoutes, requireUser } from './auth-routes.ts';
import type { DashboardConfig } from './config.ts';
import { ControlClient } from './control-client.ts';
import { countRoutes } from './count-routes.ts';
import { csrfGuard } from './csrf.ts';
import { forecastRoutes } from './forecast-routes.ts';
import { historyRoutes } from './history-routes.ts';
import { HttpError, MAX_BODY_BYTES } from './http-errors.ts';
import { readTlsFiles, strictTransportSecurity } from './https.ts';
import { attachLiveSocket, type LiveSocketHub } from './live-socket.ts';
import { LiveState } from './live-state.ts';
import { LoginLimiter } from './login-limiter.ts';
import { createDashboardMetrics, trackOpenAlarms } from './metrics.ts';
import { DeliveryLog } from './notify/delivery-log.ts';
import { Notifier } from './notify/notifier.ts';
import { webhookRoutes } from './notify/webhook-routes.ts';
import { WebhookStore } from './notify/webhook-store.ts';
import { createOpenData } from './public-crowd/open-data.ts';
import { registryRoutes } from './registry-routes.ts';
import { RegistryStore } from './registry-store.ts';
import { reportRoutes } from './reports/report-routes.ts';
import { createSessions } from './sessions.ts';
import { buildStaticAssets, type StaticAssets, unavailablePage } from './static-assets.ts';
import { userRoutes } from './user-routes.ts';
import { createUserStore } from './users.ts';

export interface DashboardDeps {
  store: HistoryStore;
  logger?: Logger;
  metrics?: Registry;
  clock?: Clock;
  /** Jitter of webhook retries (default Math.random). */
  random?: () => number;
}

/** Only a plain host[:port] may go into the CSP header; anything else falls back to 'self' alone. */
const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * Older browsers do not count ws:/wss: to the same host as 'self' (CSP Level 3 does), so the
 * socket.io endpoint is named explicitly.
 */
const sameHostSocket = (scheme: 'ws' | 'wss') => (c: Context) => {
  const host = c.req.header('host');
  return host && HOST_PATTERN.test(host) ? `${scheme}://${host}` : "'self'";
};

async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * @example
 * const dashboard = createDashboard(loadDashboardConfig(process.env), { store: createMemoryStore() });
 * const { url } = await dashboard.start();
 * await dashboard.stop();
 */
export function createDashboard(config: DashboardConfig, deps: DashboardDeps) {
  const { store } = deps;
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const promRegistry = deps.metrics ?? new Registry();
  const metrics = createDashboardMetrics(promRegistry);
  const production = config.NODE_ENV === 'production';

  const sessionSecret = config.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  const users = createUserStore({ dataDir: config.DATA_DIR, now: () => clock.now() });
  const sessions = createSessions({
    secret: sessionSecret,
    ttlMs: config.SESSION_TTL_HOURS * 3_600_000,
    users,
    clock,
    dataDir: config.DATA_DIR,
  });
  const loginLimiter = new LoginLimiter(
    {
      maxPerUserIp: config.LOGIN_MAX_FAILURES,
      maxPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
      windowMs: config.LOGIN_WINDOW_MS,
      maxKeys: config.LOGIN_LIMITER_MAX_KEYS,
    },
    clock,
  );
  const registry = new RegistryStore({
    dataDir: config.DATA_DIR,
    defaultPolicyId: config.POLICY_PRESET,
    echoTimeoutMs: config.REGISTRY_ECHO_TIMEOUT_MS,
    clock,
    logger,
    metrics,
  });
  const live = new LiveState(registry, logger, metrics);
  const alarms = new AlarmCache(logger, metrics);
  trackOpenAlarms(metrics, () => alarms.list());
  const control = new ControlClient({ timeoutMs: config.CONTROL_REPLY_TIMEOUT_MS, logger, metrics });
  const webhooks = new WebhookStore(config.DATA_DIR);
  const deliveries = new DeliveryLog(config.DATA_DIR, config.DELIVERY_LOG_MAX);
  const openData = createOpenData(config, {
    views: () => live.views(),
    sites: () => registry.listSites(),
    siteOf: (id) => registry.getSite(id),
    clock,
    logger,
  });
  let notifier: Notifier | undefined;

  let client: MqttClient | undefined;
  let server: HttpServer | undefined;
  let hub: LiveSocketHub | undefined;
  let assets: StaticAssets = { indexHtml: null, appJs: null, stylesCss: null, problem: 'not started' };
  let version = 'unknown';

  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    await next();
    metrics.httpRequests.inc({ method: c.req.method, status: String(c.res.status) });
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        connectSrc: ["'self'", sameHostSocket('ws'), sameHostSocket('wss')],
        // OpenStreetMap tiles are an opt-in map layer (off by default; the map works offline).
        imgSrc: ["'self'", 'data:', 'https://tile.openstreetmap.org'],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      // HSTS only over HTTPS (strictTransportSecurity below); over plain HTTP it is meaningless.
      strictTransportSecurity: false,
    }),
  );
  app.use('*', strictTransportSecurity());
  app.use('*', csrfGuard({ trustProxy: config.TRUST_PROXY, onRefused: () => metrics.csrfRefused.inc() }));
  // readJson checks Content-Length, but a chunked body has none and was read whole before its
  // size was known: stop reading any API body past the limit (found by test/fuzz/http-fuzz).
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `body is larger than ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );

  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json({ error: err.message }, err.status);
    if (err instanceof HTTPException && err.status < 500)
      return c.json({ error: err.message || 'bad request' }, err.status);
    logger.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal error' }, 500);
  });
  app.notFound((c) =>
    c.req.path.startsWith('/api/') ? c.json({ error: 'not found' }, 404) : c.text('Not found', 404),
  );

  app.get('/healthz', (c) => {
    const mqtt = client?.connected ?? false;
    const stats = store.stats();
    // Spooling to disk or InfluxDB not reached since start is degraded but alive: nothing is lost, live view works.
    const degraded = storeDegraded(stats);
    return c.json({ status: mqtt && !degraded ? 'ok' : 'degraded', mqtt, store: stats }, mqtt ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    if (config.METRICS_TOKEN) {
      const expected = Buffer.from(`Bearer ${config.METRICS_TOKEN}`);
      const given = Buffer.from(c.req.header('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new HttpError(401, 'metrics token required');
    }
    return c.text(await promRegistry.metrics(), 200, { 'Content-Type': promRegistry.contentType });
  });

  // Open data (public crowd guide, GTFS feeds) needs no login, so it also comes before the guard.
  app.route('/', openData.app);
  // Login and logout come before the guard: Hono runs handlers in registration order.
  app.route(
    '/api',
    authRoutes({
      users,
      sessions,
      metrics,
      limiter: loginLimiter,
      trustProxy: config.TRUST_PROXY,
      logger,
      onSessionEnded: () => void hub?.checkSessions().catch(() => undefined),
    }),
  );
  app.use('/api/*', requireUser(sessions));
  app.get('/api/me', (c) => c.json(c.get('user')));
  app.get('/api/info', (c) => {
    const { preset } = registry.policy();
    return c.json({
      store: store.kind,
      storeDescription: store.describe(),
      policy: { id: preset.id, label: preset.label },
      version,
    });
  });
  app.route('/api', registryRoutes({ registry, live }));
  app.route('/api', historyRoutes({ store, registry, clock, logger }));
  app.route('/api', forecastRoutes({ store, registry, live, clock, logger }));
  app.route('/api', userRoutes({ users, registry, envAdmin: config.ADMIN_USER }));
  app.route('/api', alarmRoutes({ alarms, control, registry, store, clock, logger }));
  app.route('/api', countRoutes({ control, registry, store, clock, logger }));
  app.route('/api', webhookRoutes({ webhooks, deliveries, registry, clock }));
  // Compliance reports (issue #7 item 4): JSON/CSV under /api, the printable page checks its own session.
  const reports = reportRoutes({
    store,
    registry,
    sessions,
    clock,
    logger,
    metrics: promRegistry,
    cache: {
      graceMs: config.REPORT_CACHE_GRACE_MS,
      settleMs: config.REPORT_CACHE_SETTLE_MS,
      maxEntries: config.REPORT_CACHE_MAX_ENTRIES,
      maxBytes: config.REPORT_CACHE_MAX_BYTES,
    },
  });
  app.route('/api', reports.api);
  app.route('/', reports.pages);

  const noStore = { 'Cache-Control': 'no-cache' };
  app.get('/', (c) => {
    if (assets.indexHtml && assets.appJs) return c.html(assets.indexHtml, 200, noStore);
    return c.html(unavailablePage(assets.problem ?? 'unknown', !production), 503, noStore);
  });
  app.get('/assets/app.js', (c) =>
    assets.appJs
      ? c.body(assets.appJs, 200, { ...noStore, 'Content-Type': 'text/javascript; charset=utf-8' })
      : c.json({ error: 'the UI bundle is not available' }, 503),
  );
  app.get('/assets/styles.css', (c) =>
    assets.stylesCss
      ? c.body(assets.stylesCss, 200, { ...noStore, 'Content-Type': 'text/css; charset=utf-8' })
      : c.json({ error: 'styles.css is not available' }, 404),
  );

  /** Never throws out of the MQTT handler (STYLE.md rule 3). */
  const onMessage = (topic: string, payload: Buffer) => {
    try {
      const parsed = parseTopic(topic);
      if (parsed?.kind === 'site-state') live.handleState(parsed.siteId, payload);
      else if (parsed?.kind === 'live-site-states') live.handleBatch(payload);
      else if (parsed?.kind === 'site-alarm') {
        metrics.alarms.inc();
        alarms.handle(parsed.siteId, parsed.type, payload);
      } else if (parsed?.kind === 'control-reply') control.handleReply(parsed.requestId, payload);
      else if (parsed?.kind.startsWith('registry-')) registry.handleMessage(topic, payload);
    } catch (err) {
      logger.error({ err, topic }, 'MQTT message handler failed');
    }
  };

  async function stop(): Promise<void> {
    await notifier?.stop();
    notifier = undefined;
    const closing = hub?.close();
    server?.closeAllConnections();
    await closing;
    hub = undefined;
    server = undefined;
    registry.detach();
    control.detach();
    if (client) {
      client.off('message', onMessage);
      await client.endAsync();
      client = undefined;
    }
  }

  async function start(): Promise<{ port: number; url: string }> {
    if (!config.SESSION_SECRET)
      logger.warn(
        'SESSION_SECRET is not set: using a random key, so every session ends when the dashboard restarts',
      );
    await Promise.all([registry.load(), users.load(), webhooks.load(), deliveries.load(), sessions.load()]);
    await users.ensureAdmin(config.ADMIN_USER, config.ADMIN_PASSWORD);
    [assets, version] = await Promise.all([buildStaticAssets({ production, logger }), packageVersion()]);
    await openData.start();

    client = await connectService({
      url: config.MQTT_URL,
      service: 'dashboard',
      secret: config.MQTT_SERVICE_SECRET,
    });
    client.on('message', onMessage);
    client.on('error', (err) => logger.warn({ err: err.message }, 'MQTT error'));
    client.on('offline', () => logger.warn('MQTT offline; reconnecting'));
    await client.subscribeAsync(
      [filters.registry, filters.allSiteStates, filters.allSiteAlarms, filters.controlReplies],
      { qos: 1 },
    );
    // The live feed (ingest/live-batches.ts): QoS 0, a lost frame is superseded by the next one.
    await client.subscribeAsync(filters.liveSiteStates, { qos: 0 });
    registry.attach(client);
    control.attach(client);
    notifier = new Notifier(
      {
        tickMs: config.NOTIFY_TICK_MS,
        rateLimitMs: config.NOTIFY_RATE_LIMIT_MS,
        maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
        backoffBaseMs: config.WEBHOOK_BACKOFF_MS,
        backoffMaxMs: config.WEBHOOK_BACKOFF_MAX_MS,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        maxAgeMs: config.WEBHOOK_MAX_AGE_MS,
        maxPendingPerWebhook: config.WEBHOOK_MAX_PENDING,
        userAgent: `jagajarak/${version}`,
      },
      {
        webhooks,
        deliveries,
        alarms,
        registry,
        clock,
        logger,
        metrics,
        ...(deps.random ? { random: deps.random } : {}),
      },
    );
    notifier.start();

    const tls = await readTlsFiles(config);
    const httpServer = (
      tls
        ? createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: tls })
        : createAdaptorServer({ fetch: app.fetch })
    ) as HttpServer;
    server = httpServer;
    hub = attachLiveSocket(httpServer, {
      tickMs: config.LIVE_TICK_MS,
      storeKind: store.kind,
      sessions,
      live,
      alarms,
      users,
      registry,
      logger,
      metrics,
      now: () => clock.now(),
      sessionCheckMs: config.LIVE_SESSION_CHECK_MS,
      trustProxy: config.TRUST_PROXY,
    });
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.HTTP_PORT, config.HTTP_HOST, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const { port } = httpServer.address() as AddressInfo;
    const host = config.HTTP_HOST === '0.0.0.0' || config.HTTP_HOST === '::' ? 'localhost' : config.HTTP_HOST;
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info({ url, store: store.describe() }, 'dashboard listening');
    return { port, url };
  }

  return {
    app,
    /** The user store (tests add users here as well as through the API). */
    users,
    /** Current alarms as ingest published them. */
    alarms,
    /** Runs one notifier round now (due retries and re-notifications); tests call it after moving the clock. */
    notifyTick: () => notifier?.tick() ?? Promise.resolve(),
    /** Resolves once listening; on failure undoes what it did and rethrows. */
    async start(): Promise<{ port: number; url: string }> {
      try {
        return await start();
      } catch (err) {
        await stop().catch(() => undefined);
        throw err;
      }
    },
    stop,
  };
}

export type Dashboard = ReturnType<typeof createDashboard>;
