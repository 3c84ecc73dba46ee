/**
 * Dashboard configuration (STYLE.md rule 4): environment variable names, defaults, validated once
 * by `loadDashboardConfig` in the entry file. DESIGN.md "Operator API" fixes `HTTP_PORT`,
 * `ADMIN_USER` and `ADMIN_PASSWORD`.
 */
import { z } from 'zod';
import {
  ConfigError,
  type Env,
  influxEnv,
  loadConfig,
  logEnv,
  mqttClientEnv,
  port,
} from '../shared/config.ts';
import { DEFAULT_POLICY_ID, POLICY_PRESETS } from '../shared/policy.ts';

const presetIds = POLICY_PRESETS.map((p) => p.id) as [string, ...string[]];

export const dashboardConfigSchema = z.object({
  HTTP_PORT: port(3000),
  HTTP_HOST: z.string().default('0.0.0.0'),
  ADMIN_USER: z.string().min(1).max(64).default('admin'),
  /** Required here; the all-in-one start supplies (and prints) a demo default. */
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters'),
  /** HS256 key of the session tokens. Unset: random per process, so sessions end at restart. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  DATA_DIR: z.string().default('./data'),
  /** The city policy used until an operator records another one (then registry.json wins). */
  POLICY_PRESET: z.enum(presetIds).default(DEFAULT_POLICY_ID),
  /** socket.io batch period (DESIGN.md "Known traps": one batch per room per tick, 100-500 ms). */
  LIVE_TICK_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  /** How often live sockets' sessions are verified again; a logged-out or expired one is ended. */
  LIVE_SESSION_CHECK_MS: z.coerce.number().int().min(10).max(300_000).default(5000),
  /** When set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(1).optional(),
  /** How long a registry change may take to come back through the broker before the API says 503. */
  REGISTRY_ECHO_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** How long an alarm action or counting correction waits for ingest's reply before the API says 503. */
  CONTROL_REPLY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** How often the notifier looks for due webhook retries and re-notifications. */
  NOTIFY_TICK_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** At most one notification per site per webhook in this window (0: no limit); a worse alarm still goes out. */
  NOTIFY_RATE_LIMIT_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** Attempts per webhook delivery before it is recorded as failed. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** First retry delay; doubled each attempt (with jitter) up to WEBHOOK_BACKOFF_MAX_MS. */
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  WEBHOOK_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(300_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** A delivery still failing this long after the event is given up (recorded as failed). */
  WEBHOOK_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(30 * 86_400_000)
    .default(86_400_000),
  /** Delivery log records kept in DATA_DIR/deliveries.json (pending ones are always kept). */
  DELIVERY_LOG_MAX: z.coerce.number().int().min(10).max(100_000).default(2000),
  /** Pending webhook deliveries kept per webhook while it is down or slow; past it the oldest is dropped. */
  WEBHOOK_MAX_PENDING: z.coerce.number().int().min(1).max(100_000).default(500),
  // --- open data: public crowd guide and GTFS (README "Public crowd guide", "Open data") ---
  /** Seconds one computed `GET /api/public/crowd` answer is shared by every caller (and may be cached). */
  PUBLIC_CACHE_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Requests per minute per client IP to the open endpoints (public API, GTFS) before 429. */
  PUBLIC_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(60),
  /** A venue not heard from for this long shows "tidak ada data" in the public guide. */
  PUBLIC_STALE_MINUTES: z.coerce.number().min(1).max(1440).default(15),
  /** How far a suggested less crowded alternative may be, in metres. */
  PUBLIC_ALTERNATIVES_RADIUS_M: z.coerce.number().int().min(100).max(100_000).default(5000),
  /** Seconds one computed GTFS-Realtime feed is served (and its Cache-Control max-age). */
  GTFS_RT_CACHE_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  /** Buses not heard from for this long are left out of the GTFS-Realtime feed. */
  GTFS_RT_STALE_MINUTES: z.coerce.number().min(1).max(1440).default(10),
  /** agency.txt `agency_name` / `agency_url` of the static GTFS feed. */
  GTFS_AGENCY_NAME: z.string().min(1).max(200).default('Trans Batam'),
  GTFS_AGENCY_URL: z.string().url().default('https://batam.go.id'),
  /** feed_info.txt `feed_publisher_name` / `feed_publisher_url`: who answers for the feed. */
  GTFS_PUBLISHER_NAME: z.string().min(1).max(200).default('Dinas Perhubungan Kota Batam'),
  GTFS_PUBLISHER_URL: z.string().url().default('https://batam.go.id'),
  // --- end open data ---
  // --- HTTP security (docs/security.md) ---
  /** PEM certificate chain path; with HTTPS_KEY the dashboard serves HTTPS (and wss) itself. */
  HTTPS_CERT: z.string().min(1).optional(),
  /** PEM private key path (set together with HTTPS_CERT). */
  HTTPS_KEY: z.string().min(1).optional(),
  /**
   * Reverse proxies in front of the dashboard (0: none). When > 0, X-Forwarded-For (that many
   * hops from the right) names the client IP for login limiting, X-Forwarded-Proto marks HTTPS
   * and X-Forwarded-Host counts as the same origin. Only set it when clients cannot bypass the proxy.
   */
  TRUST_PROXY: z.preprocess(
    (v) => (v === 'on' || v === 'true' ? '1' : v === 'off' || v === 'false' ? '0' : v),
    z.coerce.number().int().min(0).max(10).default(0),
  ),
  /** Failed logins per username and client IP in LOGIN_WINDOW_MS before 429. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Failed logins per client IP (any username) in LOGIN_WINDOW_MS before 429. */
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Sliding window of the login limits (default 15 min). */
  LOGIN_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(900_000),
  /** Most (username, IP) and IP keys the login limiter remembers; the least recently used go first. */
  LOGIN_LIMITER_MAX_KEYS: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  // --- end HTTP security ---
  // --- compliance report cache (dashboard/reports/report-cache.ts) ---
  /** A WIB day's report summary is cached once the day ended this long ago (default 10 min). */
  REPORT_CACHE_GRACE_MS: z.coerce.number().int().min(0).max(86_400_000).default(600_000),
  /** Until a day ended this long ago, its cached summary is checked against the store before use (72 h). */
  REPORT_CACHE_SETTLE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(90 * 86_400_000)
    .default(259_200_000),
  /** Most cached site-day summaries (least recently used go first); 0 turns the cache off. */
  REPORT_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(40_000),
  /** Most heap bytes (estimated, ~1.4 KB a site-day) the cached summaries may take (default 64 MiB). */
  REPORT_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 34)
    .default(67_108_864),
  // --- end compliance report cache ---
  ...mqttClientEnv,
  ...influxEnv,
  ...logEnv,
});

export type DashboardConfig = z.infer<typeof dashboardConfigSchema>;

/**
 * @example const config = loadDashboardConfig(process.env); // throws ConfigError listing every problem
 */
export function loadDashboardConfig(env: Env): DashboardConfig {
  const config = loadConfig(dashboardConfigSchema, env, 'dashboard');
  if (Boolean(config.HTTPS_CERT) !== Boolean(config.HTTPS_KEY))
    throw new ConfigError(
      'Invalid dashboard configuration: HTTPS_CERT and HTTPS_KEY must be set together (or neither)',
    );
  return config;
}
