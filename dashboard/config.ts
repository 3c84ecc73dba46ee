/**
 * Dashboard configuration (STYLE.md rule 4): environment variable names, defaults, validated once
 * by `loadDashboardConfig` in the entry file. DESIGN.md "Operator API" fixes `HTTP_PORT`,
 * `ADMIN_USER` and `ADMIN_PASSWORD`.
 */
import { z } from 'zod';
import { type Env, influxEnv, loadConfig, logEnv, mqttClientEnv, port } from '../shared/config.ts';
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
  ...mqttClientEnv,
  ...influxEnv,
  ...logEnv,
});

export type DashboardConfig = z.infer<typeof dashboardConfigSchema>;

/**
 * @example const config = loadDashboardConfig(process.env); // throws ConfigError listing every problem
 */
export function loadDashboardConfig(env: Env): DashboardConfig {
  return loadConfig(dashboardConfigSchema, env, 'dashboard');
}
