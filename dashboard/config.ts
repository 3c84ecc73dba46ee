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
