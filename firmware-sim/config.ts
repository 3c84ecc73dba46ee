/**
 * Simulator configuration (STYLE.md rule 4): environment variable names and defaults, validated
 * once by `loadSimulatorConfig` in the entry file. CLI flags of main.ts are mapped onto the same
 * names first, so both paths share one validation.
 */
import { z } from 'zod';
import { type Env, loadConfig, logEnv } from '../shared/config.ts';
import type { ScenarioFilter } from './scenario.ts';
import { parseStart } from './sim-time.ts';

export const simulatorEnvSchema = z.object({
  /** The dashboard's operator API, used to provision sites and devices. */
  SIM_API_URL: z.string().url().default('http://127.0.0.1:3000'),
  MQTT_URL: z.string().url().default('mqtt://127.0.0.1:1883'),
  ADMIN_USER: z.string().min(1).default('admin'),
  ADMIN_PASSWORD: z.string().min(1, 'is required (the dashboard admin password)'),
  SIM_SEED: z.coerce.number().int().min(0).max(0xffffffff).default(2020),
  /** Time acceleration of the model clock: 60 = one simulated minute per real second. */
  SIM_SPEED: z.coerce.number().positive().max(100_000).default(1),
  /** Model start, `HH:MM` WIB, optionally after a weekday (`sat 18:00`); default now. */
  SIM_START: z
    .string()
    .refine(
      (v) => parseStart(v) !== undefined,
      'must be HH:MM (WIB), optionally after a weekday, e.g. 06:00 or sat 18:30',
    )
    .optional(),
  /** Simulated step in ms. */
  SIM_TICK_MS: z.coerce.number().int().min(100).max(600_000).default(1000),
  /** Keep at most this many buses (the incident buses first). */
  SIM_MAX_BUSES: z.coerce.number().int().min(0).optional(),
  /** Comma-separated site ids to simulate; default all. */
  SIM_SITES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .optional(),
  /** How long start() waits for the devices' first connections before running anyway. */
  SIM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  ...logEnv,
});

export interface SimulatorConfig {
  apiUrl: string;
  mqttUrl: string;
  adminUser: string;
  adminPassword: string;
  seed: number;
  speed: number;
  /** `HH:MM` WIB (optionally `sat 18:00`); undefined = the wall clock's time of day. */
  start?: string | undefined;
  tickMs: number;
  filter: ScenarioFilter;
  connectTimeoutMs: number;
}

export interface SimulatorSettings {
  simulator: SimulatorConfig;
  log: { level: string; format: 'json' | 'pretty' | undefined };
}

/** Defaults for everything but the credentials and URLs; for tests and the all-in-one start. */
export const SIMULATOR_DEFAULTS = {
  seed: 2020,
  speed: 1,
  tickMs: 1000,
  filter: {},
  connectTimeoutMs: 30_000,
} as const satisfies Partial<SimulatorConfig>;

/**
 * @example const { simulator } = loadSimulatorConfig(process.env); // throws ConfigError listing every problem
 */
export function loadSimulatorConfig(env: Env): SimulatorSettings {
  const e = loadConfig(simulatorEnvSchema, env, 'firmware-sim');
  return {
    simulator: {
      apiUrl: e.SIM_API_URL,
      mqttUrl: e.MQTT_URL,
      adminUser: e.ADMIN_USER,
      adminPassword: e.ADMIN_PASSWORD,
      seed: e.SIM_SEED,
      speed: e.SIM_SPEED,
      start: e.SIM_START,
      tickMs: e.SIM_TICK_MS,
      filter: { maxBuses: e.SIM_MAX_BUSES, sites: e.SIM_SITES },
      connectTimeoutMs: e.SIM_CONNECT_TIMEOUT_MS,
    },
    log: {
      level: e.LOG_LEVEL,
      format: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : undefined),
    },
  };
}
