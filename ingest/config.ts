import { z } from 'zod';
import { influxEnv, logEnv, mqttClientEnv } from '../shared/config.ts';
import { opsEnv } from '../shared/ops-server.ts';
import { DEFAULT_POLICY_ID } from '../shared/policy.ts';
import { isTimeZone } from './daily-reset.ts';

/** Environment read by ingest (documented in README "Configuration"). */
export const ingestEnvSchema = z.object({
  ...mqttClientEnv,
  ...influxEnv,
  ...logEnv,
  /** `/metrics` and `/healthz` of the standalone ingest (shared/ops-server.ts); OPS_PORT 0 = off. */
  ...opsEnv(9102),
  /** Client id of the persistent session: the broker keeps QoS 1 messages for it while ingest is down. */
  INGEST_CLIENT_ID: z.string().min(1).max(128).default('jagajarak-ingest'),
  /** Policy assumed until the registry's policy record arrives. */
  POLICY_PRESET: z.string().default(DEFAULT_POLICY_ID),
  /** How often changed site states are published and stored (coalescing window). */
  STATE_FLUSH_MS: z.coerce.number().int().min(10).max(5000).default(100),
  /**
   * How often at most a site's state is stored while it changes (a level change is stored at
   * once; the latest state always follows): ingest/state-pacer.ts. 0 stores every publish.
   */
  SITE_STATE_STORE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /**
   * At most one retained `sites/{id}/state` per site per this many ms, besides every level change
   * and the latest state after a burst (ingest/state-pacer.ts). Live views get every change from
   * the batched `live/site-states` feed. 0 publishes every change retained.
   */
  STATE_RETAIN_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** How often pending level transitions (e.g. the 30 s warning) are re-evaluated. */
  LEVEL_TICK_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** Quiet time after the registry subscription before device messages are processed. */
  REGISTRY_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(300),
  /**
   * How long a starting ingest waits for the registry owner (the dashboard always publishes the
   * retained `registry/policy` record after the sites and devices) before it restores site state
   * and alarms. A broker that restarted with ingest holds no registry until the dashboard has
   * replicated it; restoring before that would restore nothing. 0 = do not wait.
   */
  REGISTRY_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(60_000),
  /** Local hour (0-23) of the daily count reset (DOMAIN.md: the quietest hour, 04:00). */
  RESET_HOUR: z.coerce.number().int().min(0).max(23).default(4),
  /** IANA time zone of RESET_HOUR (Batam is WIB, UTC+7, no daylight saving). */
  RESET_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Asia/Jakarta')
    .default('Asia/Jakarta'),
  /** How many days back a starting ingest looks in the store for alarms to keep open. */
  ALARM_RESTORE_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** How long start() keeps retrying to read alarms from an unreachable store before going on without. */
  ALARM_RESTORE_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(60_000),
  /** How often each site's occupancy forecast is refitted from the store (capacity-forecast warning). */
  FORECAST_REFIT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Days of history the forecast profile is fitted from (weekday x 15-minute slot). */
  FORECAST_HISTORY_DAYS: z.coerce.number().int().min(1).max(90).default(28),
  /** Shortest time between two store flushes that acknowledge device messages to the broker (ack-gate.ts). */
  ACK_INTERVAL_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  /** Most device messages held unacknowledged until the store has them; past it ingest stops reading. */
  MAX_UNACKED_MESSAGES: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
});

export type IngestEnv = z.infer<typeof ingestEnvSchema>;

export interface IngestConfig {
  mqttUrl: string;
  serviceSecret: string;
  clientId: string;
  policyId: string;
  stateFlushMs: number;
  /** Default 1000 (SITE_STATE_STORE_MS). */
  stateStoreMs?: number;
  /** Default 1000 (STATE_RETAIN_MS). */
  stateRetainMs?: number;
  levelTickMs: number;
  registrySettleMs: number;
  /** REGISTRY_WAIT_MS; default 0 (do not wait for the registry owner's policy record). */
  registryWaitMs?: number;
  /** Daily count reset hour, local time; default 4. */
  resetHour?: number;
  /** Default `Asia/Jakarta`. */
  resetTimeZone?: string;
  /** Default 30 days. */
  alarmRestoreLookbackMs?: number;
  /** Default 60 s. */
  alarmRestoreTimeoutMs?: number;
  /** Default 15 min (forecast-models.ts). */
  forecastRefitMs?: number;
  /** Default 28. */
  forecastHistoryDays?: number;
  /** How often the capacity-forecast rule runs; default 60 s. */
  forecastEvaluateMs?: number;
  /** Default 100 ms (ack-gate.ts). */
  ackIntervalMs?: number;
  /** Default 20,000. */
  maxUnacked?: number;
}

export function ingestConfigFrom(env: IngestEnv): IngestConfig {
  return {
    mqttUrl: env.MQTT_URL,
    serviceSecret: env.MQTT_SERVICE_SECRET,
    clientId: env.INGEST_CLIENT_ID,
    policyId: env.POLICY_PRESET,
    stateFlushMs: env.STATE_FLUSH_MS,
    stateStoreMs: env.SITE_STATE_STORE_MS,
    stateRetainMs: env.STATE_RETAIN_MS,
    levelTickMs: env.LEVEL_TICK_MS,
    registrySettleMs: env.REGISTRY_SETTLE_MS,
    registryWaitMs: env.REGISTRY_WAIT_MS,
    resetHour: env.RESET_HOUR,
    resetTimeZone: env.RESET_TIMEZONE,
    alarmRestoreLookbackMs: env.ALARM_RESTORE_DAYS * 86_400_000,
    alarmRestoreTimeoutMs: env.ALARM_RESTORE_TIMEOUT_MS,
    forecastRefitMs: env.FORECAST_REFIT_MINUTES * 60_000,
    forecastHistoryDays: env.FORECAST_HISTORY_DAYS,
    ackIntervalMs: env.ACK_INTERVAL_MS,
    maxUnacked: env.MAX_UNACKED_MESSAGES,
  };
}
