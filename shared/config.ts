/**
 * Config loading (STYLE.md rule 4): each service declares a zod schema over the environment
 * variables it reads, with defaults; `loadConfig` validates once at start and reports every
 * problem together. Only entry files pass `process.env` in.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { formatIssues } from './validation.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export function loadConfig<S extends z.ZodType>(schema: S, env: Env, service: string): z.infer<S> {
  // Empty strings mean "unset" (docker-compose writes `FOO=` for absent values).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success)
    throw new ConfigError(`Invalid ${service} configuration: ${formatIssues(result.error)}`);
  return result.data;
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default(fallback)
    .transform((v) => v === 'on' || v === 'true' || v === '1');

/** Environment shared by every service that talks to the broker as a server identity. */
export const mqttClientEnv = {
  MQTT_URL: z.string().url().default('mqtt://127.0.0.1:1883'),
  /** Password of the server identities (`svc:ingest`, `svc:dashboard`, ...). */
  MQTT_SERVICE_SECRET: z.string().min(16, 'must be at least 16 characters'),
};

/** InfluxDB settings (DESIGN.md "InfluxDB"); with no INFLUX_URL the embedded store is used. */
export const influxEnv = {
  INFLUX_URL: z.string().url().optional(),
  /** v2: an API token. v1: `user:password`, or empty when auth is off. */
  INFLUX_TOKEN: z.string().optional(),
  INFLUX_ORG: z.string().default('jagajarak'),
  INFLUX_BUCKET: z.string().default('jagajarak'),
  /** v1 database (and v2 DBRP database for InfluxQL reads); defaults to the bucket name. */
  INFLUX_DATABASE: z.string().optional(),
  INFLUX_RETENTION_POLICY: z.string().optional(),
  /** `auto` asks `GET /ping` for `X-Influxdb-Version`. */
  INFLUX_API: z.enum(['auto', 'v1', 'v2']).default('auto'),
  /**
   * Where writes wait on disk while InfluxDB is down or slow (README "When InfluxDB is down").
   * Default `<DATA_DIR or ./data>/spool/<service>`; one writing process per directory.
   */
  SPOOL_DIR: z.string().optional(),
  /** Bound of the disk spool in bytes (default 1 GiB); past it new points are dropped and counted. 0: no spool. */
  SPOOL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 ** 3),
};

export interface InfluxConfig {
  url: string;
  token: string | undefined;
  org: string;
  bucket: string;
  database: string;
  retentionPolicy: string | undefined;
  api: 'auto' | 'v1' | 'v2';
  /** Disk spool directory (shared/store/disk-spool.ts); none: failed writes wait in memory only. */
  spoolDir?: string | undefined;
  /** Bound of the disk spool in bytes. */
  spoolMaxBytes?: number | undefined;
}

export function influxConfigFrom(
  env: {
    INFLUX_URL?: string | undefined;
    INFLUX_TOKEN?: string | undefined;
    INFLUX_ORG: string;
    INFLUX_BUCKET: string;
    INFLUX_DATABASE?: string | undefined;
    INFLUX_RETENTION_POLICY?: string | undefined;
    INFLUX_API: 'auto' | 'v1' | 'v2';
    SPOOL_DIR?: string | undefined;
    SPOOL_MAX_BYTES?: number | undefined;
    DATA_DIR?: string | undefined;
  },
  writer?: string,
): InfluxConfig | undefined {
  if (!env.INFLUX_URL) return undefined;
  // Each writing process gets its own spool directory (the spool is locked to one process).
  const spoolDir =
    env.SPOOL_MAX_BYTES === 0
      ? undefined
      : (env.SPOOL_DIR ?? (writer ? join(env.DATA_DIR ?? './data', 'spool', writer) : undefined));
  return {
    ...(spoolDir ? { spoolDir, spoolMaxBytes: env.SPOOL_MAX_BYTES ?? 1024 ** 3 } : {}),
    url: env.INFLUX_URL,
    token: env.INFLUX_TOKEN,
    org: env.INFLUX_ORG,
    bucket: env.INFLUX_BUCKET,
    database: env.INFLUX_DATABASE ?? env.INFLUX_BUCKET,
    retentionPolicy: env.INFLUX_RETENTION_POLICY,
    api: env.INFLUX_API,
  };
}

export const logEnv = {
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** `pretty` for a terminal, `json` in production (default when NODE_ENV=production). */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  NODE_ENV: z.string().optional(),
};
